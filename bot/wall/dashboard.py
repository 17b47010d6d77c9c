"""A coordinator's dashboard on the wall: where the community's wishes stand, this week's
completion rate so far, the last eight finished weeks per branch, who is late, what waits for
verification, what waits to be posted. Every figure comes from where /stats and the weekly
report take theirs (the stats module and the report service), so the wall can never count
differently from the chat; what the coordinators may do about each list is the chat's too
(bot/wall/desk.py and the lifecycle), and so is whom a list shows a beneficiary's details to:
the VIEW_DETAILS policy that decides it for /wish and the chat's verification card, asked for
this actor and each wish on every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from bot.clock import local_today
from bot.errors import NotAllowed, NotFound
from bot.models import Action, Branch, Community, Repeat, Wish, WishStatus
from bot.people.directory import Directory
from bot.people.policies import Actor, allowed, check
from bot.records.service import RecordsService
from bot.reports.model import WeeklyReport
from bot.reports.weekly import HISTORY_WEEKS, ReportService
from bot.timing import IsoWeek, community_zone, extension_window
from bot.wall.desk import branches_with_groups
from bot.wishes.lifecycle import WishService
from storage.groups import GroupRepo
from storage.organisation import BranchRepo, CommunityRepo
from storage.stats import Period, PeriodFigures, Scope, Snapshot, StatsRepo
from storage.wall import WallRepo


@dataclass(frozen=True)
class Late:
    wish: Wish
    holders: list[str]
    days_late: int
    window: tuple[date, date]  # the new due dates a coordinator may set (Extend, Reassign)


@dataclass(frozen=True)
class Pending:
    wish: Wish
    own: bool  # entered by the asker, in a community where someone else must verify it
    repeat: Repeat | None  # the beneficiary had a wish recently (the chat's card flags it too)


@dataclass(frozen=True)
class Dashboard:
    community: Community
    today: date
    counts: Snapshot
    week: IsoWeek
    this_week: PeriodFigures  # the week under way, fulfilments counted up to now
    weeks: list[WeeklyReport]  # the finished weeks, oldest first, each with its branch rows
    overdue: list[Late]
    pending: list[Pending]
    verified: list[Wish]  # verified, waiting to be posted (Post, Auto-balance)
    branches: list[Branch]
    post_branches: list[Branch]  # the branches with a group to post into
    # The wishes of these lists whose beneficiary's details the policy shows the asker.
    shows_details: frozenset[int] = frozenset()

    def shows(self, wish: Wish) -> bool:
        return wish.id in self.shows_details


class Dashboards:
    def __init__(
        self,
        *,
        wall: WallRepo,
        stats: StatsRepo,
        reports: ReportService,
        wishes: WishService,
        communities: CommunityRepo,
        branches: BranchRepo,
        directory: Directory,
        groups: GroupRepo,
        records: RecordsService,
        zone: tzinfo,
    ) -> None:
        self._groups = groups
        self._records = records
        self._zone = zone  # for a community whose own time zone is unknown
        self._wall = wall
        self._stats = stats
        self._reports = reports
        self._wishes = wishes
        self._communities = communities
        self._branches = branches
        self._directory = directory

    async def build(self, actor: Actor, community_id: int | None, now: datetime) -> Dashboard:
        """For the coordinators of the community (its figures and lists are what they export)."""
        wanted = community_id if community_id is not None else actor.current_community
        if wanted is None:
            raise NotAllowed("err.coordinators_only")
        check(actor, Action.EXPORT, None, wanted)  # before saying whether it exists
        community = await self._communities.get(wanted)
        if community is None:
            raise NotFound("err.no_community")
        today = local_today(now, community_zone(community, self._zone))
        scope = Scope(community_id=community.id)
        week = IsoWeek.of(today)
        this_week = await self._stats.figures(
            scope, Period(start=week.first_day, end=week.last_day + timedelta(days=1), tz=community.tz), now
        )
        finished = week.shifted(-1)
        weeks = [
            await self._reports.build(community, finished.shifted(-back))
            for back in range(HISTORY_WEEKS - 1, -1, -1)
        ]
        late = []
        for wish in await self._wall.overdue(community.id, today):
            names = [await self._directory.name_of(uid) for uid in wish.holders]
            window = extension_window(wish.due_date, today, community.max_extension_days, by_coordinator=True)
            late.append(Late(wish, names, (today - wish.due_date).days, window))
        pending = [
            Pending(
                wish,
                own=community.four_eyes and wish.created_by == actor.user_id,
                repeat=await self._records.repeats_for(wish),
            )
            for wish in await self._wishes.pending(actor)
            if wish.community_id == community.id
        ]
        verified = await self._wall.in_status(community.id, WishStatus.VERIFIED)
        listed = [item.wish for item in late] + [item.wish for item in pending] + verified
        return Dashboard(
            community=community,
            today=today,
            counts=await self._stats.snapshot(scope, today),
            week=week,
            this_week=this_week,
            weeks=weeks,
            overdue=late,
            pending=pending,
            verified=verified,
            branches=await self._branches.for_community(community.id),
            post_branches=await branches_with_groups(self._groups, self._branches, community.id),
            shows_details=frozenset(
                w.id for w in listed if allowed(actor, Action.VIEW_DETAILS, w, w.community_id)
            ),
        )

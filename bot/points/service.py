"""Service hours and points for people: what a member's, a branch's or a community's service
adds up to over a period, the leaderboards, who hides there, and the rules (re-)applied.

Everything is worked out when asked, from the event log (storage/points.py) and the rules in
force when each wish was fulfilled (bot/points/rules.py). Nothing is kept that a changed rule
would make wrong: `/points reapply` records a decision in the log, and the next figure reads it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock, local_today
from bot.errors import DomainError, InvalidInput, NotFound
from bot.models import Action, Branch, Community, Frozen, MembershipStatus, Wish, WishStatus
from bot.people.audit import Audit
from bot.people.policies import Actor, check
from bot.points.board import Board, BoardRow, parse_board, rank
from bot.points.hours import as_number
from bot.points.rules import (
    REAPPLY,
    Credit,
    PointsRules,
    RuleBook,
    ServiceTotals,
    by_member,
    credit,
    overall,
    reapply_details,
)
from bot.reports import figures
from storage.db import Database
from storage.groups import GroupRepo
from storage.members import MemberRepo
from storage.organisation import BranchRepo, CommunityRepo, MembershipRepo
from storage.points import PointsRepo
from storage.stats import Period, SheetRow

SHEET_BATCH = 500


class Reapplied(Frozen):
    """The rules of now applied to an earlier period: its totals under the old and new rules."""

    period: Period
    label: str
    rules: PointsRules
    before: ServiceTotals
    after: ServiceTotals


class PointsService:
    def __init__(
        self,
        *,
        db: Database,
        repo: PointsRepo,
        communities: CommunityRepo,
        branches: BranchRepo,
        memberships: MembershipRepo,
        members: MemberRepo,
        groups: GroupRepo,
        audit: Audit,
        clock: Clock,
    ) -> None:
        self._db = db
        self._repo = repo
        self._communities = communities
        self._branches = branches
        self._memberships = memberships
        self._members = members
        self._groups = groups
        self._audit = audit
        self._clock = clock

    @classmethod
    def over(cls, db: Database, audit: Audit, clock: Clock) -> PointsService:
        """The service with repositories of its own over the database (they keep no state)."""
        return cls(
            db=db,
            repo=PointsRepo(db),
            communities=CommunityRepo(db),
            branches=BranchRepo(db),
            memberships=MembershipRepo(db),
            members=MemberRepo(db),
            groups=GroupRepo(db),
            audit=audit,
            clock=clock,
        )

    # --- reading service ------------------------------------------------------------------

    async def community(self, community_id: int) -> Community:
        found = await self._communities.get(community_id)
        if found is None:
            raise DomainError("err.no_community")
        return found

    def today(self, community: Community) -> date:
        return local_today(self._clock.now(), ZoneInfo(community.tz))

    async def book(self, community_id: int) -> RuleBook:
        return RuleBook(await self._repo.rule_events(community_id))

    async def credits_between(
        self, community: Community, start: datetime, end: datetime, *, user_id: int | None = None
    ) -> list[Credit]:
        """The wishes fulfilled in [start, end), each with what its members earned."""
        entries = await self._repo.fulfilled(community.id, start, end, user_id=user_id)
        book = await self.book(community.id)
        zone = ZoneInfo(community.tz)
        return [credit(e, book, community.hours_default * 10, zone) for e in entries]

    async def credits_of(
        self, community: Community, wish_ids: Sequence[int], book: RuleBook | None = None
    ) -> dict[int, Credit]:
        """These wishes' hours and, once fulfilled, points (a record's lines, a sheet's batch)."""
        entries = await self._repo.entries(wish_ids)
        if not entries:
            return {}
        book = book or await self.book(community.id)
        zone = ZoneInfo(community.tz)
        return {
            wish_id: credit(entry, book, community.hours_default * 10, zone)
            for wish_id, entry in entries.items()
            if entry.community_id == community.id
        }

    async def with_service(
        self, community: Community, rows: AsyncIterator[SheetRow]
    ) -> AsyncIterator[SheetRow]:
        """The claim sheet's rows with each member's hours (once delivered) and points (once
        fulfilled), looked up a batch at a time so a long sheet never waits row by row."""
        book = await self.book(community.id)  # read once for the whole sheet
        batch: list[SheetRow] = []
        async for row in rows:
            batch.append(row)
            if len(batch) >= SHEET_BATCH:
                for served in await self._served(community, batch, book):
                    yield served
                batch = []
        for served in await self._served(community, batch, book):
            yield served

    async def _served(self, community: Community, batch: list[SheetRow], book: RuleBook) -> list[SheetRow]:
        done = [r for r in batch if r.status in (WishStatus.DELIVERED, WishStatus.FULFILLED)]
        credits = await self.credits_of(community, [r.wish_id for r in done], book) if done else {}
        found: list[SheetRow] = []
        for row in batch:
            c = credits.get(row.wish_id)
            if c is None or row.status not in (WishStatus.DELIVERED, WishStatus.FULFILLED):
                found.append(row)
                continue
            points = None if c.points_tenths is None else as_number(c.points_tenths)
            found.append(row.model_copy(update={"hours": as_number(c.hours_tenths), "points": points}))
        return found

    async def hours_of(self, wish: Wish) -> int:
        """A delivered wish's hours in tenths: the latest recorded, else the community's default."""
        community = await self.community(wish.community_id)
        found = await self.credits_of(community, [wish.id])
        return found[wish.id].hours_tenths if wish.id in found else community.hours_default * 10

    async def member_totals(self, community: Community, user_id: int, period: Period) -> ServiceTotals:
        credits = await self.credits_between(
            community, period.start_instant(), period.end_instant(), user_id=user_id
        )
        return ServiceTotals.of(credits)

    async def totals(self, community: Community, start: datetime, end: datetime) -> ServiceTotals:
        """A community's service in [start, end): every member's hours and points together."""
        return overall(await self.credits_between(community, start, end))

    # --- the leaderboard ------------------------------------------------------------------

    async def leaderboard(self, actor: Actor, tokens: list[str], chat_id: int | None) -> Board:
        """`/leaderboard [branch|community|BRANCH NAME] [month|half|year|PERIOD]`: a branch's or
        the community's ranking by points (then hours) over the period, hidden members masked.

        In a bound group, the group's community (its branch by default); in private, the one
        the person works in (a member's own branch by default). Members of the community and its
        coordinators may see it; nobody's beneficiaries are in it."""
        community, default_branch = await self._where(actor, chat_id)
        check(actor, Action.BROWSE, None, community.id)
        scope, span = parse_board(tokens, self.today(community))
        branches = await self._branches.for_community(community.id)
        branch: Branch | None
        if scope == "community":
            branch = None
        elif scope == "branch" or scope is None:
            branch = next((b for b in branches if b.id == default_branch), None)
        else:
            branch = next((b for b in branches if b.name.lower() == scope.lower()), None)
            if branch is None:
                raise NotFound("rec.no_branch", name=scope)
        period = Period(start=span[0], end=span[1], tz=community.tz)
        credits = await self.credits_between(community, period.start_instant(), period.end_instant())
        totals = by_member(credits)
        memberships = {m.user_id: m for m in await self._memberships.of_community(community.id)}
        ranked = {
            uid: t
            for uid, t in totals.items()
            if (m := memberships.get(uid)) is not None
            and m.status is not MembershipStatus.REMOVED
            and (branch is None or m.branch_id == branch.id)
        }
        hidden = await self._repo.hidden_among(list(ranked))
        names = await self._members.get_many(list(ranked))
        rows = [
            BoardRow(
                rank=place,
                user_id=uid,
                name=None if uid in hidden else (names[uid].full_name if uid in names else str(uid)),
                totals=ranked[uid],
            )
            for place, uid in rank(ranked)
        ]
        return Board(
            community=community, branch=branch, period=period, rows=rows, rules=PointsRules.of(community)
        )

    async def _where(self, actor: Actor, chat_id: int | None) -> tuple[Community, int | None]:
        """The community a leaderboard is of, and the branch it shows unless told otherwise."""
        if chat_id is not None:
            group = await self._groups.get(chat_id)
            if group is None or not group.active:
                raise DomainError("groups.not_bound")
            return await self.community(group.community_id), group.branch_id
        community_id = actor.working_community()
        membership = actor.membership
        own = membership.branch_id if membership and membership.community_id == community_id else None
        return await self.community(community_id), own

    # --- privacy --------------------------------------------------------------------------

    async def is_hidden(self, user_id: int) -> bool:
        return user_id in await self._repo.hidden_among([user_id])

    async def set_hidden(self, actor: Actor, hidden: bool) -> None:
        """A member's own choice, kept in the audit trail like every other change."""
        if actor.member is None:
            raise DomainError("err.members_only")
        membership = actor.membership
        community_id = membership.community_id if membership else actor.current_community
        async with self._db.transaction() as conn:
            await self._repo.set_hidden(conn, actor.user_id, hidden, self._clock.now())
            await self._audit.change(
                conn, actor, "privacy.leaderboard", community_id or 0, {"hidden": hidden}
            )

    # --- rules ----------------------------------------------------------------------------

    async def rules(self, actor: Actor) -> Community:
        """The community a coordinator works in now, whose rules /points shows."""
        community = await self.community(actor.working_community())
        check(actor, Action.MANAGE_MEMBERS, None, community.id)
        return community

    async def reapply(self, actor: Actor, tokens: list[str]) -> Reapplied:
        """`/points reapply PERIOD`: the rules of now count for the wishes fulfilled in PERIOD
        (a change of rule applies from when it is made, unless re-applied like this)."""
        community = await self.rules(actor)
        missing = (date.min, date.min)
        scope, span = parse_board(tokens, self.today(community), default=missing)
        if scope is not None or span == missing:
            raise InvalidInput("hp.usage_reapply")
        period = Period(start=span[0], end=span[1], tz=community.tz)
        start, end = period.start_instant(), period.end_instant()
        before = await self.totals(community, start, end)
        rules = PointsRules.of(community)
        label = figures.period_token(*span)
        async with self._db.transaction() as conn:
            await self._audit.change(
                conn, actor, REAPPLY, community.id, reapply_details(rules, start, end, label)
            )
        after = await self.totals(community, start, end)
        return Reapplied(period=period, label=label, rules=rules, before=before, after=after)

"""Records in and out: imports, statistics, service records and the claim sheet.

The numbers come from storage/stats.py (one query module) and the formulas from bot/figures.py;
this module puts them together for a scope and a period, and checks who may see what.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot import arguments
from bot.categories.service import Categories
from bot.clock import Clock, local_today
from bot.errors import NotAllowed, NotFound
from bot.models import (
    Branch,
    Community,
    EarlierWish,
    ImportedWish,
    MembershipStatus,
    Repeat,
    RepeatHit,
    Wish,
    WishStatus,
)
from bot.people.directory import Directory
from bot.people.policies import Actor
from bot.points.rules import Credit, ServiceTotals
from bot.points.service import PointsService
from bot.records import importer, sheet_worker
from bot.records.model import (
    BranchReport,
    ExportSummary,
    ImportOutcome,
    MemberRecord,
    RecordLine,
    RecordSummary,
    StatsView,
    SummaryLine,
)
from bot.reports import figures
from bot.wishes.lifecycle import WishService
from storage.events import EventRepo
from storage.organisation import BranchRepo, CommunityRepo, MembershipRepo
from storage.records import RecordsRepo
from storage.stats import (
    Period,
    PeriodFigures,
    RecordRow,
    Scope,
    SheetRow,
    StatsRepo,
)


def community_of(actor: Actor) -> int:
    """The community a user's /stats, /export, imports ... act in."""
    return actor.working_community()


def months_before(when: datetime, months: int) -> datetime:
    """The same instant `months` calendar months earlier (the 31st becomes the month's last day)."""
    index = when.year * 12 + (when.month - 1) - months
    year, month = divmod(index, 12)
    day = when.day
    while True:
        try:
            return when.replace(year=year, month=month + 1, day=day)
        except ValueError:
            day -= 1


class RecordsService:
    def __init__(
        self,
        *,
        stats: StatsRepo,
        records: RecordsRepo,
        communities: CommunityRepo,
        branches: BranchRepo,
        memberships: MembershipRepo,
        directory: Directory,
        wishes: WishService,
        events: EventRepo,
        clock: Clock,
        categories: Categories,
        points: PointsService,
    ) -> None:
        self._categories = categories
        self._points = points
        self._stats = stats
        self._records = records
        self._communities = communities
        self._branches = branches
        self._memberships = memberships
        self._directory = directory
        self._wishes = wishes
        self._events = events
        self._clock = clock

    # --- helpers --------------------------------------------------------------------------

    async def community(self, community_id: int) -> Community:
        found = await self._communities.get(community_id)
        if found is None:
            raise NotFound("rec.no_community", name=str(community_id))
        return found

    async def find_community(self, name_or_id: str) -> Community:
        """For the command line: a community by its name or its number."""
        text = name_or_id.strip()
        number = arguments.whole(text, 1, 2**62) if arguments.is_whole(text) else None
        found = await self._communities.get(number) if number is not None else None
        found = found or await self._communities.by_name(text)
        if found is None:
            raise NotFound("rec.no_community", name=text)
        return found

    def today(self, community: Community) -> date:
        return local_today(self._clock.now(), ZoneInfo(community.tz))

    def period(self, community: Community, span: tuple[date, date]) -> Period:
        return Period(start=span[0], end=span[1], tz=community.tz)

    @staticmethod
    def require_coordinator(actor: Actor, community_id: int) -> None:
        if not actor.coordinates(community_id):
            raise NotAllowed("err.coordinators_only")

    # --- import ---------------------------------------------------------------------------

    async def import_file(
        self, actor: Actor, community_id: int, file_name: str | None, content: bytes
    ) -> ImportOutcome:
        """Check the whole file; import every row (one transaction) only if no row is bad.

        Raises importer.ImportRefused for a file that is not a usable table at all.
        """
        self.require_coordinator(actor, community_id)
        community = await self.community(community_id)
        table = await sheet_worker.read_table(content, file_name)
        # A category cell may name any of the community's visible categories, in either language.
        book = await self._categories.book(community_id)
        checked = importer.check_table(
            table, today=self.today(community), value_cap_fen=community.value_cap_fen, categories=book.match
        )
        outcome = ImportOutcome(checked=checked, repeat_months=community.repeat_months)
        # Flags are part of the check report, so they are worked out for a refused file too.
        outcome.repeats = await self._repeats_of(community, checked.items)
        outcome.names = {item.row: item.draft.beneficiary.name for item in checked.items}
        if checked.errors:
            return outcome
        outcome.created = await self._wishes.create_many(actor, checked.items, community_id)
        return outcome

    async def _repeats_of(self, community: Community, items: list[ImportedWish]) -> dict[int, Repeat]:
        if community.repeat_months <= 0:
            return {}
        since = months_before(self._clock.now(), community.repeat_months)
        zone = ZoneInfo(community.tz)
        hits = await self._records.repeat_candidates(
            community.id, [i.draft.beneficiary.name for i in items], since
        )
        found: dict[int, Repeat] = {}
        for item in items:
            repeat = _match(
                hits, item.draft.beneficiary.name, item.draft.beneficiary.phone, community.repeat_months, zone
            )
            if repeat is not None:
                found[item.row] = repeat
        return found

    async def repeats_for(self, wish: Wish) -> Repeat | None:
        """For the verification card: did this beneficiary already have a wish recently?"""
        community = await self.community(wish.community_id)
        if community.repeat_months <= 0 or not wish.beneficiary_phone:
            return None
        since = months_before(self._clock.now(), community.repeat_months)
        hits = await self._records.repeat_candidates(
            community.id, [wish.beneficiary_name], since, exclude_ids=[wish.id]
        )
        return _match(
            hits,
            wish.beneficiary_name,
            wish.beneficiary_phone,
            community.repeat_months,
            ZoneInfo(community.tz),
        )

    # --- /stats ---------------------------------------------------------------------------

    async def stats(self, actor: Actor, community_id: int) -> StatsView:
        community = await self.community(community_id)
        today = self.today(community)
        now = self._clock.now()
        scope = Scope(community_id=community_id)
        year = self.period(community, figures.year_of(today))
        month = self.period(community, figures.month_of(today))
        own_now = own_year = None
        # Members see their own line; a coordinator only if they serve in a branch as well.
        if actor.member is not None and (actor.membership is not None or not actor.is_coordinator):
            mine = Scope(community_id=community_id, user_id=actor.user_id)
            own_now = await self._stats.snapshot(mine, today)
            own_year = await self._stats.figures(mine, year, now)
        return StatsView(
            community=community,
            today=today,
            now=await self._stats.snapshot(scope, today),
            month=await self._stats.figures(scope, month, now),
            year=await self._stats.figures(scope, year, now),
            top=await self._stats.top_categories(scope, year),
            own_now=own_now,
            own_year=own_year,
        )

    # --- service records ------------------------------------------------------------------

    async def member_record(self, community_id: int, user_id: int, span: tuple[date, date]) -> MemberRecord:
        community = await self.community(community_id)
        period = self.period(community, span)
        membership = await self._memberships.get(user_id)
        branch = None
        if membership is not None and membership.community_id == community_id:
            branch = await self._branches.get(membership.branch_id)
        rows = await self._stats.record(community_id, user_id, period)
        today = self.today(community)
        # Hours and points from the event log and the rules in force (bot/points).
        credits = await self._points.credits_of(community, [row.wish_id for row in rows])
        lines = [_line(row, period.zone, today, credits.get(row.wish_id)) for row in rows]
        start, end = period.start_instant(), period.end_instant()
        served = [c for c in credits.values() if c.fulfilled_at is not None and start <= c.fulfilled_at < end]
        return MemberRecord(
            user_id=user_id,
            name=await self._directory.name_of(user_id),
            community=community,
            branch=branch,
            period=period,
            lines=lines,
            summary=_summarise(lines, period, today),
            service=ServiceTotals.of(served),
        )

    async def branches(self, community_id: int) -> list[Branch]:
        return await self._branches.for_community(community_id)

    async def branch_by_name(self, community_id: int, name: str) -> Branch | None:
        wanted = name.strip().lower()
        for branch in await self._branches.for_community(community_id):
            if branch.name.lower() == wanted:
                return branch
        return None

    async def branch_report(self, actor: Actor, branch_id: int, span: tuple[date, date]) -> BranchReport:
        branch = await self._branches.get(branch_id)
        if branch is None:
            raise NotFound("rec.no_branch", name=str(branch_id))
        self.require_coordinator(actor, branch.community_id)
        community = await self.community(branch.community_id)
        records: list[MemberRecord] = []
        for membership in await self._memberships.of_branch(branch_id):
            record = await self.member_record(branch.community_id, membership.user_id, span)
            # Someone who left the branch stays in the report for the service they gave.
            if membership.status is MembershipStatus.REMOVED and not record.lines:
                continue
            records.append(record)
        records.sort(key=lambda r: (r.name, r.user_id))
        period = self.period(community, span)
        who = {m.user_id for m in await self._memberships.of_branch(branch_id)}
        start, end = period.start_instant(), period.end_instant()
        releases = await self._wishes.release_reasons(community.id, who, start, end)
        return BranchReport(
            community=community, branch=branch, period=period, members=records, releases=releases
        )

    # --- the claim sheet ------------------------------------------------------------------

    async def export_summary(self, community: Community, period: Period) -> ExportSummary:
        now = self._clock.now()
        total = await self._stats.figures(Scope(community_id=community.id), period, now)
        by_branch = [
            SummaryLine(
                label=b.name,
                figures=await self._stats.figures(
                    Scope(community_id=community.id, branch_id=b.id), period, now
                ),
            )
            for b in await self._branches.for_community(community.id)
        ]
        unposted = _minus(total, [line.figures for line in by_branch])
        by_month = [
            SummaryLine(
                label=month.start.strftime("%Y-%m"),
                figures=await self._stats.figures(Scope(community_id=community.id), month, now),
            )
            for month in period.months()
        ]
        return ExportSummary(by_branch=by_branch, unposted=unposted, total=total, by_month=by_month)

    def sheet_rows(self, community: Community, period: Period) -> AsyncIterator[SheetRow]:
        """The claim sheet's rows, each with its service hours and points (bot/points)."""
        return self._points.with_service(community, self._stats.sheet_rows(community.id, period))

    async def record_export(
        self, actor_id: int | None, community: Community, period: Period, public: bool
    ) -> None:
        """Who took the claim sheet (with personal data or not) is part of the audit trail."""
        await self._events.record(
            action="export",
            at=self._clock.now(),
            actor_id=actor_id,
            community_id=community.id,
            details={"from": period.start.isoformat(), "to": period.last_day.isoformat(), "public": public},
        )


def _match(hits: list[RepeatHit], name: str, phone: str, months: int, zone: ZoneInfo) -> Repeat | None:
    def repeat(found: list[RepeatHit], *, name_only: bool = False) -> Repeat:
        earlier = tuple(
            EarlierWish(
                wish_id=h.wish_id, status=h.status, fulfilled_on=figures.local_day(h.fulfilled_at, zone)
            )
            for h in found
        )
        more = max(0, max(h.total for h in found) - len(found))
        return Repeat(earlier=earlier, months=months, name_only=name_only, more=more)

    same = [h for h in hits if h.beneficiary_name == name and h.beneficiary_phone == phone]
    if same:
        return repeat(same)
    # An erased phone cannot match; the same name on a recently fulfilled wish is still a hint.
    erased = [
        h
        for h in hits
        if h.beneficiary_name == name and not h.beneficiary_phone and h.status is WishStatus.FULFILLED
    ]
    if erased:
        return repeat(erased, name_only=True)
    return None


def _line(row: RecordRow, zone: ZoneInfo, today: date, credit: Credit | None = None) -> RecordLine:
    delivered_on = figures.local_day(row.delivered_at, zone)
    fulfilled_on = figures.local_day(row.fulfilled_at, zone)
    delivered_or_done = delivered_on or fulfilled_on
    served = credit is not None and row.status in (WishStatus.DELIVERED, WishStatus.FULFILLED)
    return RecordLine(
        row=row,
        claimed_on=figures.local_day(row.claimed_at, zone),
        delivered_on=delivered_on,
        fulfilled_on=fulfilled_on,
        days_late=figures.days_late(row.due_date, row.status, delivered_or_done, today),
        on_time=figures.on_time(row.due_date, delivered_or_done)
        if row.status in (WishStatus.DELIVERED, WishStatus.FULFILLED)
        else None,
        hours_tenths=credit.hours_tenths if served and credit is not None else None,
        points_tenths=credit.points_tenths if served and credit is not None else None,
    )


def _summarise(lines: list[RecordLine], period: Period, today: date) -> RecordSummary:
    start, end = period.start_instant(), period.end_instant()

    def inside(when: datetime | None) -> bool:
        return when is not None and start <= when < end

    fulfilled = [ln for ln in lines if ln.row.status is WishStatus.FULFILLED and inside(ln.row.fulfilled_at)]
    held = [ln for ln in lines if ln.row.status in (WishStatus.CLAIMED, WishStatus.DELIVERED)]
    return RecordSummary(
        claimed=sum(1 for ln in lines if inside(ln.row.claimed_at)),
        fulfilled=len(fulfilled),
        on_time=sum(1 for ln in fulfilled if ln.on_time),
        late=sum(1 for ln in fulfilled if ln.on_time is False),
        in_progress=len(held),
        overdue=sum(1 for ln in held if ln.row.status is WishStatus.CLAIMED and ln.row.due_date < today),
        value_fen=sum(ln.row.value_fen or 0 for ln in fulfilled),
    )


def _minus(total: PeriodFigures, parts: list[PeriodFigures]) -> PeriodFigures:
    fields = PeriodFigures.model_fields
    return PeriodFigures(
        **{name: getattr(total, name) - sum(getattr(p, name) for p in parts) for name in fields}
    )


def default_export_period(today: date) -> tuple[date, date]:
    return figures.year_of(today)


def default_record_period(today: date) -> tuple[date, date]:
    return figures.half_of(today)

"""What the records service answers with: import outcomes, /stats views, service records,
branch reports and the claim sheet's summary. Plain data, so sheets and views depend on it
and not on the service that computes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.models import Branch, Community, Repeat, Wish
from bot.points.rules import ServiceTotals
from bot.records import importer
from storage.stats import CategoryCount, Period, PeriodFigures, RecordRow, Snapshot


@dataclass
class ImportOutcome:
    checked: importer.CheckedTable
    created: list[Wish] = field(default_factory=list)
    repeats: dict[int, Repeat] = field(default_factory=dict)  # by spreadsheet row
    names: dict[int, str] = field(default_factory=dict)  # by row, for the report (coordinators only)
    repeat_months: int = 12

    @property
    def imported(self) -> bool:
        return bool(self.created)


@dataclass(frozen=True)
class StatsView:
    community: Community
    today: date
    now: Snapshot
    month: PeriodFigures
    year: PeriodFigures
    top: list[CategoryCount]
    own_now: Snapshot | None = None
    own_year: PeriodFigures | None = None


@dataclass(frozen=True)
class RecordLine:
    row: RecordRow
    claimed_on: date | None
    delivered_on: date | None
    fulfilled_on: date | None
    days_late: int | None
    on_time: bool | None
    # Service hours (tenths) once delivered, points (tenths) once fulfilled: bot/points.
    hours_tenths: int | None = None
    points_tenths: int | None = None

    @property
    def code(self) -> str:
        from bot.codes import format_code

        return format_code(self.row.wish_id)


@dataclass(frozen=True)
class RecordSummary:
    claimed: int = 0  # claims made in the period
    fulfilled: int = 0  # fulfilled in the period
    on_time: int = 0  # of those, delivered by the due date
    late: int = 0
    in_progress: int = 0  # held now, not yet fulfilled
    overdue: int = 0  # held now, not delivered, past due
    value_fen: int = 0  # value of the wishes fulfilled in the period

    def __add__(self, other: RecordSummary) -> RecordSummary:
        return RecordSummary(
            *(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True))
        )

    def as_tuple(self) -> tuple[int, ...]:
        return (
            self.claimed,
            self.fulfilled,
            self.on_time,
            self.late,
            self.in_progress,
            self.overdue,
            self.value_fen,
        )


@dataclass(frozen=True)
class MemberRecord:
    user_id: int
    name: str
    community: Community
    branch: Branch | None
    period: Period
    lines: list[RecordLine]
    summary: RecordSummary
    # Hours and points of the wishes fulfilled in the period (bot/points).
    service: ServiceTotals = field(default_factory=ServiceTotals)


@dataclass(frozen=True)
class BranchReport:
    community: Community
    branch: Branch
    period: Period
    members: list[MemberRecord]
    # Wishes the branch's members gave back in the period, by reason (bot/wishes/releases.py).
    releases: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> RecordSummary:
        total = RecordSummary()
        for record in self.members:
            total = total + record.summary
        return total

    @property
    def service_total(self) -> ServiceTotals:
        """The members' hours and points together (a joint wish counts for each who served)."""
        total = ServiceTotals()
        for record in self.members:
            total = total + record.service
        return total


@dataclass(frozen=True)
class SummaryLine:
    label: str | None  # a branch name or a month (YYYY-MM); None for the total / unposted
    figures: PeriodFigures


@dataclass(frozen=True)
class ExportSummary:
    by_branch: list[SummaryLine]
    unposted: PeriodFigures  # wishes not posted to any branch (the total minus the branches)
    total: PeriodFigures
    by_month: list[SummaryLine]


# --- the service ------------------------------------------------------------------------------

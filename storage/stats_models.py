"""What the figures' queries (storage/stats.py) are asked and answer with: a scope and a period of
calendar days, where wishes stand now, a period's figures, categories counted, and the rows of a
member's service record and of the claim sheet."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.followups import SheetExtras
from storage.models import CategoryKey, Frozen, StoredCategoryNames, WishStatus


class Scope(Frozen):
    community_id: int
    branch_id: int | None = None
    user_id: int | None = None


class Period(Frozen):
    """Calendar days [start, end) in the community's time zone."""

    start: date
    end: date
    tz: str = "Asia/Shanghai"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def start_instant(self) -> datetime:
        return datetime.combine(self.start, time(0), self.zone).astimezone(UTC)

    def end_instant(self) -> datetime:
        return datetime.combine(self.end, time(0), self.zone).astimezone(UTC)

    @property
    def last_day(self) -> date:
        """The last day included, as people write ranges ("2026-01-01 to 2026-06-30")."""
        return self.end - timedelta(days=1)

    def months(self) -> list[Period]:
        """The calendar months the period touches, each clipped to the period."""
        found: list[Period] = []
        first = self.start.replace(day=1)
        while first < self.end:
            after = (first + timedelta(days=32)).replace(day=1)
            found.append(Period(start=max(first, self.start), end=min(after, self.end), tz=self.tz))
            first = after
        return found


class Snapshot(Frozen):
    """Where the scope's wishes stand now."""

    pending: int = 0
    verified: int = 0
    open: int = 0
    claimed: int = 0  # held, not yet reported delivered
    delivered: int = 0  # reported delivered, awaiting confirmation
    overdue: int = 0  # claimed, not delivered, due date before today

    @property
    def held(self) -> int:
        return self.claimed + self.delivered


class PeriodFigures(Frozen):
    collected: int = 0
    claimed: int = 0
    fulfilled: int = 0
    fulfilled_value_fen: int = 0
    due: int = 0
    due_fulfilled: int = 0


class CategoryCount(Frozen):
    category: CategoryKey
    count: int
    category_names: StoredCategoryNames = None


class RecordRow(Frozen):
    """One wish in a member's service record (no beneficiary details: records get forwarded)."""

    wish_id: int
    category: CategoryKey
    description: str
    value_fen: int | None
    due_date: date
    status: WishStatus
    claimed_at: datetime | None
    delivered_at: datetime | None
    fulfilled_at: datetime | None
    beneficiary_name: str  # only ever shown masked
    category_names: StoredCategoryNames = None


class SheetRow(SheetExtras):
    """One line of the claim sheet (征集认领统计表): the wish with who did what and when."""

    wish_id: int
    category: CategoryKey
    category_names: StoredCategoryNames = None
    description: str
    value_fen: int | None
    due_date: date
    status: WishStatus
    beneficiary_name: str
    beneficiary_phone: str
    beneficiary_address: str
    notes: str | None
    collected_by: str
    collected_at: datetime
    verified_by: str | None
    verified_at: datetime | None
    posted_at: datetime | None
    branch: str | None
    claimed_by: str | None
    claimed_at: datetime | None
    delivered_at: datetime | None
    fulfilled_at: datetime | None
    # Service hours each member served and the points each earned (bot/points adds them).
    hours: float | None = None
    points: float | None = None

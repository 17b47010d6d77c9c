"""Every number the bot reports comes from here: /stats, /export, /myrecord, /branchreport and
the weekly report. One module, so two outputs can never count the same thing differently.

Vocabulary (the formulas are in bot/figures.py, the user-facing wording in bot/texts/records.py):

- A **scope** narrows the wishes counted: a community, optionally one branch (the branch a wish
  was posted to, `wishes.branch_id`), optionally one member (a wish they hold or held to the
  end: `holder_id`, or one of the `wish_holders` of a joint wish).
- A **period** is a half-open range of calendar days ``[start, end)`` in the community's time
  zone. Instants (created_at, fulfilled_at, ...) are compared with the UTC instants at which
  those days begin; due dates are calendar days and are compared as days.
- **collected**: created in the period. **claimed**: its (current) claim was made in the period.
  **fulfilled**: confirmed fulfilled in the period.
- **due**: the due date falls in the period and the wish was not rejected or cancelled.
  **due_fulfilled**: of those, the ones fulfilled before the end of the period, or before now
  when the period has not ended yet. Completion rate = due_fulfilled / due.
- **open / claimed / delivered / overdue** (a snapshot, not a period): overdue is claimed, not
  yet delivered, and past its due date (DOMAIN.md).

The weekly report (bot/reports.py) reads per-branch figures for a finished week through
`by_branch`/`totals`, counting each step by its event in the week; it uses the same due /
due_fulfilled definitions, and for a finished week the two agree by construction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from storage.db import Database, utc_text
from storage.models import Category, Figures, Frozen, WishStatus
from storage.models import Period as ReportPeriod

# Wishes that stop counting towards "due": they were withdrawn, not failed.
_NOT_DUE = ("rejected", "cancelled")
# A member is one of a wish's holders: the lead holder, or one of a joint wish's holders.
_HELD_BY = (
    "(w.holder_id = :user OR EXISTS"
    " (SELECT 1 FROM wish_holders h WHERE h.wish_id = w.id AND h.user_id = :user))"
)


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
    category: Category
    count: int


class RecordRow(Frozen):
    """One wish in a member's service record (no beneficiary details: records get forwarded)."""

    wish_id: int
    category: Category
    description: str
    value_fen: int | None
    due_date: date
    status: WishStatus
    claimed_at: datetime | None
    delivered_at: datetime | None
    fulfilled_at: datetime | None
    beneficiary_name: str  # only ever shown masked


class SheetRow(Frozen):
    """One line of the claim sheet (征集认领统计表): the wish with who did what and when."""

    wish_id: int
    category: Category
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


def _scope_sql(scope: Scope) -> tuple[str, dict[str, Any]]:
    where = "w.community_id = :community"
    params: dict[str, Any] = {"community": scope.community_id}
    if scope.branch_id is not None:
        where += " AND w.branch_id = :branch"
        params["branch"] = scope.branch_id
    if scope.user_id is not None:
        where += " AND " + _HELD_BY
        params["user"] = scope.user_id
    return where, params


def _period_params(period: Period) -> dict[str, Any]:
    return {
        "start": utc_text(period.start_instant()),
        "end": utc_text(period.end_instant()),
        "day_start": period.start.isoformat(),
        "day_end": period.end.isoformat(),
    }


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


# Which event counts as which step.
_STEPS = {
    "create": "collected",
    "verify": "verified",
    "post": "posted",
    "claim": "claimed",
    "deliver": "delivered",
    "confirm": "fulfilled",
}


class StatsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def snapshot(self, scope: Scope, today: date) -> Snapshot:
        where, params = _scope_sql(scope)
        async with self._db.reader.execute(
            "SELECT SUM(w.status = 'pending'), SUM(w.status = 'verified'), SUM(w.status = 'open'),"
            " SUM(w.status = 'claimed'), SUM(w.status = 'delivered'),"
            " SUM(w.status = 'claimed' AND w.due_date < :today)"
            f" FROM wishes w WHERE {where}",
            {**params, "today": today.isoformat()},
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        values = [_int(v) for v in row]
        return Snapshot(
            pending=values[0],
            verified=values[1],
            open=values[2],
            claimed=values[3],
            delivered=values[4],
            overdue=values[5],
        )

    async def figures(self, scope: Scope, period: Period, now: datetime) -> PeriodFigures:
        where, params = _scope_sql(scope)
        # Fulfilment counts towards the completion rate up to the period's end, or up to now.
        cutoff = min(period.end_instant(), now.astimezone(UTC))
        not_due = ", ".join(f"'{s}'" for s in _NOT_DUE)
        async with self._db.reader.execute(
            "SELECT"
            " SUM(w.created_at >= :start AND w.created_at < :end),"
            " SUM(w.claimed_at >= :start AND w.claimed_at < :end),"
            " SUM(w.status = 'fulfilled' AND w.fulfilled_at >= :start AND w.fulfilled_at < :end),"
            " SUM(CASE WHEN w.status = 'fulfilled' AND w.fulfilled_at >= :start AND w.fulfilled_at < :end"
            "     THEN COALESCE(w.value_fen, 0) ELSE 0 END),"
            f" SUM(w.status NOT IN ({not_due}) AND w.due_date >= :day_start AND w.due_date < :day_end),"
            " SUM(w.status = 'fulfilled' AND w.due_date >= :day_start AND w.due_date < :day_end"
            "     AND w.fulfilled_at < :cutoff)"
            f" FROM wishes w WHERE {where}",
            {**params, **_period_params(period), "cutoff": utc_text(cutoff)},
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        values = [_int(v) for v in row]
        return PeriodFigures(
            collected=values[0],
            claimed=values[1],
            fulfilled=values[2],
            fulfilled_value_fen=values[3],
            due=values[4],
            due_fulfilled=values[5],
        )

    async def top_categories(self, scope: Scope, period: Period, limit: int = 3) -> list[CategoryCount]:
        """Categories of the wishes collected in the period (rejected ones left out), most first."""
        where, params = _scope_sql(scope)
        async with self._db.reader.execute(
            "SELECT w.category, COUNT(*) AS n FROM wishes w"
            f" WHERE {where} AND w.created_at >= :start AND w.created_at < :end AND w.status <> 'rejected'"
            " GROUP BY w.category ORDER BY n DESC, w.category LIMIT :limit",
            {**params, **_period_params(period), "limit": limit},
        ) as cur:
            rows = await cur.fetchall()
        return [CategoryCount(category=Category(r[0]), count=int(r[1])) for r in rows]

    async def record(self, community_id: int, user_id: int, period: Period) -> list[RecordRow]:
        """A member's service in the period: every wish they held at some point of it.

        That is a wish they hold or held to the end (a released claim is not service), claimed
        before the period ended and not fulfilled before it began.
        """
        async with self._db.reader.execute(
            "SELECT w.id AS wish_id, w.category, w.description, w.value_fen, w.due_date, w.status,"
            " w.claimed_at, w.delivered_at, w.fulfilled_at, w.beneficiary_name"
            f" FROM wishes w WHERE w.community_id = :community AND {_HELD_BY}"
            " AND w.status IN ('claimed', 'delivered', 'fulfilled')"
            " AND w.claimed_at < :end AND (w.fulfilled_at IS NULL OR w.fulfilled_at >= :start)"
            " ORDER BY w.claimed_at, w.id",
            {"community": community_id, "user": user_id, **_period_params(period)},
        ) as cur:
            rows = await cur.fetchall()
        return [RecordRow.model_validate(dict(r)) for r in rows]

    async def sheet_rows(
        self, community_id: int, period: Period, batch: int = 1000
    ) -> AsyncIterator[SheetRow]:
        """The claim sheet: every wish collected in the period, oldest first, read in batches
        from one statement so a 100,000-row export never holds more than a batch in memory."""
        sql = (
            "SELECT w.id AS wish_id, w.category, w.description, w.value_fen, w.due_date, w.status,"
            " w.beneficiary_name, w.beneficiary_phone, w.beneficiary_address, w.notes,"
            " COALESCE(cm.full_name, CAST(w.created_by AS TEXT)) AS collected_by,"
            " w.created_at AS collected_at,"
            " (SELECT COALESCE(m.full_name, CAST(e.actor_id AS TEXT)) FROM events e"
            "   LEFT JOIN members m ON m.user_id = e.actor_id"
            "   WHERE e.wish_id = w.id AND e.action = 'verify' ORDER BY e.id DESC LIMIT 1) AS verified_by,"
            " (SELECT e.at FROM events e WHERE e.wish_id = w.id AND e.action = 'verify'"
            "   ORDER BY e.id DESC LIMIT 1) AS verified_at,"
            " (SELECT MIN(e.at) FROM events e WHERE e.wish_id = w.id AND e.action = 'post') AS posted_at,"
            " b.name AS branch,"
            " COALESCE((SELECT group_concat(COALESCE(m.full_name, CAST(h.user_id AS TEXT)), '、')"
            "   FROM wish_holders h LEFT JOIN members m ON m.user_id = h.user_id WHERE h.wish_id = w.id),"
            "   hm.full_name, CAST(w.holder_id AS TEXT)) AS claimed_by,"
            " w.claimed_at, w.delivered_at, w.fulfilled_at"
            " FROM wishes w"
            " LEFT JOIN members cm ON cm.user_id = w.created_by"
            " LEFT JOIN members hm ON hm.user_id = w.holder_id"
            " LEFT JOIN branches b ON b.id = w.branch_id"
            " WHERE w.community_id = :community AND w.created_at >= :start AND w.created_at < :end"
            # The index on (community, created_at) already yields this order: no sort of the
            # whole sheet, which cost ~500 MB at 100,000 rows when SQLite chose to sort by id.
            " ORDER BY w.created_at, w.id"
        )
        params = {"community": community_id, **_period_params(period)}
        async with self._db.reader.execute(sql, params) as cur:
            while rows := await cur.fetchmany(batch):
                for row in rows:
                    yield SheetRow.model_validate(dict(row))

    # --- the weekly report's per-branch figures -------------------------------------------

    async def has_wishes(self, community_id: int) -> bool:
        async with self._db.reader.execute(
            "SELECT 1 FROM wishes WHERE community_id = ? LIMIT 1", (community_id,)
        ) as cur:
            return await cur.fetchone() is not None

    async def by_branch(self, community_id: int, period: ReportPeriod) -> dict[int | None, Figures]:
        """The period's figures per branch (only branches with something to show)."""
        rows: dict[int | None, dict[str, Any]] = {}

        def slot(branch: Any) -> dict[str, Any]:
            key = int(branch) if branch is not None else None
            return rows.setdefault(key, {"branch_id": key})

        start, end = utc_text(period.start), utc_text(period.end)
        marks = ", ".join("?" for _ in _STEPS)
        async with self._db.reader.execute(
            "SELECT w.branch_id, e.action, COUNT(DISTINCT e.wish_id) FROM events e"
            " JOIN wishes w ON w.id = e.wish_id"
            # e.community_id is the wish's community (the lifecycle writes both); it lets the
            # events_community_at index find the week's events of this community alone.
            f" WHERE e.community_id = ? AND e.at >= ? AND e.at < ? AND e.action IN ({marks})"
            " GROUP BY w.branch_id, e.action",
            (community_id, start, end, *_STEPS),
        ) as cur:
            for branch, action, count in await cur.fetchall():
                slot(branch)[_STEPS[str(action)]] = int(count)

        async with self._db.reader.execute(
            "SELECT branch_id, COUNT(*),"
            " SUM(CASE WHEN fulfilled_at IS NOT NULL AND fulfilled_at < ? THEN 1 ELSE 0 END)"
            " FROM wishes WHERE community_id = ? AND due_date BETWEEN ? AND ?"
            " AND status NOT IN ('rejected', 'cancelled') GROUP BY branch_id",
            (end, community_id, period.first_day.isoformat(), period.last_day.isoformat()),
        ) as cur:
            for branch, due, fulfilled in await cur.fetchall():
                row = slot(branch)
                row["due"], row["due_fulfilled"] = int(due), int(fulfilled or 0)

        end_day = period.last_day + timedelta(days=1)
        async with self._db.reader.execute(
            "SELECT branch_id, COUNT(*) FROM wishes WHERE community_id = ? AND holder_id IS NOT NULL"
            " AND claimed_at < ? AND due_date < ? AND (delivered_at IS NULL OR delivered_at >= ?)"
            " GROUP BY branch_id",
            (community_id, end, end_day.isoformat(), end),
        ) as cur:
            for branch, count in await cur.fetchall():
                slot(branch)["overdue"] = int(count)
        return {key: Figures.model_validate(values) for key, values in rows.items()}

    async def totals(self, community_id: int, period: ReportPeriod) -> Figures:
        total = Figures()
        for figures in (await self.by_branch(community_id, period)).values():
            total = total.plus(figures)
        return total.model_copy(update={"branch_id": None})

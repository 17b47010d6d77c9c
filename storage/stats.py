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

The weekly report (bot/reports/weekly.py) reads per-branch figures of a week from `by_branch`,
counting each step by its event in the week, with the same due / due_fulfilled definitions. A
finished week's are stored once (storage/stats_weeks.py); migration 0007's triggers keep the
stored copy equal to what `by_branch` gives, whatever changes later.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from storage import stats_days
from storage.categories import category_keys, category_names
from storage.db import Database, fetch_all, utc_text
from storage.followups import SHEET_EXTRA_COLUMNS, SHEET_EXTRA_JOINS
from storage.models import Category, Figures, WishStatus
from storage.models import Period as ReportPeriod

# What the queries take and give (storage/stats_models.py), named from here by their callers too.
from storage.stats_models import (
    CategoryCount,
    Period,
    PeriodFigures,
    RecordRow,
    Scope,
    SheetRow,
    Snapshot,
)

# Wishes that stop counting towards "due": they were withdrawn, not failed.
_NOT_DUE = ("rejected", "cancelled")
# The same as a list of the statuses that do count (the table's CHECK allows no others), so an
# index on (community, status, ...) reads one range per status instead of every wish.
_DUE_STATUSES = tuple(s.value for s in WishStatus if s.value not in _NOT_DUE)
# Where a wish stands now, for the snapshot: the statuses of a wish still under way.
_UNDER_WAY = ("pending", "verified", "open", "claimed", "delivered")
# A member is one of a wish's holders: the lead holder, or one of a joint wish's holders. The
# member's wishes are found first, each half by its own index (wish_holders_user, wishes_holder),
# and only those are read: `holder_id = :user OR EXISTS (...)` made SQLite test every wish of
# the community, and `w.id IN (... UNION ...)` still let it prefer a period's index range. CROSS
# JOIN fixes the order: the member's wishes outside, each wish then found by its id.
_HELD_BY = (
    "(SELECT h.wish_id AS id FROM wish_holders h WHERE h.user_id = :user"
    " UNION SELECT l.id FROM wishes l WHERE l.holder_id = :user) held"
    " CROSS JOIN wishes w ON w.id = held.id"
)


def _scope_sql(scope: Scope) -> tuple[str, dict[str, Any]]:
    """What follows FROM in a query of the scope's wishes (as `w`): the table and the condition."""
    source = _HELD_BY if scope.user_id is not None else "wishes w"
    where = "w.community_id = :community"
    params: dict[str, Any] = {"community": scope.community_id}
    if scope.user_id is not None:
        params["user"] = scope.user_id
    if scope.branch_id is not None:
        where += " AND w.branch_id = :branch"
        params["branch"] = scope.branch_id
    return f"{source} WHERE {where}", params


def _period_params(period: Period) -> dict[str, Any]:
    return {
        "start": utc_text(period.start_instant()),
        "end": utc_text(period.end_instant()),
        "day_start": period.start.isoformat(),
        "day_end": period.end.isoformat(),
    }


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


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


def _split(scope: Scope, period: Period, now: datetime | None = None) -> dict[str, Any] | None:
    """The parameters of a whole community's period read from its per-day counts, or None when
    it is counted from the indexes (a branch or member, no whole UTC day, or, given `now`, an
    ended period: for figures that depend on the period's cutoff)."""
    if scope.branch_id is not None or scope.user_id is not None:
        return None
    if now is not None and not stats_days.counts_apply(period, now):
        return None
    return stats_days.whole_days(period)


class StatsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def snapshot(self, scope: Scope, today: date) -> Snapshot:
        """A whole community's from its counts by status (wish_counts, kept by triggers) and its
        overdue wishes from an index range; a branch's or a member's from their wishes under
        way only (wishes_community_status_due, one range per status). The finished wishes,
        most of a community's history, are never read."""
        if scope.branch_id is None and scope.user_id is None:
            return await self._community_snapshot(scope.community_id, today)
        scoped, params = _scope_sql(scope)
        async with self._db.reader.execute(
            "SELECT SUM(w.status = 'pending'), SUM(w.status = 'verified'), SUM(w.status = 'open'),"
            " SUM(w.status = 'claimed'), SUM(w.status = 'delivered'),"
            " SUM(w.status = 'claimed' AND w.due_date < :today)"
            f" FROM {scoped} AND w.status IN ({_listed(_UNDER_WAY)})",
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

    async def _community_snapshot(self, community_id: int, today: date) -> Snapshot:
        rows = await fetch_all(
            self._db.reader,
            "SELECT status, n FROM wish_counts WHERE community_id = ?"
            " UNION ALL SELECT 'overdue', COUNT(*) FROM wishes"
            " WHERE community_id = ? AND status = 'claimed' AND due_date < ?",
            (community_id, community_id, today.isoformat()),
        )
        counts = {str(status): int(n) for status, n in rows}
        return Snapshot(**{name: counts.get(name, 0) for name in (*_UNDER_WAY, "overdue")})

    async def figures(self, scope: Scope, period: Period, now: datetime) -> PeriodFigures:
        """A whole community's period that has not ended: from its per-day counts
        (storage/stats_days.py). Otherwise a community's or a branch's: each count from an index
        range of its own column (created_at, claimed_at, fulfilled_at, due_date), so a year's
        figures read that year's wishes and nothing older. A member's: one pass over the few
        wishes they held."""
        scoped, params = _scope_sql(scope)
        # Fulfilment counts towards the completion rate up to the period's end, or up to now.
        cutoff = min(period.end_instant(), now.astimezone(UTC))
        split = _split(scope, period, now)
        in_period = "{column} >= :start AND {column} < :end"
        collected = in_period.format(column="w.created_at")
        claimed = in_period.format(column="w.claimed_at")
        fulfilled = "w.status = 'fulfilled' AND " + in_period.format(column="w.fulfilled_at")
        due = f"w.status IN ({_listed(_DUE_STATUSES)}) AND w.due_date >= :day_start AND w.due_date < :day_end"
        due_fulfilled = "w.status = 'fulfilled' AND w.fulfilled_at < :cutoff"
        if scope.user_id is not None:
            sql = (
                f"SELECT SUM({collected}), SUM({claimed}), SUM({fulfilled}),"
                f" SUM(CASE WHEN {fulfilled} THEN COALESCE(w.value_fen, 0) ELSE 0 END),"
                f" SUM({due}), SUM({due} AND {due_fulfilled}) FROM {scoped}"
            )
        elif split is not None:
            sql, params = stats_days.FIGURES_SQL, {**params, **split}
        else:
            sql = (
                "SELECT c.n, k.n, f.n, f.value, d.n, d.fulfilled FROM"
                f" (SELECT COUNT(*) AS n FROM {scoped} AND {collected}) c,"
                f" (SELECT COUNT(*) AS n FROM {scoped} AND {claimed}) k,"
                " (SELECT COUNT(*) AS n, SUM(COALESCE(w.value_fen, 0)) AS value"
                f"   FROM {scoped} AND {fulfilled}) f,"
                f" (SELECT COUNT(*) AS n, SUM({due_fulfilled}) AS fulfilled FROM {scoped} AND {due}) d"
            )
        async with self._db.reader.execute(
            sql, {**_period_params(period), **params, "cutoff": utc_text(cutoff)}
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
        """Categories of the wishes collected in the period (rejected ones left out), most first.

        A community's are counted one category at a time (wishes_community_category: category,
        then created_at), each an index range of the period: grouping the period's wishes read
        every one of their rows; for a whole community's period not ended yet, from the per-day
        counts (storage/stats_days.py). A member's few wishes are grouped."""
        scoped, params = _scope_sql(scope)
        collected = "w.created_at >= :start AND w.created_at < :end AND w.status <> 'rejected'"
        keys = category_keys(c.value for c in Category)
        split = _split(scope, period)  # status and creation only: any period
        if scope.user_id is not None:
            counts = f"SELECT w.category, COUNT(*) AS n FROM {scoped} AND {collected} GROUP BY w.category"
        elif split is not None:
            counts, params = stats_days.category_counts_sql(keys), {**params, **split}
        else:
            counts = (
                "SELECT category, n FROM (SELECT c.key AS category,"
                f"  (SELECT COUNT(*) FROM {scoped} AND w.category = c.key AND {collected}) AS n"
                f"  FROM ({keys}) c) WHERE n > 0"
            )
        async with self._db.reader.execute(
            f"SELECT category, n, {category_names('t')} FROM (SELECT category, n,"
            f" :community AS community_id FROM ({counts})) t ORDER BY n DESC, category LIMIT :limit",
            {**_period_params(period), **params, "limit": limit},
        ) as cur:
            rows = await cur.fetchall()
        return [CategoryCount(category=r[0], count=int(r[1]), category_names=r[2]) for r in rows]

    async def record(self, community_id: int, user_id: int, period: Period) -> list[RecordRow]:
        """A member's service in the period: every wish they held at some point of it.

        That is a wish they hold or held to the end (a released claim is not service), claimed
        before the period ended and not fulfilled before it began.
        """
        async with self._db.reader.execute(
            "SELECT w.id AS wish_id, w.category, w.description, w.value_fen, w.due_date, w.status,"
            f" w.claimed_at, w.delivered_at, w.fulfilled_at, w.beneficiary_name, {category_names('w')}"
            f" FROM {_HELD_BY} WHERE w.community_id = :community"
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
            f" {category_names('w')},"
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
            f" w.claimed_at, w.delivered_at, w.fulfilled_at, {SHEET_EXTRA_COLUMNS}"
            " FROM wishes w"
            " LEFT JOIN members cm ON cm.user_id = w.created_by"
            " LEFT JOIN members hm ON hm.user_id = w.holder_id"
            " LEFT JOIN branches b ON b.id = w.branch_id"
            f" {SHEET_EXTRA_JOINS}"
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
            " JOIN wishes w INDEXED BY wishes_branch_of ON w.id = e.wish_id"
            # e.community_id is the wish's community (the lifecycle writes both); it lets the
            # events_community_at_action index yield the week's events of this community alone.
            # Each one's branch comes from wishes_branch_of, not the wide wish row (named:
            # without statistics SQLite reads the row).
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

        # Overdue at the week's end: held, claimed before it, due before it, and not delivered
        # by then. In two halves, each read from its own index: held and not delivered at all
        # (wishes_held_undelivered: only wishes under way), and delivered after the week ended
        # (wishes_community_delivered). One query over due_date < end read every wish the
        # community ever had, more each week. The indexes are named: without statistics SQLite
        # cannot tell that the partial one is small, and took wishes never delivered at all
        # (every cancelled and rejected one) from the other.
        end_day = (period.last_day + timedelta(days=1)).isoformat()
        async with self._db.reader.execute(
            "SELECT branch_id, COUNT(*) FROM ("
            " SELECT branch_id FROM wishes INDEXED BY wishes_held_undelivered"
            "  WHERE community_id = ? AND holder_id IS NOT NULL AND delivered_at IS NULL"
            "  AND due_date < ? AND claimed_at < ?"
            " UNION ALL"
            " SELECT branch_id FROM wishes INDEXED BY wishes_community_delivered"
            "  WHERE community_id = ? AND holder_id IS NOT NULL AND delivered_at >= ?"
            "  AND claimed_at < ? AND due_date < ?"
            ") GROUP BY branch_id",
            (community_id, end_day, end, community_id, end, end, end_day),
        ) as cur:
            for branch, count in await cur.fetchall():
                slot(branch)["overdue"] = int(count)
        return {key: Figures.model_validate(values) for key, values in rows.items()}

    async def totals(self, community_id: int, period: ReportPeriod) -> Figures:
        total = Figures()
        for figures in (await self.by_branch(community_id, period)).values():
            total = total.plus(figures)
        return total.model_copy(update={"branch_id": None})

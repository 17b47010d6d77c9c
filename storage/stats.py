"""Figures: the one query module every number shown to users comes from.

The weekly report uses it now; /stats and /export can ask the same functions for other periods
so the numbers never disagree. Each function returns pydantic models from bot/models.py.

Definitions (stated once, here and in bot.models.Figures):
- collected / verified / posted / claimed / delivered / fulfilled: distinct wishes with that step
  (a create, verify, post, claim, deliver or confirm event) inside the period;
- due: wishes whose due date is one of the period's local days, rejected and cancelled left out;
- due_fulfilled: of those, the ones fulfilled before the period ended;
- overdue: wishes held by a member (claimed before the end), due before the period's end day and
  not delivered when it ended.
Wishes count for the branch they were posted to (None: not posted yet).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.models import Figures, Period
from storage.db import Database, utc_text

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

    async def has_wishes(self, community_id: int) -> bool:
        async with self._db.reader.execute(
            "SELECT 1 FROM wishes WHERE community_id = ? LIMIT 1", (community_id,)
        ) as cur:
            return await cur.fetchone() is not None

    async def by_branch(self, community_id: int, period: Period) -> dict[int | None, Figures]:
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
            f" WHERE w.community_id = ? AND e.at >= ? AND e.at < ? AND e.action IN ({marks})"
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

    async def totals(self, community_id: int, period: Period) -> Figures:
        total = Figures()
        for figures in (await self.by_branch(community_id, period)).values():
            total = total.plus(figures)
        return total.model_copy(update={"branch_id": None})

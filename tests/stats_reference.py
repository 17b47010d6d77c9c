"""The figures as first defined, in the plainest SQL: one pass over a community's wishes (and its
events), no stored weeks, no counters, no index tricks. storage/stats.py reads them faster;
tests compare the two on random histories.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiosqlite

from storage.db import utc_text
from storage.models import Figures
from storage.models import Period as ReportPeriod
from storage.stats import Period, PeriodFigures, Scope, Snapshot

STEPS = {
    "create": "collected",
    "verify": "verified",
    "post": "posted",
    "claim": "claimed",
    "deliver": "delivered",
    "confirm": "fulfilled",
}
HELD_BY = (
    "(w.holder_id = :user OR EXISTS"
    " (SELECT 1 FROM wish_holders h WHERE h.wish_id = w.id AND h.user_id = :user))"
)


async def week(
    conn: aiosqlite.Connection, community_id: int, period: ReportPeriod
) -> dict[int | None, Figures]:
    rows: dict[int | None, dict[str, Any]] = {}

    def slot(branch: Any) -> dict[str, Any]:
        key = int(branch) if branch is not None else None
        return rows.setdefault(key, {"branch_id": key})

    start, end = utc_text(period.start), utc_text(period.end)
    found = await conn.execute_fetchall(
        "SELECT w.branch_id, e.action, COUNT(DISTINCT e.wish_id) FROM events e"
        " JOIN wishes w ON w.id = e.wish_id"
        f" WHERE e.community_id = ? AND e.at >= ? AND e.at < ? AND e.action IN ({', '.join('?' for _ in STEPS)})"
        " GROUP BY w.branch_id, e.action",
        (community_id, start, end, *STEPS),
    )
    for branch, action, count in found:
        slot(branch)[STEPS[str(action)]] = int(count)
    found = await conn.execute_fetchall(
        "SELECT branch_id, COUNT(*),"
        " SUM(CASE WHEN fulfilled_at IS NOT NULL AND fulfilled_at < ? THEN 1 ELSE 0 END)"
        " FROM wishes WHERE community_id = ? AND due_date BETWEEN ? AND ?"
        " AND status NOT IN ('rejected', 'cancelled') GROUP BY branch_id",
        (end, community_id, period.first_day.isoformat(), period.last_day.isoformat()),
    )
    for branch, due, fulfilled in found:
        row = slot(branch)
        row["due"], row["due_fulfilled"] = int(due), int(fulfilled or 0)
    end_day = period.last_day + timedelta(days=1)
    found = await conn.execute_fetchall(
        "SELECT branch_id, COUNT(*) FROM wishes WHERE community_id = ? AND holder_id IS NOT NULL"
        " AND claimed_at < ? AND due_date < ? AND (delivered_at IS NULL OR delivered_at >= ?)"
        " GROUP BY branch_id",
        (community_id, end, end_day.isoformat(), end),
    )
    for branch, count in found:
        slot(branch)["overdue"] = int(count)
    return {key: Figures.model_validate(values) for key, values in rows.items()}


def _scope(scope: Scope) -> tuple[str, dict[str, Any]]:
    where = "w.community_id = :community"
    params: dict[str, Any] = {"community": scope.community_id}
    if scope.branch_id is not None:
        where += " AND w.branch_id = :branch"
        params["branch"] = scope.branch_id
    if scope.user_id is not None:
        where += " AND " + HELD_BY
        params["user"] = scope.user_id
    return where, params


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


async def snapshot(conn: aiosqlite.Connection, scope: Scope, today: date) -> Snapshot:
    where, params = _scope(scope)
    (row,) = await conn.execute_fetchall(
        "SELECT SUM(w.status = 'pending'), SUM(w.status = 'verified'), SUM(w.status = 'open'),"
        " SUM(w.status = 'claimed'), SUM(w.status = 'delivered'),"
        " SUM(w.status = 'claimed' AND w.due_date < :today)"
        f" FROM wishes w WHERE {where}",
        {**params, "today": today.isoformat()},
    )
    names = ("pending", "verified", "open", "claimed", "delivered", "overdue")
    return Snapshot(**{name: _int(v) for name, v in zip(names, row, strict=True)})


async def figures(conn: aiosqlite.Connection, scope: Scope, period: Period, now: datetime) -> PeriodFigures:
    where, params = _scope(scope)
    cutoff = min(period.end_instant(), now.astimezone(UTC))
    (row,) = await conn.execute_fetchall(
        "SELECT"
        " SUM(w.created_at >= :start AND w.created_at < :end),"
        " SUM(w.claimed_at >= :start AND w.claimed_at < :end),"
        " SUM(w.status = 'fulfilled' AND w.fulfilled_at >= :start AND w.fulfilled_at < :end),"
        " SUM(CASE WHEN w.status = 'fulfilled' AND w.fulfilled_at >= :start AND w.fulfilled_at < :end"
        "     THEN COALESCE(w.value_fen, 0) ELSE 0 END),"
        " SUM(w.status NOT IN ('rejected', 'cancelled') AND w.due_date >= :day_start AND w.due_date < :day_end),"
        " SUM(w.status = 'fulfilled' AND w.due_date >= :day_start AND w.due_date < :day_end"
        "     AND w.fulfilled_at < :cutoff)"
        f" FROM wishes w WHERE {where}",
        {
            **params,
            "start": utc_text(period.start_instant()),
            "end": utc_text(period.end_instant()),
            "day_start": period.start.isoformat(),
            "day_end": period.end.isoformat(),
            "cutoff": utc_text(cutoff),
        },
    )
    names = ("collected", "claimed", "fulfilled", "fulfilled_value_fen", "due", "due_fulfilled")
    return PeriodFigures(**{name: _int(v) for name, v in zip(names, row, strict=True)})


async def top_categories(conn: aiosqlite.Connection, scope: Scope, period: Period) -> list[tuple[str, int]]:
    where, params = _scope(scope)
    found = await conn.execute_fetchall(
        "SELECT w.category, COUNT(*) AS n FROM wishes w"
        f" WHERE {where} AND w.created_at >= :start AND w.created_at < :end AND w.status <> 'rejected'"
        " GROUP BY w.category ORDER BY n DESC, w.category LIMIT 3",
        {**params, "start": utc_text(period.start_instant()), "end": utc_text(period.end_instant())},
    )
    return [(str(category), int(n)) for category, n in found]

"""The weekly report's figures of finished weeks, stored once and read from then on.

A week's per-branch figures (`StatsRepo.by_branch`) are a function of the database alone: they
do not depend on when they are read. For a finished week they hardly ever change again, yet a
report reads eight weeks of them and a 100,000-wish community took seconds to recompute them
(bench/, scenario 5). So each week is computed once, the first time a report needs it (or when
the scheduler sees it end), and stored in `report_weeks` / `report_week_branches` (migration
0007). The stored figures stay what recomputing them would give because the migration's
triggers delete a week's row in the same statement as any write that could change them (a
late cancellation, a new due date, a claim given back, a wish moved between branches, ...);
the next report then computes that week again.

Storing is optimistic, so the write lock is never held while a week is computed:

1. one short transaction reserves the missing weeks (a row with a fresh `computing` token);
2. the figures are computed on the reader connection, after checking that it sees the
   reservation (a reader still inside an older snapshot, e.g. under a long export, would
   compute from before it: then nothing is stored);
3. one short transaction stores the figures of each week whose reservation still holds the
   token. Any write in between that touched the week has deleted the row, so figures computed
   before that write are never stored.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from typing import Any, Literal

from storage.db import Database, fetch_all, fetch_one, utc_text
from storage.models import Figures
from storage.models import Period as ReportPeriod
from storage.stats import StatsRepo

# The stored columns: Figures' fields but branch_id (a new field needs a column: the INSERT says so).
_COLUMNS = tuple(name for name in Figures.model_fields if name != "branch_id")
# Wishes posted to no branch are stored under branch 0 (branch ids start at 1).
_UNPOSTED = 0

Week = dict[int | None, Figures]
# The lines stored with a week besides its figures (names of their columns: never user input).
Line = Literal["service", "followups"]
Key = tuple[str, str, str, str]  # a week: starts_at, ends_at, first_day, last_day


def _key(period: ReportPeriod) -> Key:
    """What identifies a stored week: its instants and its days (a community that changes its
    time zone gets other instants, so its old rows are simply not found)."""
    return (
        utc_text(period.start),
        utc_text(period.end),
        period.first_day.isoformat(),
        period.last_day.isoformat(),
    )


class StoredWeeks:
    def __init__(self, db: Database, stats: StatsRepo) -> None:
        self._db = db
        self._stats = stats

    async def figures(self, community_id: int, periods: Sequence[ReportPeriod]) -> list[Week]:
        """Per-branch figures of each period, in the order given: stored ones read, the others
        computed (and stored). Ask for finished weeks: any other period is computed and stored
        just the same, but the week's next step deletes it again."""
        wanted = {_key(p): p for p in periods}
        found = await self.read(community_id, list(wanted.values()))
        missing = [p for key, p in wanted.items() if key not in found]
        if missing:
            found |= await self._compute(community_id, missing)
        return [found[_key(p)] for p in periods]

    async def read(self, community_id: int, periods: Sequence[ReportPeriod]) -> dict[Key, Week]:
        """The stored weeks among `periods` (complete ones only), by key."""
        if not periods:
            return {}
        starts = [utc_text(p.start) for p in periods]
        rows = await fetch_all(
            self._db.reader,
            "SELECT r.starts_at, r.ends_at, r.first_day, r.last_day, b.branch_key,"
            f" {', '.join('b.' + c for c in _COLUMNS)}"
            " FROM report_weeks r LEFT JOIN report_week_branches b"
            "  ON b.community_id = r.community_id AND b.starts_at = r.starts_at"
            f" WHERE r.community_id = ? AND r.starts_at IN ({', '.join('?' for _ in starts)})"
            " AND r.computing IS NULL",
            (community_id, *starts),
        )
        wanted = {_key(p) for p in periods}
        found: dict[Key, Week] = {}
        for row in rows:
            key = (str(row[0]), str(row[1]), str(row[2]), str(row[3]))
            if key not in wanted:
                continue
            week = found.setdefault(key, {})
            if row["branch_key"] is None:
                continue  # a week with nothing to show: no branch rows
            branch = None if int(row["branch_key"]) == _UNPOSTED else int(row["branch_key"])
            week[branch] = Figures(branch_id=branch, **{c: int(row[c]) for c in _COLUMNS})
        return found

    async def _compute(self, community_id: int, periods: Sequence[ReportPeriod]) -> dict[Key, Week]:
        if self._db.path == ":memory:":
            # One connection only: the reader could be inside another coroutine's transaction,
            # seeing writes that may yet roll back. Compute, never store.
            return {_key(p): await self._stats.by_branch(community_id, p) for p in periods}
        token = secrets.token_hex(8)
        async with self._db.transaction() as conn:
            for period in periods:
                start, end, first, last = _key(period)
                # A row for the same start with other days or end (a time zone changed), or one
                # left unfinished by a computation that never came back, is taken over.
                await conn.execute(
                    "DELETE FROM report_weeks WHERE community_id = ? AND starts_at = ?"
                    " AND (computing IS NOT NULL OR ends_at <> ? OR first_day <> ? OR last_day <> ?)",
                    (community_id, start, end, first, last),
                )
                await conn.execute(
                    "INSERT OR IGNORE INTO report_weeks"
                    " (community_id, starts_at, ends_at, first_day, last_day, computing)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (community_id, start, end, first, last, token),
                )
        computed: dict[Key, Week] = {}
        keep: list[Key] = []
        for period in periods:
            key = _key(period)
            if await self._reserved(community_id, key[0], token):
                keep.append(key)
            computed[key] = await self._stats.by_branch(community_id, period)
        if keep:
            await self._store(community_id, token, {key: computed[key] for key in keep})
        return computed

    async def _reserved(
        self, community_id: int, starts_at: str, token: str, column: str = "computing"
    ) -> bool:
        """Whether the reader sees this computation's reservation (in `column`: the figures'
        or the service line's): then every figure it reads next is at least as new, and any
        later change of the week clears the reservation."""
        row = await fetch_one(
            self._db.reader,
            f"SELECT 1 FROM report_weeks WHERE community_id = ? AND starts_at = ? AND {column} = ?",
            (community_id, starts_at, token),
        )
        return row is not None

    async def _store(self, community_id: int, token: str, weeks: dict[Key, Week]) -> None:
        async with self._db.transaction() as conn:
            for (start, *_), week in weeks.items():
                held = await fetch_one(
                    conn,
                    "UPDATE report_weeks SET computing = NULL"
                    " WHERE community_id = ? AND starts_at = ? AND computing = ? RETURNING 1",
                    (community_id, start, token),
                )
                if held is None:
                    continue  # changed while it was computed: the next report computes it again
                rows: list[tuple[Any, ...]] = [
                    (
                        community_id,
                        start,
                        _UNPOSTED if branch is None else branch,
                        *(getattr(figures, c) for c in _COLUMNS),
                    )
                    for branch, figures in week.items()
                ]
                await conn.executemany(
                    "INSERT INTO report_week_branches (community_id, starts_at, branch_key,"
                    f" {', '.join(_COLUMNS)}) VALUES (?, ?, ?, {', '.join('?' for _ in _COLUMNS)})",
                    rows,
                )

    # --- lines kept with a week besides its figures ------------------------------------------
    # "service" (migration 0014): the hours and points, worked out in bot/points; "followups"
    # (0015): done / waiting at the week's end, read by storage/followups.py. Each has a column
    # and a `<line>_token` column, cleared by the migrations' triggers.

    async def line(self, community_id: int, period: ReportPeriod, line: Line) -> dict[str, int] | None:
        """The week's stored line, if its figures are stored and the line too."""
        start, end, *_ = _key(period)
        row = await fetch_one(
            self._db.reader,
            f"SELECT {line} FROM report_weeks WHERE community_id = ? AND starts_at = ? AND ends_at = ?"
            f" AND computing IS NULL AND {line} IS NOT NULL",
            (community_id, start, end),
        )
        return None if row is None else {k: int(v) for k, v in json.loads(row[0]).items()}

    async def reserve_line(self, community_id: int, period: ReportPeriod, line: Line) -> str | None:
        """A token if the week's figures are stored and its line may be: as with the figures,
        a change made after this (which clears the token) keeps a stale line from being stored."""
        if self._db.path == ":memory:":
            return None
        start, end, *_ = _key(period)
        token = secrets.token_hex(8)
        async with self._db.transaction() as conn:
            held = await fetch_one(
                conn,
                f"UPDATE report_weeks SET {line}_token = ? WHERE community_id = ? AND starts_at = ?"
                f" AND ends_at = ? AND computing IS NULL AND {line} IS NULL RETURNING 1",
                (token, community_id, start, end),
            )
        if held is None:
            return None
        return token if await self._reserved(community_id, start, token, f"{line}_token") else None

    async def store_line(
        self, community_id: int, period: ReportPeriod, line: Line, token: str, values: dict[str, int]
    ) -> None:
        start, *_ = _key(period)
        async with self._db.transaction() as conn:
            await conn.execute(
                f"UPDATE report_weeks SET {line} = ?, {line}_token = NULL"
                f" WHERE community_id = ? AND starts_at = ? AND {line}_token = ?",
                (json.dumps(values, sort_keys=True), community_id, start, token),
            )

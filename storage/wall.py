"""The wish wall's reads: a community's wishes open for claiming, filtered and paged.

Only reads live here; every change a wall user makes goes through the wish lifecycle like a
tap in a chat. The list is what the community's group cards offer: open wishes, and joint
wishes that still need members.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from storage.categories import category_names
from storage.db import Database, fetch_all, fetch_one
from storage.models import Wish, WishStatus
from storage.wishes import row_to_wish

# Still claimable: open, or a joint wish whose holders are fewer than it needs. The status range
# comes first so the (community_id, status, due_date, ...) index narrows the rows read to the
# community's open and claimed wishes (its fulfilled years are never touched). The filters'
# columns carry a unary + so the planner never walks another index (category, due date) over
# the community's whole history instead.
_CLAIMABLE = (
    "w.community_id = ? AND w.status IN ('open', 'claimed')"
    " AND (w.status = 'open' OR w.needed_members >"
    " (SELECT COUNT(*) FROM wish_holders h WHERE h.wish_id = w.id))"
)
_HOLDERS = "(SELECT json_group_array(h.user_id) FROM wish_holders h WHERE h.wish_id = w.id) AS holders"
# What a read of wishes here selects: each wish, its holders and its custom category's names.
_WISH = f"w.*, {_HOLDERS}, {category_names('w')}"


@dataclass(frozen=True)
class WallFilter:
    """What a wall user asked to see, already checked by the core (bot/wall/query.py)."""

    community_id: int
    category: str | None = None
    branch_id: int | None = None
    min_fen: int | None = None
    max_fen: int | None = None
    due_by: date | None = None  # due on this day or earlier
    text: str | None = None  # a piece of the wish's description
    newest_first: bool = False  # else the soonest due first
    limit: int = 50
    offset: int = 0


def _like(text: str) -> str:
    """A LIKE pattern that finds `text` as it is: % and _ typed by a user match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(f: WallFilter) -> tuple[str, list[object]]:
    clauses = [_CLAIMABLE]
    params: list[object] = [f.community_id]
    if f.category is not None:
        clauses.append("+w.category = ?")
        params.append(f.category)
    if f.branch_id is not None:
        clauses.append("+w.branch_id = ?")
        params.append(f.branch_id)
    if f.min_fen is not None:
        clauses.append("+w.value_fen >= ?")
        params.append(f.min_fen)
    if f.max_fen is not None:
        clauses.append("+w.value_fen <= ?")
        params.append(f.max_fen)
    if f.due_by is not None:
        clauses.append("+w.due_date <= ?")
        params.append(f.due_by.isoformat())
    if f.text:
        clauses.append("w.description LIKE ? ESCAPE '\\'")
        params.append(_like(f.text))
    return " AND ".join(clauses), params


def _page(f: WallFilter, columns: str) -> tuple[str, list[object]]:
    """The page query. The unary + in ORDER BY keeps SQLite from walking an index in due-date
    (or id) order through every wish the community ever had, its fulfilled years included,
    to save sorting the page: the (community, status) range is the short read."""
    where, params = _where(f)
    order = "+w.id DESC" if f.newest_first else "+w.due_date, +w.id"
    return (
        f"SELECT {columns} FROM wishes w WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, f.limit, f.offset],
    )


class WallRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claimable(self, f: WallFilter) -> tuple[int, list[Wish]]:
        """How many wishes match in all, and the page of them asked for."""
        where, params = _where(f)
        counted = await fetch_one(self._db.reader, f"SELECT COUNT(*) FROM wishes w WHERE {where}", params)
        rows = await fetch_all(self._db.reader, *_page(f, _WISH))
        return (int(counted[0]) if counted else 0), [row_to_wish(r) for r in rows]

    async def plan(self, f: WallFilter) -> list[str]:
        """SQLite's plan for the page and the count (tests check that an index narrows both)."""
        where, params = _where(f)
        sql, page_params = _page(f, "w.id")
        found = []
        for query, values in ((sql, page_params), (f"SELECT COUNT(*) FROM wishes w WHERE {where}", params)):
            rows = await fetch_all(self._db.reader, f"EXPLAIN QUERY PLAN {query}", values)
            found += [str(r["detail"]) for r in rows]
        return found

    async def overdue(self, community_id: int, today: date, limit: int = 100) -> list[Wish]:
        """Held, not delivered, due before today: the oldest first (the index of wishes held
        and not delivered, which the weekly report reads too)."""
        rows = await fetch_all(
            self._db.reader,
            f"SELECT {_WISH} FROM wishes w WHERE w.community_id = ? AND w.holder_id IS NOT NULL"
            " AND w.delivered_at IS NULL AND w.status = 'claimed' AND w.due_date < ?"
            " ORDER BY w.due_date, w.id LIMIT ?",
            (community_id, today.isoformat(), limit),
        )
        return [row_to_wish(r) for r in rows]

    async def in_status(self, community_id: int, status: WishStatus, limit: int = 100) -> list[Wish]:
        """A community's wishes in one state, the soonest due first (the verified ones waiting
        to be posted), read through the (community, status) index."""
        rows = await fetch_all(
            self._db.reader,
            f"SELECT {_WISH} FROM wishes w WHERE w.community_id = ? AND w.status = ?"
            " ORDER BY w.due_date, w.id LIMIT ?",
            (community_id, status.value, limit),
        )
        return [row_to_wish(r) for r in rows]

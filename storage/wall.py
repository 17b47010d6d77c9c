"""The wish wall's reads: a community's wishes open for claiming, filtered and paged.

Only reads live here; every change a wall user makes goes through the wish lifecycle like a
tap in a chat. The list is what the community's group cards offer: open wishes, and joint
wishes that still need members.

A page is 2-4 ms of SQLite with 10,000 wishes open (bench/, scenario 7; 8-12 ms before, up to
20 for a search, when every open wish was read twice): the ids are filtered, counted and sorted
on the wall's index alone, and only the page's rows are then read with their holders and
category names (tests/test_wall_query_properties.py holds it to the plain definition).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from storage.categories import category_names
from storage.db import Database, fetch_all, fetch_one
from storage.models import Wish, WishStatus
from storage.wishes import row_to_wish

# The wall's own index (migration 0013): partial, over the wishes that may be on the wall, and
# covering what a page filters and sorts on. INDEXED BY names it so that no plan ever walks
# another index (category, due date) through the community's whole history instead; without
# the index the query fails loudly rather than reading slowly.
WALL_INDEX = "wishes_wall"
# Word for word the partial index's condition: SQLite takes the index only for a query whose
# WHERE has this very term.
_ON_WALL = "w.status IN ('open', 'claimed')"
# Still claimable: open, or a joint wish whose holders are fewer than it needs (the holders are
# counted only for the claimed wishes, which the index finds by their status).
_CLAIMABLE = (
    f"w.community_id = ? AND {_ON_WALL}"
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
    """The matching wishes, every term answered from the wall's index (the category and the due
    date narrow its range, the rest are checked on its entries; a claimed wish's holders are
    counted from theirs). Plain columns: a unary + would keep the category and due date from
    narrowing the range, and INDEXED BY already rules out every other index."""
    clauses = [_CLAIMABLE]
    params: list[object] = [f.community_id]
    if f.category is not None:
        clauses.append("w.category = ?")
        params.append(f.category)
    if f.branch_id is not None:
        clauses.append("w.branch_id = ?")
        params.append(f.branch_id)
    if f.min_fen is not None:
        clauses.append("w.value_fen >= ?")
        params.append(f.min_fen)
    if f.max_fen is not None:
        clauses.append("w.value_fen <= ?")
        params.append(f.max_fen)
    if f.due_by is not None:
        clauses.append("w.due_date <= ?")
        params.append(f.due_by.isoformat())
    if f.text:
        clauses.append("w.description LIKE ? ESCAPE '\\'")
        params.append(_like(f.text))
    return f"wishes w INDEXED BY {WALL_INDEX} WHERE {' AND '.join(clauses)}", params


def _page(f: WallFilter) -> tuple[str, list[object]]:
    """The page and the count in one statement (one trip to the reader's thread). The page's
    ids are found, sorted and cut from the index's narrow entries; only those rows are then read,
    each with its holders and category names. The count is an uncorrelated subquery, run once."""
    matching, params = _where(f)
    order = "w.id DESC" if f.newest_first else "w.due_date, w.id"
    return (
        f"WITH page AS MATERIALIZED (SELECT w.id FROM {matching} ORDER BY {order} LIMIT ? OFFSET ?)"
        f" SELECT {_WISH}, (SELECT COUNT(*) FROM {matching}) AS total"
        f" FROM page JOIN wishes w ON w.id = page.id ORDER BY {order}",
        [*params, f.limit, f.offset, *params],
    )


def _count(f: WallFilter) -> tuple[str, list[object]]:
    matching, params = _where(f)
    return f"SELECT COUNT(*) FROM {matching}", params


class WallRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claimable(self, f: WallFilter) -> tuple[int, list[Wish]]:
        """How many wishes match in all, and the page of them asked for."""
        rows = await fetch_all(self._db.reader, *_page(f))
        if rows:
            return int(rows[0]["total"]), [row_to_wish(r) for r in rows]
        if f.offset == 0:
            return 0, []
        # Past the last page no row carries the count: it is asked for on its own.
        counted = await fetch_one(self._db.reader, *_count(f))
        return (int(counted[0]) if counted else 0), []

    async def plan(self, f: WallFilter) -> list[str]:
        """SQLite's plan for the page (with its count) and for the count alone (tests check that
        the wall's index answers both)."""
        found = []
        for query, values in (_page(f), _count(f)):
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

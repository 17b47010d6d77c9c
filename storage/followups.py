"""Follow-up visits (回访) and the visitors appointed to make them; the follow-up figures.

A follow-up belongs to a fulfilled wish (one at most). Wishes fulfilled before a community's
`followups_since` (set by the migration that brought follow-ups) are not waited for.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import aiosqlite

from storage.db import Database, fetch_all, fetch_one, utc_text
from storage.models import Frozen


class Outcome(StrEnum):
    SATISFIED = "satisfied"
    PARTLY = "partly"
    NOT = "not"


class FollowUp(Frozen):
    wish_id: int
    community_id: int
    visitor_id: int
    visitor_name: str
    outcome: Outcome
    note: str | None
    photo_file_id: str | None
    recorded_at: datetime


class Visitor(Frozen):
    user_id: int
    name: str
    appointed_at: datetime
    status: str | None  # their membership in the community now (active, suspended, ...), if any


class WaitingWish(Frozen):
    """A fulfilled wish whose follow-up is due and not recorded (no beneficiary details but the name)."""

    wish_id: int
    beneficiary_name: str  # shown masked only
    description: str
    fulfilled_at: datetime
    holders: str | None  # who delivered it, as the claim sheet names them


class FollowupFigures(Frozen):
    """At one instant: fulfilled wishes followed up, and those whose follow-up is due but missing.

    The follow-up rate is done / (done + waiting): a wish followed up early counts at once, one
    not followed up counts against the rate only once it has waited `followup_days`.
    """

    done: int = 0
    waiting: int = 0

    @property
    def counted(self) -> int:
        return self.done + self.waiting

    @property
    def rate(self) -> float | None:
        return self.done / self.counted if self.counted else None


class SheetExtras(Frozen):
    """What the claim sheet (storage/stats.py, SheetRow) shows of a wish's source and follow-up."""

    source_kind: str | None = None
    source_name: str | None = None
    followup_at: datetime | None = None
    followup_outcome: str | None = None
    followup_by: str | None = None
    followup_note: str | None = None


# Their columns in the claim sheet's query (wishes as `w`), and the joins they need.
SHEET_EXTRA_COLUMNS = (
    "w.source_kind, w.source_name, fu.recorded_at AS followup_at, fu.outcome AS followup_outcome,"
    " fu.note AS followup_note, COALESCE(fm.full_name, CAST(fu.visitor_id AS TEXT)) AS followup_by"
)
SHEET_EXTRA_JOINS = (
    "LEFT JOIN followups fu ON fu.wish_id = w.id LEFT JOIN members fm ON fm.user_id = fu.visitor_id"
)


# Fulfilled wishes that count for follow-ups: after the community's follow-ups began.
_COUNTED = (
    "w.community_id = :community AND w.status = 'fulfilled'"
    " AND w.fulfilled_at > COALESCE((SELECT c.followups_since FROM communities c"
    " WHERE c.id = :community), '')"
)
_HOLDERS = (
    "(SELECT group_concat(COALESCE(m.full_name, CAST(h.user_id AS TEXT)), '、')"
    " FROM wish_holders h LEFT JOIN members m ON m.user_id = h.user_id WHERE h.wish_id = w.id)"
)


class VisitorRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, conn: aiosqlite.Connection, community_id: int, user_id: int, by: int | None, now: datetime
    ) -> bool:
        """False when they were a visitor already."""
        row = await fetch_one(
            conn,
            "INSERT INTO visitors (community_id, user_id, appointed_by, appointed_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING user_id",
            (community_id, user_id, by, utc_text(now)),
        )
        return row is not None

    async def remove(self, conn: aiosqlite.Connection, community_id: int, user_id: int) -> bool:
        row = await fetch_one(
            conn,
            "DELETE FROM visitors WHERE community_id = ? AND user_id = ? RETURNING user_id",
            (community_id, user_id),
        )
        return row is not None

    async def of_community(self, community_id: int) -> list[Visitor]:
        rows = await fetch_all(
            self._db.reader,
            "SELECT v.user_id, COALESCE(m.full_name, CAST(v.user_id AS TEXT)) AS name, v.appointed_at,"
            " s.status FROM visitors v"
            " LEFT JOIN members m ON m.user_id = v.user_id"
            " LEFT JOIN memberships s ON s.user_id = v.user_id AND s.community_id = v.community_id"
            " WHERE v.community_id = ? ORDER BY v.appointed_at, v.user_id",
            (community_id,),
        )
        return [Visitor.model_validate(dict(r)) for r in rows]


class FollowupRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, wish_id: int) -> FollowUp | None:
        row = await fetch_one(
            self._db.reader,
            "SELECT f.*, COALESCE(m.full_name, CAST(f.visitor_id AS TEXT)) AS visitor_name"
            " FROM followups f LEFT JOIN members m ON m.user_id = f.visitor_id WHERE f.wish_id = ?",
            (wish_id,),
        )
        return FollowUp.model_validate(dict(row)) if row else None

    async def insert(
        self,
        conn: aiosqlite.Connection,
        *,
        wish_id: int,
        community_id: int,
        visitor_id: int,
        outcome: Outcome,
        note: str | None,
        photo_file_id: str | None,
        now: datetime,
    ) -> bool:
        """Only for a wish that is fulfilled and has no follow-up yet; False otherwise (nothing written)."""
        row = await fetch_one(
            conn,
            "INSERT INTO followups (wish_id, community_id, visitor_id, outcome, note, photo_file_id,"
            " recorded_at, fulfilled_at) SELECT id, community_id, ?, ?, ?, ?, ?, fulfilled_at FROM wishes"
            " WHERE id = ? AND community_id = ? AND status = 'fulfilled'"
            " ON CONFLICT (wish_id) DO NOTHING RETURNING wish_id",
            (visitor_id, outcome.value, note, photo_file_id, utc_text(now), wish_id, community_id),
        )
        return row is not None

    async def waiting(
        self, community_id: int, fulfilled_before: datetime, *, limit: int
    ) -> tuple[list[WaitingWish], int]:
        """Fulfilled wishes without a follow-up, fulfilled before the cutoff, oldest first (at
        most `limit`), and how many there are in all."""
        before = utc_text(fulfilled_before)
        async with self._db.reader.execute(
            "SELECT w.id AS wish_id, w.beneficiary_name, w.description, w.fulfilled_at,"
            f" {_HOLDERS} AS holders FROM wishes w WHERE {_COUNTED} AND w.fulfilled_at < :before"
            " AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.wish_id = w.id)"
            " ORDER BY w.fulfilled_at, w.id LIMIT :limit",
            {"community": community_id, "before": before, "limit": limit},
        ) as cur:
            rows = await cur.fetchall()
        total = await self._fulfilled(community_id, before) - await self._followed(community_id, before)
        return [WaitingWish.model_validate(dict(r)) for r in rows], total

    async def figures(self, community_id: int, at: datetime, due_before: datetime) -> FollowupFigures:
        """As things stood at `at`: wishes fulfilled by then with a follow-up recorded by then
        (done), and those fulfilled before `due_before` without one (waiting).

        Counted from two indexes (fulfilled wishes; follow-ups by their wish's fulfilment), not
        wish by wish: a report of a community with years of wishes reads no row it counts."""
        stamp, due = utc_text(at), utc_text(min(due_before, at))
        done = await self._followed(community_id, stamp, recorded_before=stamp)
        waiting = await self._fulfilled(community_id, due) - await self._followed(
            community_id, due, recorded_before=stamp
        )
        return FollowupFigures(done=done, waiting=waiting)

    async def _fulfilled(self, community_id: int, before: str) -> int:
        """Counted wishes fulfilled before `before`."""
        async with self._db.reader.execute(
            f"SELECT COUNT(*) FROM wishes w WHERE {_COUNTED} AND w.fulfilled_at < :before",
            {"community": community_id, "before": before},
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _followed(
        self, community_id: int, fulfilled_before: str, *, recorded_before: str | None = None
    ) -> int:
        """Follow-ups of counted wishes fulfilled before one instant (and recorded before another)."""
        recorded = " AND f.recorded_at < :recorded" if recorded_before is not None else ""
        async with self._db.reader.execute(
            "SELECT COUNT(*) FROM followups f WHERE f.community_id = :community"
            " AND f.fulfilled_at > COALESCE((SELECT c.followups_since FROM communities c"
            f" WHERE c.id = :community), '') AND f.fulfilled_at < :fulfilled{recorded}",
            {"community": community_id, "fulfilled": fulfilled_before, "recorded": recorded_before},
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

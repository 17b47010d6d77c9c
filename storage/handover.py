"""Handover offers (migration 0012): stored, answered once, expired; and the members a holder may
offer a wish to. Every answer is a conditional UPDATE from 'pending', so of two answers to one
offer (two members following one link at once) exactly one applies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

import aiosqlite

from storage.db import Database, fetch_all, fetch_one, utc_text
from storage.models import Frozen


class OfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    VOID = "void"  # replaced by a newer offer, or the wish is no longer the offerer's


class HandoverOffer(Frozen):
    id: int
    token: str
    wish_id: int
    community_id: int
    from_user: int
    to_user: int | None  # None: a link, for any active member of the community but the offerer
    status: OfferStatus
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None = None
    answered_by: int | None = None

    @property
    def is_link(self) -> bool:
        return self.to_user is None


class Candidate(NamedTuple):
    """A member a wish may be offered to, as a button shows them."""

    user_id: int
    name: str


_SELECT = "SELECT * FROM handover_offers"


def _offer(row: aiosqlite.Row | None) -> HandoverOffer | None:
    return HandoverOffer.model_validate(dict(row)) if row else None


class HandoverRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, token: str, conn: aiosqlite.Connection | None = None) -> HandoverOffer | None:
        return _offer(await fetch_one(conn or self._db.quick, f"{_SELECT} WHERE token = ?", (token,)))

    async def create(
        self,
        conn: aiosqlite.Connection,
        *,
        token: str,
        wish_id: int,
        community_id: int,
        from_user: int,
        to_user: int | None,
        now: datetime,
        expires_at: datetime,
    ) -> HandoverOffer:
        """A new pending offer; the wish's earlier pending offers become void (one at a time)."""
        stamp = utc_text(now)
        await conn.execute(
            "UPDATE handover_offers SET status = 'void', answered_at = ?"
            " WHERE wish_id = ? AND status = 'pending'",
            (stamp, wish_id),
        )
        row = await fetch_one(
            conn,
            "INSERT INTO handover_offers (token, wish_id, community_id, from_user, to_user, status,"
            " created_at, expires_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING *",
            (token, wish_id, community_id, from_user, to_user, stamp, utc_text(expires_at)),
        )
        offer = _offer(row)
        assert offer is not None
        return offer

    async def answer(
        self,
        conn: aiosqlite.Connection,
        token: str,
        status: OfferStatus,
        *,
        by: int | None,
        now: datetime,
    ) -> HandoverOffer | None:
        """Answer a pending offer that has not expired; None when it was answered, voided or
        expired before (the caller then reads it to say which)."""
        return _offer(
            await fetch_one(
                conn,
                "UPDATE handover_offers SET status = ?, answered_at = ?, answered_by = ?"
                " WHERE token = ? AND status = 'pending' AND expires_at > ? RETURNING *",
                (status.value, utc_text(now), by, token, utc_text(now)),
            )
        )

    async def close(
        self, conn: aiosqlite.Connection, offer_id: int, status: OfferStatus, now: datetime
    ) -> bool:
        """Expire or void a pending offer (nobody answered it); False if it was no longer pending."""
        row = await fetch_one(
            conn,
            "UPDATE handover_offers SET status = ?, answered_at = ? WHERE id = ? AND status = 'pending'"
            " RETURNING id",
            (status.value, utc_text(now), offer_id),
        )
        return row is not None

    async def lapsed(self, now: datetime, limit: int = 200) -> list[HandoverOffer]:
        """Pending offers whose time is up, oldest first."""
        rows = await fetch_all(
            self._db.reader,
            f"{_SELECT} WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at, id LIMIT ?",
            (utc_text(now), limit),
        )
        return [o for o in map(_offer, rows) if o is not None]

    async def pending_for_wish(self, wish_id: int) -> HandoverOffer | None:
        row = await fetch_one(
            self._db.quick,
            f"{_SELECT} WHERE wish_id = ? AND status = 'pending' ORDER BY id DESC LIMIT 1",
            (wish_id,),
        )
        return _offer(row)

    # --- whom a holder may offer a wish to -------------------------------------------------------

    async def branch_members(
        self, branch_id: int, *, exclude: int, limit: int, offset: int
    ) -> tuple[int, list[Candidate]]:
        """Active members of a branch but one, by name: how many in all, and one page of them."""
        where = "FROM memberships s JOIN members m ON m.user_id = s.user_id WHERE s.branch_id = ?"
        where += " AND s.status = 'active' AND s.user_id != ?"
        total = await fetch_one(self._db.reader, f"SELECT COUNT(*) {where}", (branch_id, exclude))
        rows = await fetch_all(
            self._db.reader,
            f"SELECT m.user_id, m.full_name {where} ORDER BY m.full_name, m.user_id LIMIT ? OFFSET ?",
            (branch_id, exclude, limit, offset),
        )
        return (int(total[0]) if total else 0), [Candidate(int(r[0]), str(r[1])) for r in rows]

"""Broadcasts to a branch: the message, who it went to, and what became of each copy.

Each copy is an outbox row; how many were delivered, could not be delivered or still wait is
read from those rows' status when asked, so the counts are never kept twice.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import Database, fetch_all, parse_utc, utc_text
from storage.models import Frozen, NewOutbox
from storage.outbox import INSERT_OUTBOX, outbox_rows


class Broadcast(Frozen):
    id: int
    community_id: int
    branch_id: int
    sender_id: int
    text: str
    photo_file_id: str | None
    created_at: datetime
    reported_at: datetime | None = None


class BroadcastCounts(Frozen):
    delivered: int = 0
    unreachable: int = 0  # blocked the bot, never opened it, or Telegram refused the message
    waiting: int = 0  # still in the outbox (held by quiet hours, or paced)
    unreachable_ids: tuple[int, ...] = ()


class BroadcastStatus(Frozen):
    broadcast: Broadcast
    counts: BroadcastCounts


_SENT = "sent"
_WAITING = "pending"


def _broadcast(row: aiosqlite.Row) -> Broadcast:
    data = dict(row)
    data["created_at"] = parse_utc(data["created_at"])
    data["reported_at"] = parse_utc(data["reported_at"])
    return Broadcast.model_validate(data)


class BroadcastRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        conn: aiosqlite.Connection,
        *,
        community_id: int,
        branch_id: int,
        sender_id: int,
        token: str,
        text: str,
        photo_file_id: str | None,
        now: datetime,
    ) -> int | None:
        """The new broadcast's id; None when this sender already sent the draft with this token."""
        async with conn.execute(
            "INSERT INTO broadcasts (community_id, branch_id, sender_id, token, text, photo_file_id,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (sender_id, token) DO NOTHING RETURNING id",
            (community_id, branch_id, sender_id, token, text, photo_file_id, utc_text(now)),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else None

    async def add_recipient(
        self,
        conn: aiosqlite.Connection,
        broadcast_id: int,
        user_id: int,
        message: NewOutbox | None,
        now: datetime,
    ) -> None:
        """Queue the member's copy (None: known unreachable, not queued) and remember its row."""
        outbox_id = None
        if message is not None:
            async with conn.execute(INSERT_OUTBOX + " RETURNING id", outbox_rows([message], now)[0]) as cur:
                row = await cur.fetchone()
            assert row is not None
            outbox_id = int(row[0])
        await conn.execute(
            "INSERT INTO broadcast_recipients (broadcast_id, user_id, outbox_id) VALUES (?, ?, ?)",
            (broadcast_id, user_id, outbox_id),
        )

    async def counts(self, broadcast_id: int) -> BroadcastCounts:
        rows = await fetch_all(
            self._db.reader,
            "SELECT r.user_id, o.status FROM broadcast_recipients r"
            " LEFT JOIN outbox o ON o.id = r.outbox_id WHERE r.broadcast_id = ? ORDER BY r.user_id",
            (broadcast_id,),
        )
        delivered = waiting = 0
        unreachable: list[int] = []
        for row in rows:
            status = row[1]
            if status == _SENT:
                delivered += 1
            elif status == _WAITING:
                waiting += 1
            else:  # not queued, unreachable, failed
                unreachable.append(int(row[0]))
        return BroadcastCounts(
            delivered=delivered,
            unreachable=len(unreachable),
            waiting=waiting,
            unreachable_ids=tuple(unreachable),
        )

    async def recent(self, community_id: int, limit: int) -> list[BroadcastStatus]:
        rows = await fetch_all(
            self._db.reader,
            "SELECT * FROM broadcasts WHERE community_id = ? ORDER BY id DESC LIMIT ?",
            (community_id, limit),
        )
        return [
            BroadcastStatus(broadcast=_broadcast(r), counts=await self.counts(int(r["id"]))) for r in rows
        ]

    async def unreported(self) -> list[Broadcast]:
        rows = await fetch_all(
            self._db.reader, "SELECT * FROM broadcasts WHERE reported_at IS NULL ORDER BY id"
        )
        return [_broadcast(r) for r in rows]

    async def mark_reported(self, conn: aiosqlite.Connection, broadcast_id: int, now: datetime) -> bool:
        """True for the one pass that reports it (another pass or process finds it taken)."""
        async with conn.execute(
            "UPDATE broadcasts SET reported_at = ? WHERE id = ? AND reported_at IS NULL RETURNING id",
            (utc_text(now), broadcast_id),
        ) as cur:
            return await cur.fetchone() is not None

"""The scheduler's queries: what may be due, and the record of what was already sent.

The record is the exactly-once guarantee: `record` inserts with the table's unique key and
reports which rows are new, inside the caller's transaction, so only those messages are queued.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import aiosqlite

from storage.categories import category_names
from storage.db import Database, utc_text
from storage.models import PostedWish, Reminder, ReminderKind, Wish
from storage.wishes import row_to_wish

_NAMES = category_names("wishes")


class ReminderRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- the record -----------------------------------------------------------------------

    async def record(
        self, conn: aiosqlite.Connection, reminders: Sequence[Reminder], now: datetime
    ) -> list[Reminder]:
        """Insert what is not recorded yet; return exactly those (the ones to send)."""
        fresh: list[Reminder] = []
        stamp = utc_text(now)
        for item in reminders:
            async with conn.execute(
                "INSERT INTO reminders (kind, community_id, wish_id, recipient, period, due_date, sent_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (kind, wish_id, recipient, period) DO NOTHING RETURNING id",
                (
                    item.kind.value,
                    item.community_id,
                    item.wish_id,
                    item.recipient,
                    item.period,
                    item.due_date.isoformat() if item.due_date else None,
                    stamp,
                ),
            ) as cur:
                if await cur.fetchone() is not None:
                    fresh.append(item)
        return fresh

    async def any_sent(
        self, kind: ReminderKind, recipient: int, period: str, conn: aiosqlite.Connection | None = None
    ) -> bool:
        """Did this recipient get a reminder of this kind for this period (about any wish)?"""
        async with (conn or self._db.reader).execute(
            "SELECT 1 FROM reminders WHERE recipient = ? AND kind = ? AND period = ? LIMIT 1",
            (recipient, kind.value, period),
        ) as cur:
            return await cur.fetchone() is not None

    async def count(
        self,
        kind: ReminderKind,
        wish_id: int,
        recipient: int,
        due_date: date,
        conn: aiosqlite.Connection | None = None,
    ) -> int:
        """How many reminders of a kind went to one recipient about one wish and due date."""
        async with (conn or self._db.reader).execute(
            "SELECT COUNT(*) FROM reminders"
            " WHERE kind = ? AND wish_id = ? AND recipient = ? AND due_date = ?",
            (kind.value, wish_id, recipient, due_date.isoformat()),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def last_period(self, kind: ReminderKind, wish_id: int, recipient: int) -> str | None:
        async with self._db.reader.execute(
            "SELECT MAX(period) FROM reminders WHERE kind = ? AND wish_id = ? AND recipient = ?",
            (kind.value, wish_id, recipient),
        ) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row and row[0] is not None else None

    async def all(self, kind: ReminderKind | None = None) -> list[Reminder]:
        sql = "SELECT kind, community_id, wish_id, recipient, period, due_date FROM reminders"
        params: tuple[str, ...] = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            params = (kind.value,)
        async with self._db.reader.execute(sql + " ORDER BY id", params) as cur:
            return [Reminder.model_validate(dict(r)) for r in await cur.fetchall()]

    # --- what may be due ------------------------------------------------------------------

    async def claimed_due_between(self, community_id: int, first: date, last: date) -> list[Wish]:
        """Claimed (not yet delivered) wishes whose due date is within [first, last]."""
        async with self._db.reader.execute(
            f"SELECT *, {_NAMES} FROM wishes WHERE status = 'claimed' AND community_id = ?"
            " AND due_date BETWEEN ? AND ? ORDER BY holder_id, due_date, id",
            (community_id, first.isoformat(), last.isoformat()),
        ) as cur:
            return [row_to_wish(r) for r in await cur.fetchall()]

    async def overdue(self, community_id: int, before: date) -> list[Wish]:
        """Claimed wishes not delivered whose due date is before the given day, by holder."""
        async with self._db.reader.execute(
            f"SELECT *, {_NAMES} FROM wishes WHERE status = 'claimed' AND community_id = ? AND due_date < ?"
            " ORDER BY holder_id, due_date, id",
            (community_id, before.isoformat()),
        ) as cur:
            return [row_to_wish(r) for r in await cur.fetchall()]

    async def open_since_before(self, community_id: int, opened_before: datetime) -> list[PostedWish]:
        """Open wishes that became open before the instant, with each active group showing them.

        An open wish changes nothing after it was posted or released, so its updated_at is the
        moment it became open (again).
        """
        async with self._db.reader.execute(
            f"SELECT p.chat_id AS post_chat, w.*, {category_names('w')} FROM wishes w"
            " JOIN wish_posts p ON p.wish_id = w.id"
            " JOIN groups g ON g.chat_id = p.chat_id AND g.active = 1"
            " WHERE w.status = 'open' AND w.community_id = ? AND w.updated_at < ?"
            " ORDER BY p.chat_id, w.updated_at, w.id",
            (community_id, utc_text(opened_before)),
        ) as cur:
            rows = await cur.fetchall()
        found = []
        for row in rows:
            data = dict(row)
            chat_id = int(data.pop("post_chat"))
            found.append(PostedWish(chat_id=chat_id, wish=row_to_wish(data)))
        return found

"""The wishes aggregate: wishes, their group posts and their conditional state changes."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import aiosqlite

from storage.db import Database, fetch_all, fetch_one, utc_text
from storage.events import INSERT_EVENT, event_row
from storage.models import ImportedWish, NewOutbox, Wish, WishDraft, WishPost, WishStatus
from storage.outbox import INSERT_OUTBOX, outbox_rows

# Columns a transition may set; anything else is a programming error, never interpolated.
_SETTABLE = frozenset(
    {
        "holder_id",
        "claimed_at",
        "delivered_at",
        "delivery_note",
        "delivery_photo_id",
        "fulfilled_at",
        "reason",
        "branch_id",
        "due_date",
    }
)


def _to_db(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def row_to_wish(row: sqlite3.Row | Mapping[str, Any]) -> Wish:
    return Wish.model_validate(dict(row))


# Every read of a wish carries its holders, so policies can see joint claims.
_SELECT = (
    "SELECT w.*, (SELECT json_group_array(h.user_id) FROM wish_holders h WHERE h.wish_id = w.id)"
    " AS holders FROM wishes w"
)


# The wishes a member holds now (claimed or delivered, alone or jointly); one parameter: user_id.
_HELD = (
    "SELECT w.id FROM wishes w JOIN wish_holders h ON h.wish_id = w.id"
    " WHERE h.user_id = ? AND w.status IN ('claimed', 'delivered')"
)


_ADD_HOLDER = "INSERT INTO wish_holders (wish_id, user_id, joined_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"


class WishRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def insert(
        self,
        conn: aiosqlite.Connection,
        *,
        community_id: int,
        draft: WishDraft,
        created_by: int,
        now: datetime,
    ) -> Wish:
        stamp = utc_text(now)
        async with conn.execute(
            "INSERT INTO wishes (community_id, status, beneficiary_name, beneficiary_phone,"
            " beneficiary_address, category, description, value_fen, due_date, photo_file_id,"
            " created_by, created_at, updated_at)"
            " VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *, '[]' AS holders",
            (
                community_id,
                draft.beneficiary.name,
                draft.beneficiary.phone,
                draft.beneficiary.address,
                draft.category.value,
                draft.description,
                draft.value_fen,
                draft.due_date.isoformat(),
                draft.photo_file_id,
                created_by,
                stamp,
                stamp,
            ),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        return row_to_wish(row)

    async def transition(
        self,
        conn: aiosqlite.Connection,
        wish_id: int,
        *,
        from_statuses: Collection[WishStatus],
        to_status: WishStatus,
        now: datetime,
        holder_id: int | None = None,
        set_fields: Mapping[str, Any] | None = None,
    ) -> bool:
        """One conditional write; False when the wish was not in an expected state (or holder).

        The caller reads the wish afterwards, once, after any other writes of its transaction:
        each statement is a trip to the database thread while the write lock is held."""
        fields = dict(set_fields or {})
        unknown = set(fields) - _SETTABLE
        if unknown:
            raise ValueError(f"transition may not set {sorted(unknown)}")
        assignments = ["status = ?", "updated_at = ?"] + [f"{name} = ?" for name in fields]
        params: list[Any] = [to_status.value, utc_text(now)]
        params += [_to_db(v) for v in fields.values()]
        marks = ", ".join("?" for _ in from_statuses)
        where = f"id = ? AND status IN ({marks})"
        params += [wish_id, *(s.value for s in from_statuses)]
        if holder_id is not None:
            where += " AND holder_id = ?"
            params.append(holder_id)
        sql = f"UPDATE wishes SET {', '.join(assignments)} WHERE {where} RETURNING id"
        return await fetch_one(conn, sql, params) is not None

    async def get(self, wish_id: int, conn: aiosqlite.Connection | None = None) -> Wish | None:
        row = await fetch_one(conn or self._db.reader, f"{_SELECT} WHERE w.id = ?", (wish_id,))
        return row_to_wish(row) if row else None

    async def list_by_status(self, community_id: int, status: WishStatus, *, limit: int = 50) -> list[Wish]:
        async with self._db.reader.execute(
            f"{_SELECT} WHERE w.community_id = ? AND w.status = ? ORDER BY w.id LIMIT ?",
            (community_id, status.value, limit),
        ) as cur:
            return [row_to_wish(r) for r in await cur.fetchall()]

    async def count_by_status(self, community_id: int, status: WishStatus) -> int:
        async with self._db.reader.execute(
            "SELECT COUNT(*) FROM wishes WHERE community_id = ? AND status = ?",
            (community_id, status.value),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def held_by(self, user_id: int) -> list[Wish]:
        rows = await fetch_all(
            self._db.reader,
            f"{_SELECT} WHERE w.status IN ('claimed', 'delivered')"
            " AND w.id IN (SELECT wish_id FROM wish_holders WHERE user_id = ?) ORDER BY w.due_date, w.id",
            (user_id,),
        )
        return [row_to_wish(r) for r in rows]

    async def all_ids(self) -> list[int]:
        async with self._db.reader.execute("SELECT id FROM wishes ORDER BY id") as cur:
            return [int(r[0]) for r in await cur.fetchall()]

    # --- where cards live -------------------------------------------------------------------

    async def add_post(self, conn: aiosqlite.Connection, wish_id: int, chat_id: int, now: datetime) -> bool:
        """False when the wish was already posted to that chat (posting twice is harmless)."""
        row = await fetch_one(
            conn,
            "INSERT INTO wish_posts (wish_id, chat_id, posted_at) VALUES (?, ?, ?)"
            " ON CONFLICT (wish_id, chat_id) DO NOTHING RETURNING wish_id",
            (wish_id, chat_id, utc_text(now)),
        )
        return row is not None

    async def posts(self, wish_id: int, conn: aiosqlite.Connection | None = None) -> list[WishPost]:
        rows = await fetch_all(
            conn or self._db.reader,
            "SELECT wish_id, chat_id, message_id FROM wish_posts WHERE wish_id = ? ORDER BY chat_id",
            (wish_id,),
        )
        return [WishPost.model_validate(dict(r)) for r in rows]

    async def get_post(self, wish_id: int, chat_id: int) -> WishPost | None:
        row = await fetch_one(
            self._db.reader,
            "SELECT wish_id, chat_id, message_id FROM wish_posts WHERE wish_id = ? AND chat_id = ?",
            (wish_id, chat_id),
        )
        return WishPost.model_validate(dict(row)) if row else None

    async def set_post_message(self, wish_id: int, chat_id: int, message_id: int | None) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE wish_posts SET message_id = ? WHERE wish_id = ? AND chat_id = ?",
                (message_id, wish_id, chat_id),
            )

    # --- who holds a claim --------------------------------------------------------------------

    async def add_holder(self, conn: aiosqlite.Connection, wish_id: int, user_id: int, now: datetime) -> None:
        await conn.execute(_ADD_HOLDER, (wish_id, user_id, utc_text(now)))

    async def remove_holder(self, conn: aiosqlite.Connection, wish_id: int, user_id: int) -> None:
        await conn.execute("DELETE FROM wish_holders WHERE wish_id = ? AND user_id = ?", (wish_id, user_id))

    async def clear_holders(self, conn: aiosqlite.Connection, wish_id: int) -> None:
        await conn.execute("DELETE FROM wish_holders WHERE wish_id = ?", (wish_id,))

    async def count_held(self, conn: aiosqlite.Connection, user_id: int) -> list[int]:
        """Ids of the wishes a member holds now (claimed or delivered, alone or jointly)."""
        rows = await fetch_all(conn, f"{_HELD} ORDER BY w.id", (user_id,))
        return [int(r[0]) for r in rows]

    async def claim_in_one_trip(
        self,
        *,
        wish_id: int,
        community_id: int,
        user_id: int,
        now: datetime,
        unchanged_since: datetime,
        cap: int,
        event_action: str,
        outbox: list[NewOutbox],
    ) -> bool:
        """Claim an open wish in one trip to the writer (see Database.run_unit).

        Writes only if the wish is still exactly as the caller read it (open, for one member,
        nobody holding it, not updated since `unchanged_since`) and the member holds fewer than
        `cap` wishes; then the holder, the event and the outbox rows go in the same transaction.
        False, with nothing written, when any of that is not so: the caller then takes the
        general path, which finds out why.
        """
        claimed_at = utc_text(now)
        event = event_row(
            action=event_action,
            at=now,
            actor_id=user_id,
            wish_id=wish_id,
            community_id=community_id,
            from_status=WishStatus.OPEN,
            to_status=WishStatus.CLAIMED,
        )
        rows = outbox_rows(outbox, now)

        def unit(conn: sqlite3.Connection) -> bool:
            changed = conn.execute(
                "UPDATE wishes SET status = 'claimed', holder_id = ?, claimed_at = ?, updated_at = ?"
                " WHERE id = ? AND status = 'open' AND needed_members = 1 AND updated_at = ?"
                " AND NOT EXISTS (SELECT 1 FROM wish_holders WHERE wish_id = ?)"
                f" AND (SELECT COUNT(*) FROM ({_HELD})) < ?",
                (user_id, claimed_at, claimed_at, wish_id, utc_text(unchanged_since), wish_id, user_id, cap),
            ).rowcount
            if changed != 1:
                return False
            conn.execute(_ADD_HOLDER, (wish_id, user_id, claimed_at))
            conn.execute(INSERT_EVENT, event)
            conn.executemany(INSERT_OUTBOX, rows)
            return True

        return await self._db.run_unit(unit)

    async def set_needed(self, conn: aiosqlite.Connection, wish_id: int, needed: int, now: datetime) -> None:
        await conn.execute(
            "UPDATE wishes SET needed_members = ?, updated_at = ? WHERE id = ?",
            (needed, utc_text(now), wish_id),
        )

    async def set_lead(self, conn: aiosqlite.Connection, wish_id: int, user_id: int) -> None:
        """A joint wish's lead holder left; another holder leads (the status does not change)."""
        await conn.execute(
            "UPDATE wishes SET holder_id = ? WHERE id = ? AND status = 'claimed'", (user_id, wish_id)
        )

    # --- messages that show a beneficiary's details -------------------------------------------

    async def track_detail_message(
        self, wish_id: int, user_id: int, chat_id: int, message_id: int, now: datetime
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO detail_messages (wish_id, user_id, chat_id, message_id, sent_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (wish_id, user_id, chat_id, message_id, utc_text(now)),
            )

    async def detail_messages(self, wish_id: int, user_id: int) -> list[tuple[int, int]]:
        rows = await fetch_all(
            self._db.reader,
            "SELECT chat_id, message_id FROM detail_messages WHERE wish_id = ? AND user_id = ?"
            " ORDER BY message_id",
            (wish_id, user_id),
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def forget_detail_message(self, chat_id: int, message_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM detail_messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
            )

    # --- issue 5: imports ---------------------------------------------------------------------

    async def insert_many(
        self,
        conn: aiosqlite.Connection,
        *,
        community_id: int,
        items: Sequence[ImportedWish],
        created_by: int,
        now: datetime,
    ) -> list[Wish]:
        """Imported rows, all pending, each with its notes; ids in the order given."""
        stamp = utc_text(now)
        created: list[Wish] = []
        for item in items:
            draft = item.draft
            async with conn.execute(
                "INSERT INTO wishes (community_id, status, beneficiary_name, beneficiary_phone,"
                " beneficiary_address, category, description, value_fen, due_date, photo_file_id,"
                " created_by, created_at, updated_at, notes)"
                " VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?) RETURNING *, '[]' AS holders",
                (
                    community_id,
                    draft.beneficiary.name,
                    draft.beneficiary.phone,
                    draft.beneficiary.address,
                    draft.category.value,
                    draft.description,
                    draft.value_fen,
                    draft.due_date.isoformat(),
                    created_by,
                    stamp,
                    stamp,
                    item.notes,
                ),
            ) as cur:
                row = await cur.fetchone()
            assert row is not None
            created.append(row_to_wish(row))
        return created

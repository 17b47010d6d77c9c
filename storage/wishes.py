"""The wishes aggregate: wishes, their group posts and their conditional state changes."""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

import aiosqlite

from storage.categories import category_names
from storage.db import Database, fetch_all, fetch_one, row_dict, utc_text
from storage.events import INSERT_EVENT
from storage.models import ImportedWish, NewOutbox, Wish, WishDraft, WishPost, WishStatus
from storage.outbox import INSERT_OUTBOX, outbox_rows
from storage.quick import Fetcher
from storage.unit_sql import Later, Unit

# Columns a write may set; anything else is a programming error, never interpolated.
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
        "needed_members",
    }
)


def _to_db(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _source(draft: WishDraft) -> tuple[str | None, str | None]:
    """The source columns of a new wish (both NULL when nobody said where it came from)."""
    if draft.source is None:
        return None, None
    return draft.source.kind.value, draft.source.name


def row_to_wish(row: sqlite3.Row | Mapping[str, Any]) -> Wish:
    return Wish.model_validate(row_dict(row) if isinstance(row, sqlite3.Row) else dict(row))


# Every read of a wish carries its holders, so policies can see joint claims.
_COLUMNS = (
    "w.*, (SELECT json_group_array(h.user_id) FROM wish_holders h WHERE h.wish_id = w.id)"
    f" AS holders, {category_names('w')}"
)
_SELECT = f"SELECT {_COLUMNS} FROM wishes w"
# The same, where its cards are and its community's cap on wishes held: all a claim reads of it,
# on every tap (a statement of its own for the community was ~3% of a claim storm's event loop).
_SELECT_FOR_CLAIM = (
    f"SELECT {_COLUMNS}, (SELECT json_group_array(json_array(p.chat_id, p.message_id))"
    " FROM wish_posts p WHERE p.wish_id = w.id) AS card_posts,"
    " (SELECT c.member_cap FROM communities c WHERE c.id = w.community_id) AS member_cap"
    " FROM wishes w"
)


# The wishes a member holds now (claimed or delivered, alone or jointly); one parameter: user_id.
_HELD = (
    "SELECT w.id FROM wishes w JOIN wish_holders h ON h.wish_id = w.id"
    " WHERE h.user_id = ? AND w.status IN ('claimed', 'delivered')"
)
# How many hold the wish being updated (inside an UPDATE of wishes).
_HOLDING = "(SELECT COUNT(*) FROM wish_holders h WHERE h.wish_id = wishes.id)"

_RETURNING = " RETURNING id"  # a conditional write's row: it applied

_ADD_HOLDER = "INSERT INTO wish_holders (wish_id, user_id, joined_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"


class HolderCap(NamedTuple):
    """A member may hold fewer than `cap` wishes at once (claimed or delivered)."""

    user_id: int
    cap: int


@dataclass(frozen=True)
class WishWrite:
    """One conditional write of a wish, with what it does to its holders and posts.

    It applies only if the wish is in one of `from_statuses` and every further condition given
    holds; then the status (None: it stays), `set_fields`, the columns in `set_now` and
    updated_at are written and the holders and posts change as said. Otherwise nothing is.
    """

    from_statuses: frozenset[WishStatus]
    to_status: WishStatus | None = None
    set_fields: Mapping[str, Any] = field(default_factory=dict)
    set_now: tuple[str, ...] = ()  # columns set to the moment of the write
    # Conditions beside the status.
    held_by: int | None = None  # its lead holder is still this member
    # Still exactly as this read of it: the same updated_at, size and number of holders.
    as_read: Wish | None = None
    room_for_one_more: bool = False  # fewer hold it than it needs
    cap: HolderCap | None = None
    # What else changes with it.
    clear_holders: bool = False
    remove_holder: int | None = None
    add_holder: int | None = None
    add_posts: tuple[int, ...] = ()  # chats its card goes to


@functools.lru_cache(maxsize=256)
def _update_sql(
    moves: bool,
    fields: tuple[str, ...],
    statuses: int,
    held_by: bool,
    as_read: bool,
    room_for_one_more: bool,
    cap: bool,
) -> str:
    """A conditional UPDATE's text, by the shape of the write (its parameters follow the same
    order in _statements). The shapes are few and each was rebuilt on every tap of a storm."""
    unknown = set(fields) - _SETTABLE
    if unknown:
        raise ValueError(f"a wish write may not set {sorted(unknown)}")
    assignments = ["updated_at = ?", *(f"{name} = ?" for name in fields)]
    if moves:
        assignments.insert(0, "status = ?")
    where = f"id = ? AND status IN ({', '.join('?' for _ in range(statuses))})"
    if held_by:
        where += " AND holder_id = ?"
    if as_read:
        where += f" AND updated_at = ? AND needed_members = ? AND {_HOLDING} = ?"
    if room_for_one_more:
        where += f" AND {_HOLDING} < needed_members"
    if cap:
        where += f" AND (SELECT COUNT(*) FROM ({_HELD})) < ?"
    return f"UPDATE wishes SET {', '.join(assignments)} WHERE {where}{_RETURNING}"


def _statements(
    wish_id: int, change: WishWrite, now: datetime, as_read: Wish | None = None
) -> list[tuple[str, tuple[Any, ...]]]:
    """The conditional UPDATE (RETURNING id: a row means it applied), then the writes that follow
    it. `as_read`, if given, stands for the write's own (a one-trip write's read of the wish)."""
    read = as_read if as_read is not None else change.as_read
    fields = {**change.set_fields, **dict.fromkeys(change.set_now, now)}
    stamp = utc_text(now)
    params: list[Any] = [stamp, *(_to_db(v) for v in fields.values())]
    if change.to_status is not None:
        params.insert(0, change.to_status.value)
    params += [wish_id, *(s.value for s in change.from_statuses)]
    if change.held_by is not None:
        params.append(change.held_by)
    if read is not None:
        params += [utc_text(read.updated_at), read.needed_members, len(read.holders)]
    if change.cap is not None:
        params += [change.cap.user_id, change.cap.cap]
    sql = _update_sql(
        change.to_status is not None,
        tuple(fields),
        len(change.from_statuses),
        change.held_by is not None,
        read is not None,
        change.room_for_one_more,
        change.cap is not None,
    )
    statements = [(sql, tuple(params))]
    if change.clear_holders:
        statements.append(("DELETE FROM wish_holders WHERE wish_id = ?", (wish_id,)))
    if change.remove_holder is not None:
        statements.append(
            ("DELETE FROM wish_holders WHERE wish_id = ? AND user_id = ?", (wish_id, change.remove_holder))
        )
    if change.add_holder is not None:
        statements.append((_ADD_HOLDER, (wish_id, change.add_holder, stamp)))
    statements += [
        (
            "INSERT INTO wish_posts (wish_id, chat_id, posted_at) VALUES (?, ?, ?)"
            " ON CONFLICT (wish_id, chat_id) DO NOTHING",
            (wish_id, chat_id, stamp),
        )
        for chat_id in change.add_posts
    ]
    return statements


class ClaimRead(NamedTuple):
    wish: Wish
    posts: list[WishPost]
    member_cap: int  # the community's limit on wishes one member holds at once


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
            " created_by, created_at, updated_at, source_kind, source_name)"
            " VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *, '[]' AS holders,"
            f" {category_names('wishes')}",
            (
                community_id,
                draft.beneficiary.name,
                draft.beneficiary.phone,
                draft.beneficiary.address,
                str(draft.category),
                draft.description,
                draft.value_fen,
                draft.due_date.isoformat(),
                draft.photo_file_id,
                created_by,
                stamp,
                stamp,
                *_source(draft),
            ),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        return row_to_wish(row)

    async def get(self, wish_id: int, conn: aiosqlite.Connection | None = None) -> Wish | None:
        row = await fetch_one(conn or self._db.quick, f"{_SELECT} WHERE w.id = ?", (wish_id,))
        return row_to_wish(row) if row else None

    async def for_claim(self, wish_id: int) -> ClaimRead | None:
        """The wish, where its cards are and its community's cap, in one read."""
        row = await fetch_one(self._db.quick, f"{_SELECT_FOR_CLAIM} WHERE w.id = ?", (wish_id,))
        if row is None:
            return None
        fields = row_dict(row)
        member_cap = fields.pop("member_cap")
        cards = sorted(json.loads(fields.pop("card_posts")))  # by chat, as posts() orders them
        posts = [WishPost(wish_id=wish_id, chat_id=chat, message_id=message) for chat, message in cards]
        return ClaimRead(row_to_wish(fields), posts, member_cap)

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

    async def posts(self, wish_id: int, conn: aiosqlite.Connection | None = None) -> list[WishPost]:
        rows = await fetch_all(
            conn or self._db.quick,
            "SELECT wish_id, chat_id, message_id FROM wish_posts WHERE wish_id = ? ORDER BY chat_id",
            (wish_id,),
        )
        return [WishPost.model_validate(dict(r)) for r in rows]

    async def get_post(self, wish_id: int, chat_id: int) -> WishPost | None:
        row = await fetch_one(
            self._db.quick,
            "SELECT wish_id, chat_id, message_id FROM wish_posts WHERE wish_id = ? AND chat_id = ?",
            (wish_id, chat_id),
        )
        return WishPost.model_validate(dict(row)) if row else None

    async def set_post_message(self, wish_id: int, chat_id: int, message_id: int | None) -> None:
        await self._db.write(
            "UPDATE wish_posts SET message_id = ? WHERE wish_id = ? AND chat_id = ?",
            (message_id, wish_id, chat_id),
        )

    # --- conditional writes -------------------------------------------------------------------

    async def write(self, conn: aiosqlite.Connection, wish_id: int, change: WishWrite, now: datetime) -> bool:
        """Apply one conditional write inside the caller's transaction; False when it did not
        apply (nothing written). The caller reads the wish afterwards, once: each statement is
        a trip to the database thread while the write lock is held."""
        (sql, params), *rest = _statements(wish_id, change, now)
        if await fetch_one(conn, sql, params) is None:
            return False
        for sql, params in rest:
            await conn.execute(sql, params)
        return True

    async def write_in_one_trip(
        self,
        wish_id: int,
        change: WishWrite,
        now: datetime,
        *,
        as_read: Wish,
        event: Sequence[Any],
        outbox: Sequence[NewOutbox],
    ) -> bool:
        """The same conditional write, with its event (the parameters of INSERT_EVENT) and its
        outbox rows, as one transaction in one trip to the writer (see Database.run_unit).

        Everything is decided and rendered before the write lock is taken, so the change must
        not depend on anything read inside: it applies only to the wish exactly `as_read` by the
        caller (as WishWrite.as_read). False, with nothing written, when any condition does not
        hold.
        """
        (sql, params), *rest = _statements(wish_id, change, now, as_read)
        # Whether it applied is the count of rows changed: one step, where reading the returned
        # id took two.
        unit = Unit.of(
            [(sql.removesuffix(_RETURNING), params), *rest],
            later=[
                Later(INSERT_EVENT, (tuple(event),)),
                Later(INSERT_OUTBOX, tuple(outbox_rows(outbox, now))),
            ],
            gated=True,
        )
        return await self._db.run_unit(unit) == 1

    async def count_held(self, conn: Fetcher, user_id: int) -> list[int]:
        """Ids of the wishes a member holds now (claimed or delivered, alone or jointly)."""
        rows = await fetch_all(conn, f"{_HELD} ORDER BY w.id", (user_id,))
        return [int(r[0]) for r in rows]

    # --- messages that show a beneficiary's details -------------------------------------------

    async def track_detail_message(
        self, wish_id: int, user_id: int, chat_id: int, message_id: int, now: datetime
    ) -> None:
        await self._db.write(
            "INSERT OR IGNORE INTO detail_messages (wish_id, user_id, chat_id, message_id, sent_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (wish_id, user_id, chat_id, message_id, utc_text(now)),
        )

    async def detail_messages(self, wish_id: int, user_id: int) -> list[tuple[int, int]]:
        rows = await fetch_all(
            self._db.quick,
            "SELECT chat_id, message_id FROM detail_messages WHERE wish_id = ? AND user_id = ?"
            " ORDER BY message_id",
            (wish_id, user_id),
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def forget_detail_message(self, chat_id: int, message_id: int) -> None:
        await self._db.write(
            "DELETE FROM detail_messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )

    # --- imports ------------------------------------------------------------------------------

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
                " created_by, created_at, updated_at, notes, source_kind, source_name)"
                " VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)"
                " RETURNING *, '[]' AS holders,"
                f" {category_names('wishes')}",
                (
                    community_id,
                    draft.beneficiary.name,
                    draft.beneficiary.phone,
                    draft.beneficiary.address,
                    str(draft.category),
                    draft.description,
                    draft.value_fen,
                    draft.due_date.isoformat(),
                    created_by,
                    stamp,
                    stamp,
                    item.notes,
                    *_source(draft),
                ),
            ) as cur:
                row = await cur.fetchone()
            assert row is not None
            created.append(row_to_wish(row))
        return created

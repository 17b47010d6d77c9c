"""The durable outbox: messages a state change causes, written in the change's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from storage.db import Database, fetch_all, fetch_one, parse_utc, utc_text
from storage.lease_holders import LeaseHolder, stopped
from storage.models import NewOutbox, OutboxItem, OutboxStatus, QueuedRef, Rendered
from storage.unit_sql import Unit

INSERT_OUTBOX = (
    "INSERT INTO outbox (kind, chat_id, wish_id, payload, coalesce_key, tracks_details, not_before,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)

# The sender's writes: one statement (or two) each, run as units (one trip, see Database.run_unit).
_LEASE = (
    "UPDATE outbox SET lease_until = ?, lease_by = ? WHERE id = ? AND status = 'pending'"
    " AND (lease_until IS NULL OR lease_until <= ?)"
)
_FINISH = "UPDATE outbox SET status = ?, sent_at = ?, last_error = ?, attempts = attempts + 1 WHERE id = ?"
_SUPERSEDE = (
    "UPDATE outbox SET status = 'superseded', sent_at = ?"
    " WHERE coalesce_key = ? AND status = 'pending' AND id <= ?"
)
_DEFER = (
    "UPDATE outbox SET not_before = ?, attempts = attempts + 1, last_error = ?,"
    " lease_until = NULL WHERE id = ? AND status = 'pending'"
)

# For the sender's floor (OutboxRepo.pending_floor): the lowest pending id, or the next id.
_NEXT_ID = "(SELECT COALESCE(MAX(id), 0) + 1 FROM outbox)"
_FLOOR = f"SELECT COALESCE((SELECT MIN(id) FROM outbox WHERE status = 'pending'), {_NEXT_ID})"
_FLOOR_FROM = (
    "SELECT COALESCE((SELECT id FROM outbox NOT INDEXED WHERE id >= ? AND status = 'pending'"
    f" ORDER BY id LIMIT 1), {_NEXT_ID})"
)


def outbox_rows(items: Iterable[NewOutbox], now: datetime) -> list[tuple[Any, ...]]:
    """The parameters of INSERT_OUTBOX (shared by OutboxRepo.enqueue and the write units)."""
    stamp = utc_text(now)
    return [
        (
            item.kind.value,
            item.chat_id,
            item.wish_id,
            item.payload.model_dump_json() if item.payload else None,
            item.coalesce_key,
            int(item.tracks_details),
            utc_text(now + timedelta(seconds=item.delay_seconds)) if item.delay_seconds else stamp,
            stamp,
        )
        for item in items
    ]


class OutboxRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue(self, conn: aiosqlite.Connection, items: Iterable[NewOutbox], now: datetime) -> int:
        rows = outbox_rows(items, now)
        await conn.executemany(INSERT_OUTBOX, rows)
        return len(rows)

    async def due(self, now: datetime, limit: int = 500) -> list[OutboxItem]:
        """Pending rows in id order: the sender keeps each chat's messages in that order."""
        async with self._db.reader.execute(
            "SELECT * FROM outbox WHERE status = 'pending' AND not_before <= ?"
            " AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?",
            (utc_text(now), utc_text(now), limit),
        ) as cur:
            rows = await cur.fetchall()
        return [_item(r) for r in rows]

    async def lease(
        self, item: OutboxItem, now: datetime, until: datetime, holder: str | None = None
    ) -> bool:
        """Take a due row for sending; False when another sender (process) holds it.
        `holder` names this process's sender (storage/lease_holders.py)."""
        return await self._db.write(_LEASE, (utc_text(until), holder, item.id, utc_text(now))) == 1

    def take_holder(self) -> LeaseHolder | None:
        """A name for this process's sender, held until released (None: leases run out by time)."""
        return LeaseHolder.take(self._db.path)

    async def free_stopped_leases(self, now: datetime) -> int:
        """Rows leased by senders that no longer run (killed mid-send) are due again now, not
        when their leases run out. Returns how many."""
        at = utc_text(now)
        rows = await fetch_all(
            self._db.reader,
            "SELECT DISTINCT lease_by FROM outbox WHERE status = 'pending' AND lease_by IS NOT NULL"
            " AND lease_until > ?",
            (at,),
        )
        gone = sorted(stopped(self._db.path, (str(r[0]) for r in rows)))
        if not gone:
            return 0
        marks = ", ".join("?" for _ in gone)
        return await self._db.write(
            "UPDATE outbox SET lease_until = NULL, lease_by = NULL WHERE status = 'pending'"
            f" AND lease_until > ? AND lease_by IN ({marks})",
            (at, *gone),
        )

    async def queued(self, now: datetime, limit: int = 500, *, floor: int = 0) -> list[QueuedRef]:
        """The head of the queue in id order, without payloads: what the sender decides on.

        `floor` is an id no pending row lies below (see `pending_floor`). From there the rows
        are walked in id order, which needs no sort and stops at `limit`: the index on pending
        rows by due time yields them in another order, and sorting a backlog of 11,000 rows
        took 8 ms a pass (0.8 ms this way; bench/, scenario 2).
        """
        at = utc_text(now)
        rows = await fetch_all(
            self._db.reader,
            "SELECT id, chat_id, coalesce_key FROM outbox NOT INDEXED WHERE id >= ? AND status = 'pending'"
            " AND not_before <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?",
            (floor, at, at, limit),
        )
        return [QueuedRef(int(r[0]), int(r[1]), r[2]) for r in rows]

    async def pending_floor(self, floor: int = 0) -> int:
        """An id no pending row lies below, as high as it can be: the lowest pending row's, or
        (none pending) the next id. From `floor`, a floor known before, it walks only past the
        rows closed since: a row never becomes pending again, and new rows take higher ids."""
        if floor > 0:
            row = await fetch_one(self._db.quick, _FLOOR_FROM, (floor,))
        else:  # not known: the index on pending rows finds it
            row = await fetch_one(self._db.reader, _FLOOR)
        return int(row[0]) if row else floor

    async def get_many(self, ids: list[int]) -> list[OutboxItem]:
        """Full rows (still pending) for the ids the sender chose, in id order."""
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        rows = await fetch_all(
            self._db.quick,
            f"SELECT * FROM outbox WHERE id IN ({marks}) AND status = 'pending' ORDER BY id",
            ids,
        )
        return [_item(r) for r in rows]

    async def next_not_before(self) -> datetime | None:
        row = await fetch_one(
            self._db.reader,
            # A row another sender holds is due for us only when its lease runs out.
            "SELECT MIN(CASE WHEN lease_until > not_before THEN lease_until ELSE not_before END)"
            " FROM outbox WHERE status = 'pending'",
        )
        if not row or row[0] is None:
            return None
        return datetime.fromisoformat(str(row[0]).replace("Z", "+00:00"))

    async def pending_count(self) -> int:
        async with self._db.reader.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def finish(
        self,
        item: OutboxItem,
        status: OutboxStatus,
        now: datetime,
        error: str | None = None,
        *,
        covers_through: int | None = None,
    ) -> None:
        """Close a row; a successful coalesced send also closes the other rows it stood for.

        Those are the older rows of its key, or, for a card rendered from the database when it
        was sent, every row of its key up to ``covers_through`` (the newest one queued before
        the card was read: its change is on the card already).
        """
        closed = (status.value, utc_text(now), error, item.id)
        covered = None
        if item.coalesce_key is not None and status is OutboxStatus.SENT:
            covered = (utc_text(now), item.coalesce_key, max(item.id - 1, covers_through or 0))

        statements: list[tuple[str, tuple[Any, ...]]] = [(_FINISH, closed)]
        if covered is not None:
            statements.append((_SUPERSEDE, covered))
        await self._db.run_unit(Unit.of(statements))

    async def newest_pending(self, coalesce_key: str) -> int | None:
        """Id of the newest pending row with this key, due or not."""
        row = await fetch_one(
            self._db.quick,
            "SELECT MAX(id) FROM outbox WHERE coalesce_key = ? AND status = 'pending'",
            (coalesce_key,),
        )
        return int(row[0]) if row and row[0] is not None else None

    async def defer(self, item: OutboxItem, not_before: datetime, error: str) -> None:
        await self._db.write(_DEFER, (utc_text(not_before), error, item.id))

    async def retarget(self, old_chat: int, new_chat: int) -> None:
        """A group became a supergroup: its queued messages follow it."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET chat_id = ?, lease_until = NULL WHERE chat_id = ? AND status = 'pending'",
                (new_chat, old_chat),
            )

    async def close_pending_for_chat(
        self, chat_id: int, status: OutboxStatus, now: datetime, error: str
    ) -> int:
        async with (
            self._db.transaction() as conn,
            conn.execute(
                "UPDATE outbox SET status = ?, sent_at = ?, last_error = ?"
                " WHERE chat_id = ? AND status = 'pending' RETURNING id",
                (status.value, utc_text(now), error, chat_id),
            ) as cur,
        ):
            return len(list(await cur.fetchall()))

    async def statuses(self) -> dict[int, OutboxStatus]:
        async with self._db.reader.execute("SELECT id, status FROM outbox") as cur:
            return {int(r[0]): OutboxStatus(r[1]) for r in await cur.fetchall()}


def _item(row: aiosqlite.Row) -> OutboxItem:
    data = dict(row)
    payload = data.pop("payload")
    data["payload"] = Rendered.model_validate_json(payload) if payload else None
    return OutboxItem.model_validate(data)


class OutboxBacklog:
    """How much waits to go out, and since when (for /healthz and /metrics)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def measure(self, now: datetime) -> tuple[int, datetime | None]:
        """Rows due now and not sent, and when the oldest of them was queued."""
        row = await fetch_one(
            self._db.reader,
            "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = 'pending' AND not_before <= ?",
            (utc_text(now),),
        )
        assert row is not None
        return int(row[0]), parse_utc(row[1])

    async def wishes_by_state(self) -> list[tuple[int, str, int]]:
        """(community id, state, wishes) for every community: ids and states, nothing personal."""
        rows = await fetch_all(
            self._db.reader, "SELECT community_id, status, COUNT(*) FROM wishes GROUP BY community_id, status"
        )
        return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]

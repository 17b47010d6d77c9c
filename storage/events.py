"""The append-only audit trail: every wish transition and every refused or notable action."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage.db import Database, utc_text
from storage.models import Event, WishStatus

INSERT_EVENT = (
    "INSERT INTO events (wish_id, community_id, actor_id, action, from_status, to_status,"
    " at, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)

# One encoder, not json.dumps: with any option given, dumps builds a new encoder on every call
# (~2% of the event loop's time in a claim storm, bench/, scenario 2). It keeps no state.
_DETAILS = json.JSONEncoder(ensure_ascii=False)


def event_row(
    *,
    action: str,
    at: datetime,
    actor_id: int | None,
    wish_id: int | None = None,
    community_id: int | None = None,
    from_status: WishStatus | None = None,
    to_status: WishStatus | None = None,
    details: dict[str, Any] | None = None,
) -> tuple[Any, ...]:
    """The parameters of INSERT_EVENT (shared by EventRepo.append and the write units)."""
    return (
        wish_id,
        community_id,
        actor_id,
        action,
        from_status.value if from_status else None,
        to_status.value if to_status else None,
        utc_text(at),
        _DETAILS.encode(details) if details else "{}",
    )


class EventRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(
        self,
        conn: aiosqlite.Connection,
        *,
        action: str,
        at: datetime,
        actor_id: int | None,
        wish_id: int | None = None,
        community_id: int | None = None,
        from_status: WishStatus | None = None,
        to_status: WishStatus | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        row = event_row(
            action=action,
            at=at,
            actor_id=actor_id,
            wish_id=wish_id,
            community_id=community_id,
            from_status=from_status,
            to_status=to_status,
            details=details,
        )
        await conn.execute(INSERT_EVENT, row)

    async def record(self, **kwargs: Any) -> None:
        """Append in a transaction of its own (for audit entries that change nothing else)."""
        async with self._db.transaction() as conn:
            await self.append(conn, **kwargs)

    async def for_wish(self, wish_id: int) -> list[Event]:
        async with self._db.reader.execute(
            "SELECT * FROM events WHERE wish_id = ? ORDER BY id", (wish_id,)
        ) as cur:
            rows = await cur.fetchall()
        return [_event(r) for r in rows]

    async def by_action(self, action: str) -> list[Event]:
        async with self._db.reader.execute(
            "SELECT * FROM events WHERE action = ? ORDER BY id", (action,)
        ) as cur:
            rows = await cur.fetchall()
        return [_event(r) for r in rows]


def _event(row: aiosqlite.Row) -> Event:
    data = dict(row)
    data["details"] = json.loads(data["details"] or "{}")
    return Event.model_validate(data)

"""Pictures the bot makes itself (report charts), stored so the outbox can send them durably."""

from __future__ import annotations

import hashlib
from datetime import datetime

import aiosqlite

from storage.db import Database, utc_text
from storage.models import Media


class MediaRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, conn: aiosqlite.Connection, content: bytes, mime_type: str, now: datetime) -> str:
        """Store the bytes once (keyed by their hash) and return the key outbox payloads refer to."""
        key = hashlib.sha256(content).hexdigest()
        await conn.execute(
            "INSERT INTO media (key, content, mime_type, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (key) DO NOTHING",
            (key, content, mime_type, utc_text(now)),
        )
        return key

    async def get(self, key: str) -> Media | None:
        async with self._db.reader.execute(
            "SELECT key, content, mime_type, file_id FROM media WHERE key = ?", (key,)
        ) as cur:
            row = await cur.fetchone()
        return Media.model_validate(dict(row)) if row else None

    async def set_file_id(self, key: str, file_id: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE media SET file_id = ? WHERE key = ?", (file_id, key))

    async def prune(self, older_than: datetime) -> int:
        """Forget old pictures; an outbox row still pointing at one is sent as text alone."""
        async with (
            self._db.transaction() as conn,
            conn.execute(
                "DELETE FROM media WHERE created_at < ? RETURNING key", (utc_text(older_than),)
            ) as cur,
        ):
            return len(list(await cur.fetchall()))

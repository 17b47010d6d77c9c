"""Half-finished conversations: drafts and conversation states that survive a restart."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Database, fetch_one, utc_text


class DraftRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, user_id: int, kind: str, data: dict[str, Any], now: datetime) -> None:
        await self._db.write(
            "INSERT INTO drafts (user_id, kind, data, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id, kind) DO UPDATE SET data = excluded.data,"
            " updated_at = excluded.updated_at",
            (user_id, kind, json.dumps(data, ensure_ascii=False), utc_text(now)),
        )

    async def load(self, user_id: int, kind: str) -> dict[str, Any] | None:
        row = await fetch_one(
            self._db.quick, "SELECT data FROM drafts WHERE user_id = ? AND kind = ?", (user_id, kind)
        )
        return json.loads(row[0]) if row else None

    async def delete(self, user_id: int, *kinds: str) -> None:
        """Drop these kinds of draft of one user (all of them in one statement)."""
        if not kinds:
            return
        marks = ", ".join("?" * len(kinds))
        await self._db.write(f"DELETE FROM drafts WHERE user_id = ? AND kind IN ({marks})", (user_id, *kinds))


class ConversationRepo:
    """Conversation states keyed as PTB keys them (a JSON list of chat/user ids)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self, name: str) -> dict[str, str]:
        async with self._db.reader.execute(
            "SELECT key, state FROM conversations WHERE name = ?", (name,)
        ) as cur:
            return {str(r[0]): str(r[1]) for r in await cur.fetchall()}

    async def set(self, name: str, key: str, state: str | None) -> None:
        if state is None:
            await self._db.write("DELETE FROM conversations WHERE name = ? AND key = ?", (name, key))
        else:
            await self._db.write(
                "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?)"
                " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                (name, key, state),
            )

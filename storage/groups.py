"""Group chats bound to a community, where wish cards are posted."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from storage.db import Database, fetch_all, fetch_one, utc_text
from storage.models import Group


class GroupRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def bind(
        self,
        chat_id: int,
        community_id: int,
        title: str,
        lang: str,
        by: int,
        now: datetime,
        branch_id: int | None = None,
        *,
        taken_from: Collection[int] | None = None,
    ) -> Group | None:
        """Bind (or rebind) a group. With taken_from, a group bound now to a community not in
        it is left as it is and None returned: the check and the write are one statement."""
        condition = ""
        params: list[Any] = [chat_id, community_id, title, lang, by, utc_text(now), branch_id]
        if taken_from is not None:
            marks = ", ".join("?" for _ in taken_from) or "NULL"
            condition = f" WHERE groups.active = 0 OR groups.community_id IN ({marks})"
            params += list(taken_from)
        async with (
            self._db.transaction() as conn,
            conn.execute(
                "INSERT INTO groups (chat_id, community_id, title, lang, bound_by, bound_at, active,"
                " branch_id)"
                " VALUES (?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (chat_id) DO UPDATE SET"
                " community_id = excluded.community_id, title = excluded.title,"
                " lang = excluded.lang, bound_by = excluded.bound_by,"
                " bound_at = excluded.bound_at, active = 1, branch_id = excluded.branch_id"
                + condition
                + " RETURNING *",
                params,
            ) as cur,
        ):
            row = await cur.fetchone()
        return Group.model_validate(dict(row)) if row is not None else None

    async def get(self, chat_id: int) -> Group | None:
        row = await fetch_one(self._db.quick, "SELECT * FROM groups WHERE chat_id = ?", (chat_id,))
        return Group.model_validate(dict(row)) if row else None

    async def active_for_community(self, community_id: int) -> list[Group]:
        rows = await fetch_all(
            self._db.reader,
            "SELECT * FROM groups WHERE community_id = ? AND active = 1 ORDER BY chat_id",
            (community_id,),
        )
        return [Group.model_validate(dict(r)) for r in rows]

    async def set_active(self, chat_id: int, active: bool) -> bool:
        async with (
            self._db.transaction() as conn,
            conn.execute(
                "UPDATE groups SET active = ? WHERE chat_id = ? AND active <> ? RETURNING chat_id",
                (int(active), chat_id, int(active)),
            ) as cur,
        ):
            return await cur.fetchone() is not None

    async def migrate(self, old_chat: int, new_chat: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE groups SET chat_id = ? WHERE chat_id = ?", (new_chat, old_chat))
            await conn.execute("UPDATE wish_posts SET chat_id = ? WHERE chat_id = ?", (new_chat, old_chat))

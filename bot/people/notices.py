"""Messages the bot sends on its own initiative (not replies): through the outbox, in each
reader's language, so they are durable and paced like everything else."""

from __future__ import annotations

from collections.abc import Callable

import aiosqlite

from bot.clock import Clock
from bot.models import NewOutbox, OutboxKind, Rendered
from bot.people.directory import Directory
from bot.texts import t
from storage.db import Database
from storage.outbox import OutboxRepo


class Notices:
    def __init__(self, *, db: Database, outbox: OutboxRepo, directory: Directory, clock: Clock) -> None:
        self._db = db
        self._outbox = outbox
        self._directory = directory
        self._clock = clock
        self.on_outbox: Callable[[], None] = lambda: None

    async def to_coordinators(
        self,
        community_id: int,
        key: str,
        *,
        exclude: int | None = None,
        conn: aiosqlite.Connection | None = None,
        **params: object,
    ) -> None:
        coordinators = [c for c in await self._directory.coordinators(community_id) if c != exclude]
        await self._send(coordinators, key, params, conn)

    async def to_user(
        self, user_id: int, key: str, *, conn: aiosqlite.Connection | None = None, **params: object
    ) -> None:
        await self._send([user_id], key, params, conn)

    async def menu(self, user_id: int, *, conn: aiosqlite.Connection | None = None) -> None:
        """Refresh a person's command menu (their roles changed). Queued like a message, so it
        keeps Telegram's limits; several refreshes of one person go out as one."""
        item = NewOutbox(kind=OutboxKind.MENU, chat_id=user_id, coalesce_key=f"menu:{user_id}")
        if conn is not None:
            await self._outbox.enqueue(conn, [item], self._clock.now())
            return
        async with self._db.transaction() as own:
            await self._outbox.enqueue(own, [item], self._clock.now())
        self.on_outbox()

    async def _send(
        self, user_ids: list[int], key: str, params: dict[str, object], conn: aiosqlite.Connection | None
    ) -> None:
        """Inside the caller's transaction when given one (it wakes the sender after COMMIT)."""
        if not user_ids:
            return
        langs = await self._directory.langs_of(user_ids)
        items = [
            NewOutbox(
                kind=OutboxKind.MESSAGE, chat_id=uid, payload=Rendered(text=t(langs[uid], key, **params))
            )
            for uid in user_ids
        ]
        if conn is not None:
            await self._outbox.enqueue(conn, items, self._clock.now())
            return
        async with self._db.transaction() as own:
            await self._outbox.enqueue(own, items, self._clock.now())
        self.on_outbox()

"""Two plain python-telegram-bot bots that scenario 2 measures beside Wishwall, as anchors.

Wishwall's saturated rate alone says little on a shared two-core machine whose speed moves
from run to run; the same load on bots that do no more than PTB itself needs, in the same run,
on the same server, says how much of the time is Wishwall's own:

- ``same work``: for each Claim tap, one conditional UPDATE on the wish through aiosqlite,
  answerCallbackQuery, and an edit of the card. It has no outbox and ignores Telegram's limits
  (the server's 429s on card edits are counted and dropped), no roles, caps, audit trail or
  per-user ordering: what is left is the work any bot must do for a claim;
- ``answer-only ceiling``: answerCallbackQuery and nothing else, PTB's own cost per update.

Both process updates concurrently as PTB offers (``concurrent_updates``) and reach the Bot API
through the same aiohttp client as Wishwall (its ``AiohttpRequest``, the one piece of Wishwall
imported here), so the difference is in what happens between an update and its requests.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import aiosqlite
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, ContextTypes

from bot.messaging.aiohttp_request import AiohttpRequest

# The Claim button's callback data as Wishwall's cards carry it (what the load generator taps).
CLAIM = re.compile(r"^w1:cl:(\d+)$")
CLAIM_SQL = "UPDATE wishes SET status = 'claimed', holder_id = ? WHERE id = ? AND status = 'open'"

PlainApp = Application[Any, Any, Any, Any, Any, Any]


class SameWork:
    """The claim as a plain bot writes it: one connection, one statement, two requests."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.claimed = 0
        self.taken = 0
        self.edit_errors: Counter[str] = Counter()
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> None:
        # Autocommit: each UPDATE is its own transaction, as a claim is; the pragmas are the
        # ones Wishwall's connections use.
        self._db = await aiosqlite.connect(self.db_path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000"):
            await self._db.execute(f"PRAGMA {pragma}")

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def claim(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None and context.match is not None
        assert self._db is not None
        wish_id = int(context.match.group(1))
        async with self._db.execute(CLAIM_SQL, (query.from_user.id, wish_id)) as cursor:
            took = cursor.rowcount == 1
        if took:
            self.claimed += 1
        else:
            self.taken += 1
        await query.answer("Claimed: thank you!" if took else "Someone has already claimed this wish.")
        state = f"claimed by {query.from_user.first_name}" if took else "taken"
        text = f"Wish {wish_id}: {state}"
        try:
            # The card is the tapped message. Telegram's limits on group edits are not this
            # bot's concern, so a 429 (or "not modified" on a second refused tap) is dropped.
            await context.bot.edit_message_text(
                text, chat_id=query.message.chat.id, message_id=query.message.message_id
            )
        except TelegramError as error:
            self.edit_errors[type(error).__name__] += 1

    def summary(self) -> str:
        return f"claimed {self.claimed}, already taken {self.taken}, edits dropped {dict(self.edit_errors)}"


class AnswerOnly:
    """PTB's ceiling for this load: every tap answered, nothing else done."""

    def __init__(self) -> None:
        self.answered = 0

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def claim(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Claimed: thank you!")
        self.answered += 1

    def summary(self) -> str:
        return f"answered {self.answered}"


KINDS = ("same-work", "answer-only")


class Anchor:
    """One anchor bot: ``kind`` is "same-work" or "answer-only"; start, feed its queue, stop."""

    def __init__(
        self, kind: str, *, token: str, api_url: str, concurrency: int, db_path: Path | None = None
    ) -> None:
        self.kind = kind
        if kind == "same-work":
            if db_path is None:
                raise ValueError("the same-work anchor needs a database")
            self.handler: SameWork | AnswerOnly = SameWork(db_path)
        elif kind == "answer-only":
            self.handler = AnswerOnly()
        else:
            raise ValueError(f"no anchor {kind!r}; there are {', '.join(KINDS)}")
        api = api_url.rstrip("/")
        self.app: PlainApp = (
            ApplicationBuilder()
            .token(token)
            .base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot")
            # A connection for every update that may be in flight, as PTB sizes its own pool.
            .request(AiohttpRequest(connection_pool_size=concurrency))
            .concurrent_updates(concurrency)
            .updater(None)  # fed through the update queue, as Wishwall is in the benchmarks
            .job_queue(None)
            .build()
        )
        self.app.add_handler(CallbackQueryHandler(self.handler.claim, pattern=CLAIM))
        # A tap that failed finished early and cheaply: counted, a run with any says nothing.
        self.errors: Counter[str] = Counter()
        self.app.add_error_handler(self._failed)

    async def _failed(self, _update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.errors[type(context.error).__name__] += 1

    async def start(self) -> None:
        await self.handler.open()
        await self.app.initialize()
        await self.app.start()

    async def stop(self) -> None:
        try:
            if self.app.running:
                await self.app.stop()
            await self.app.shutdown()
        finally:
            await self.handler.close()

    def summary(self) -> str:
        return f"{self.handler.summary()}; errors {dict(self.errors)}"

"""The pieces every scenario runs on: the fake server process, the seeded database, and the bot.

``Session`` starts them in order (server, seeding, bot) and stops them in reverse:

- ``FakeServer``: ``bench.server`` in its own process on 127.0.0.1 (an ephemeral port), and an
  httpx client for its control endpoints;
- the database is built by ``bench.seed`` in another process;
- ``BotUnderTest``: the real ``Application`` from ``bot.app.build_application``, configured with
  ``bot_api_url`` pointing at the server, so python-telegram-bot's own ``HTTPXRequest`` talks real
  HTTP. Updates go in through ``app.update_queue`` (as tests/fakes' Driver does), each stamped
  with the ``time.monotonic()`` at which it was received; the server stamps each
  answerCallbackQuery on arrival with the same clock (CLOCK_MONOTONIC is system-wide on Linux),
  so tap-to-answer is measured end to end.

The one thing added to the running bot is a probe around the update processor's
``do_process_update`` that notes when each update's handlers start and finish; it changes
nothing about how updates are processed. ``FedBot`` (feeding, the probe, tap-to-answer) works
for any python-telegram-bot ``Application``, so scenario 2's plain-PTB anchors (bench/anchors.py)
are fed and measured by the same code as Wishwall; ``BotUnderTest`` adds what only Wishwall has.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Awaitable, Iterable
from pathlib import Path
from typing import Any

import httpx
from telegram import Update
from telegram.ext import Application, ExtBot
from telegram.warnings import PTBUserWarning

from bench.seed import WorldSpec, bench_settings, card_layout
from bot.app import build_application
from bot.context import WishwallApp
from bot.messaging.answer_courier import AnswerCourier
from bot.messaging.processor import order_key
from bot.messaging.transport import LimitedRequest

ROOT = Path(__file__).resolve().parents[1]
JSON = dict[str, Any]
BOT_USER = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "Wishwall Bench Bot",
    "username": "wishwall_bench_bot",
}


class FakeServer:
    """``python -m bench.server`` as a child process, plus a client for its control endpoints."""

    def __init__(self, latency: float = 0.05, **limits: float) -> None:
        self.latency = latency
        self.limits = limits
        self.url = ""
        self._proc: asyncio.subprocess.Process | None = None
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        args = ["--latency", str(self.latency), "--max-seconds", "900"]
        for name, value in self.limits.items():
            args += [f"--{name.replace('_', '-')}", str(value)]
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.server",
            *args,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self._proc.stdout is not None
        async with asyncio.timeout(30):
            line = (await self._proc.stdout.readline()).decode().strip()
        if not line.startswith("LISTENING "):
            raise RuntimeError(f"the fake Bot API server did not start: {line!r}")
        self.url = line.split(" ", 1)[1]
        self._client = httpx.AsyncClient(base_url=self.url, timeout=60, trust_env=False)

    async def stop(self) -> None:
        if self._client is not None:
            with contextlib.suppress(httpx.HTTPError):
                await self._client.post("/_bench/stop")
            await self._client.aclose()
            self._client = None
        proc = self._proc
        if proc is not None:
            if proc.stdin is not None:
                proc.stdin.close()
            try:
                async with asyncio.timeout(5):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
            self._proc = None

    async def _get(self, op: str, **params: Any) -> Any:
        assert self._client is not None
        response = await self._client.get(f"/_bench/{op}", params=params)
        response.raise_for_status()
        return response.json()

    async def seed_cards(self, layout: dict[int, int]) -> None:
        assert self._client is not None
        response = await self._client.post("/_bench/seed", json={str(c): n for c, n in layout.items()})
        response.raise_for_status()

    async def counts(self) -> JSON:
        return await self._get("counts")

    async def report(self) -> JSON:
        return await self._get("report")

    async def messages(self, chat_id: int) -> list[JSON]:
        return await self._get("messages", chat_id=chat_id)

    async def feed(self, since: int, chats: list[int] | None = None) -> JSON:
        """Bot messages to private chats from position ``since`` (only to ``chats``, if given)."""
        return await self._get("feed", since=since, chats=",".join(map(str, chats or [])))


async def seed_database(db: Path, spec: WorldSpec) -> list[int]:
    """Build the database in a separate process; returns the seeded wishes' ids in card order."""
    spec_json = json.dumps(spec.__dict__)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.seed",
        "--db",
        str(db),
        "--spec",
        spec_json,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(600):
        out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"seeding failed with exit code {proc.returncode}")
    first_last = json.loads(out.decode().strip().splitlines()[-1])["ids"]
    return list(range(first_last[0], first_last[1] + 1)) if first_last else []


class LogCounter(logging.Handler):
    """Counts what the bot logs at WARNING and above, and 'database is locked' in particular."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings = 0
        self.errors = 0
        self.locked = 0
        self.samples: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text = f"{record.exc_info[1]!r} <- {text}"
        if "database is locked" in text.lower():
            self.locked += 1
        if record.levelno >= logging.ERROR:
            self.errors += 1
        else:
            self.warnings += 1
        if len(self.samples) < 20:
            self.samples.append(f"{record.levelname} {record.name}: {text[:300]}")


class Probe:
    """Notes when each update's handlers start and end, inside the processor's ordering."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.started: dict[int, float] = {}
        self.finished: dict[int, float] = {}
        self.start_order: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.done = 0
        self.changed = asyncio.Event()
        processor = app.update_processor
        original = processor.do_process_update

        async def probed(update: object, coroutine: Awaitable[Any]) -> None:
            await original(update, self._timed(update, coroutine))

        processor.do_process_update = probed  # type: ignore[method-assign]

    async def _timed(self, update: object, coroutine: Awaitable[Any]) -> None:
        update_id = update.update_id if isinstance(update, Update) else -1
        key = order_key(update)
        self.started[update_id] = time.monotonic()
        if key is not None:
            self.start_order[key].append(update_id)
        try:
            await coroutine
        finally:
            self.finished[update_id] = time.monotonic()
            self.done += 1
            self.changed.set()

    def out_of_order(self) -> int:
        """Updates whose handlers started before an earlier update of the same (chat, user)."""
        return sum(1 for ids in self.start_order.values() for a, b in itertools.pairwise(ids) if b < a)


class FedBot:
    """Any PTB application, fed updates through its queue and watched by the probe.

    ``query_prefix`` keeps callback query ids apart when several bots answer on one server
    (the server refuses a query answered twice, as Telegram does).
    """

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], *, query_prefix: str = "q") -> None:
        self.app = app
        self.received: dict[int, float] = {}  # update id -> when it was received
        self.query_update: dict[str, int] = {}  # callback query id -> update id
        self.probe = Probe(app)
        self._query_prefix = query_prefix
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1_000_000))

    # --- updates ----------------------------------------------------------------------------

    @staticmethod
    def user(user_id: int) -> JSON:
        return {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": "zh-hans"}

    @staticmethod
    def chat(chat_id: int) -> JSON:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"U{chat_id}"}
        return {"id": chat_id, "type": "supergroup", "title": f"group{chat_id}"}

    def _update(self, payload: JSON) -> Update:
        update = Update.de_json({"update_id": next(self._update_ids), **payload}, self.app.bot)
        if isinstance(self.app.bot, ExtBot):
            self.app.bot.insert_callback_data(update)
        return update

    def tap(self, user_id: int, chat_id: int, message_id: int, data: str, *, photo: bool = False) -> Update:
        """A press of an inline button under the bot's message ``message_id`` in ``chat_id``."""
        query_id = f"{self._query_prefix}{next(self._update_ids)}"
        message: JSON = {"message_id": message_id, "date": 0, "chat": self.chat(chat_id), "from": BOT_USER}
        if photo:
            message["photo"] = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
            message["caption"] = "-"
        else:
            message["text"] = "-"
        update = self._update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.user(user_id),
                    "message": message,
                    "chat_instance": str(chat_id),
                    "data": data,
                }
            }
        )
        self.query_update[query_id] = update.update_id
        return update

    def text(self, user_id: int, text: str) -> Update:
        """A text message from a user in their private chat with the bot."""
        message: JSON = {
            "message_id": next(self._message_ids[user_id]),
            "date": int(time.time()),
            "chat": self.chat(user_id),
            "from": self.user(user_id),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._update({"message": message})

    def feed(self, updates: Iterable[Update]) -> None:
        """Into the queue at once, each stamped as received just before it goes in."""
        queue = self.app.update_queue
        for update in updates:
            self.received[update.update_id] = time.monotonic()
            queue.put_nowait(update)

    # --- waiting ----------------------------------------------------------------------------

    async def wait_processed(self, count: int, within: float) -> bool:
        """Until the probe saw ``count`` updates finish in all; False on timeout."""
        try:
            async with asyncio.timeout(within):
                while self.probe.done < count:
                    self.probe.changed.clear()
                    await self.probe.changed.wait()
        except TimeoutError:
            return False
        return True

    def tap_latencies(self, answers: JSON) -> dict[str, float]:
        """Query id -> seconds from the tap's arrival to its answerCallbackQuery reaching Telegram."""
        latencies = {}
        for query_id, (arrived, _text, _alert) in answers.items():
            update_id = self.query_update.get(query_id)
            if update_id is not None:
                latencies[query_id] = arrived - self.received[update_id]
        return latencies


class BotUnderTest(FedBot):
    """Wishwall's application: fed and probed like any bot, plus its log and its outbox."""

    def __init__(self, app: WishwallApp) -> None:
        super().__init__(app)
        self.app: WishwallApp = app
        self.log = LogCounter()

    @property
    def services(self) -> Any:
        return self.app.services

    @property
    def courier_pid(self) -> int | None:
        """The answer courier's process, when WISHWALL_ANSWER_COURIER turned it on."""
        request = self.app.bot.request
        answers = request.answers if isinstance(request, LimitedRequest) else None
        return answers.pid if isinstance(answers, AnswerCourier) else None

    async def drain_outbox(self, within: float) -> bool:
        sender = self.services.sender
        assert sender is not None
        try:
            async with asyncio.timeout(within):
                await sender.drain()
        except TimeoutError:
            return False
        return True


class Session:
    """Server, database and bot for one measurement; everything is stopped on the way out."""

    def __init__(
        self,
        spec: WorldSpec,
        *,
        latency: float = 0.05,
        settings: JSON | None = None,
        limits: JSON | None = None,
        log: Any = print,
    ) -> None:
        self.spec = spec
        self.server = FakeServer(latency, **(limits or {}))
        self.settings_overrides = settings or {}
        self.wish_ids: list[int] = []
        self._log = log
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._bot: BotUnderTest | None = None
        self._bot_stopped = False

    @property
    def bot(self) -> BotUnderTest:
        assert self._bot is not None
        return self._bot

    @property
    def db_path(self) -> Path:
        assert self._tmp is not None
        return Path(self._tmp.name) / "bench.db"

    async def __aenter__(self) -> Session:
        self._tmp = tempfile.TemporaryDirectory(prefix="wishwall-bench-")
        try:
            started = time.monotonic()
            await self.server.start()
            self.wish_ids = await seed_database(self.db_path, self.spec)
            await self.server.seed_cards(card_layout(self.spec))
            self._log(f"    world ready in {time.monotonic() - started:.1f}s: {self.spec}")
            await self._start_bot()
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def _start_bot(self) -> None:
        settings = bench_settings(self.db_path, self.server.url).model_copy(update=self.settings_overrides)
        app = build_application(settings)
        self._bot = BotUnderTest(app)
        logging.getLogger().addHandler(self._bot.log)
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.start()

    async def stop_bot(self) -> None:
        """Stop Wishwall (its outbox included) but keep the server: nothing of the bot runs on."""
        if self._bot is not None and not self._bot_stopped:
            self._bot_stopped = True
            app = self._bot.app
            with contextlib.suppress(Exception):
                if app.running:
                    await app.stop()
                await app.shutdown()
            logging.getLogger().removeHandler(self._bot.log)

    async def __aexit__(self, *exc: object) -> None:
        await self.stop_bot()
        await self.server.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def quiet_logs() -> None:
    """Warnings and errors only, and not httpx's line per request."""
    # The conversations' per_message=False is deliberate (see the handlers); said once per build.
    warnings.filterwarnings("ignore", category=PTBUserWarning)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)

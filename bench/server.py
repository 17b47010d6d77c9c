"""A fake Telegram Bot API server over real HTTP on loopback, for the benchmarks.

Run as its own process (``python -m bench.server``) so that its work never competes with the
bot's event loop, and so the bot's memory is the bot's alone. It prints ``LISTENING <url>`` on
its first line, then serves until its standard input closes (the parent went away), a POST to
``/_bench/stop`` arrives, or ``--max-seconds`` pass: it always stops by itself.

What it does like Telegram:

- every Bot API call takes a round trip: half of ``--latency`` before the server acts and half
  after (``time.monotonic`` stamps are taken on arrival, which is when the bot sent the call);
- rate limits answered with 429 and ``retry_after``: about 30 messages per second overall, one
  per second per private chat (a token bucket: short bursts are tolerated, as Telegram does),
  20 per minute per group (edits count); ``answerCallbackQuery`` is not limited;
- message ids per chat, edits of unknown messages refused, "message is not modified", a
  callback query answered twice refused as "query is too old".

It is lenient where the benchmarks do not care: every private chat has pressed Start, and any
file id is a valid photo. The JSON shapes follow tests/fakes/telegram_api.py.

Control endpoints under ``/_bench/`` let the harness seed cards that were posted before the run,
read what happened (answers with their arrival times, 429s, sends per chat) and follow the bot's
messages to private chats, as a person reading their chat would.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import sys
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSON = dict[str, Any]

BOT_ID = 7000001
BOT_USERNAME = "wishwall_bench_bot"
# Methods that put a message on someone's screen: these are what Telegram's limits count.
SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "copyMessage", "forwardMessage"})
EDITS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})
TRUE_METHODS = frozenset(
    {"setMyCommands", "deleteMyCommands", "deleteWebhook", "close", "logOut", "sendChatAction"}
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@dataclass
class Limits:
    latency: float = 0.05
    global_per_second: int = 30
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: int = 20
    # Telegram's windows are not exact either; without a little slack, scheduler jitter of a
    # few milliseconds between the bot's pacing clock and ours would look like a burst.
    slack: float = 0.05


@dataclass
class StoredMessage:
    message_id: int
    chat_id: int
    kind: str  # text | photo | document
    text: str
    markup: JSON | None
    edits: int = 0


@dataclass
class TokenBucket:
    rate: float
    capacity: float
    tokens: float
    at: float

    def take(self, now: float) -> float:
        """0 when a token was taken, else the seconds until one is free."""
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


@dataclass
class World:
    limits: Limits
    started: float = field(default_factory=time.monotonic)
    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    unknown_methods: Counter[str] = field(default_factory=Counter)
    rate_limited: list[JSON] = field(default_factory=list)
    # query id -> [arrival time, text, show_alert]
    answers: dict[str, list[Any]] = field(default_factory=dict)
    duplicate_answers: int = 0
    # chat id -> arrival times of accepted sends and edits (for window checks afterwards)
    delivered: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    messages: dict[int, dict[int, StoredMessage]] = field(default_factory=lambda: defaultdict(dict))
    last_id: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    # Bot messages in private chats, in order, for the harness to follow conversations.
    feed: list[JSON] = field(default_factory=list)
    _global: deque[float] = field(default_factory=deque)
    _groups: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _private: dict[int, TokenBucket] = field(default_factory=dict)

    # --- limits ----------------------------------------------------------------------------

    def _window_wait(self, stamps: deque[float], now: float, period: float, limit: int) -> float:
        while stamps and stamps[0] <= now - period + self.limits.slack:
            stamps.popleft()
        if len(stamps) < limit:
            return 0.0
        return stamps[len(stamps) - limit] + period - self.limits.slack - now

    def check_rate(self, chat_id: int, now: float, *, is_edit: bool) -> tuple[float, str]:
        """(0, "") after counting the message against every window, else (seconds, which limit)."""
        lim = self.limits
        wait = self._window_wait(self._global, now, 1.0, lim.global_per_second)
        if wait > 0:
            return wait, "overall"
        if chat_id < 0:
            wait = self._window_wait(self._groups[chat_id], now, 60.0, lim.group_per_minute)
            if wait > 0:
                return wait, "group"
        elif not is_edit:
            bucket = self._private.get(chat_id)
            if bucket is None:
                bucket = TokenBucket(lim.private_per_second, lim.private_burst, lim.private_burst, now)
                self._private[chat_id] = bucket
            wait = bucket.take(now)
            if wait > 0:
                return wait, "private"
        self._global.append(now)
        if chat_id < 0:
            self._groups[chat_id].append(now)
        return 0.0, ""

    # --- messages --------------------------------------------------------------------------

    def store(self, chat_id: int, kind: str, text: str, markup: JSON | None) -> StoredMessage:
        self.last_id[chat_id] += 1
        message = StoredMessage(self.last_id[chat_id], chat_id, kind, text, markup)
        self.messages[chat_id][message.message_id] = message
        if chat_id > 0:
            self.feed.append(
                {
                    "chat_id": chat_id,
                    "message_id": message.message_id,
                    "kind": kind,
                    "text": text,
                    "data": _callback_datas(markup),
                }
            )
        return message

    def seed(self, chat_id: int, count: int) -> list[int]:
        """Messages the bot posted before the run (cards): they exist, but cost no quota now."""
        return [
            self.store(chat_id, "text", "(posted before the benchmark)", None).message_id
            for _ in range(count)
        ]

    def report(self) -> JSON:
        return {
            "calls": dict(self.calls),
            "errors": dict(self.errors),
            "unknown_methods": dict(self.unknown_methods),
            "rate_limited": self.rate_limited,
            "answers": self.answers,
            "duplicate_answers": self.duplicate_answers,
            "delivered": {str(k): v for k, v in self.delivered.items()},
        }


def _callback_datas(markup: JSON | None) -> list[str]:
    if not markup:
        return []
    return [
        str(b["callback_data"])
        for row in markup.get("inline_keyboard", [])
        for b in row
        if "callback_data" in b
    ]


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bot_user() -> JSON:
    return {"id": BOT_ID, "is_bot": True, "first_name": "Wishwall Bench Bot", "username": BOT_USERNAME}


def _chat(chat_id: int) -> JSON:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"user{chat_id}"}
    return {"id": chat_id, "type": "supergroup", "title": f"group{chat_id}"}


def _message_json(message: StoredMessage) -> JSON:
    data: JSON = {
        "message_id": message.message_id,
        "from": _bot_user(),
        "chat": _chat(message.chat_id),
        "date": int(time.time()),
    }
    if message.kind == "photo":
        data["photo"] = [{"file_id": "photo", "file_unique_id": "photo", "width": 1, "height": 1}]
        if message.text:
            data["caption"] = message.text
    elif message.kind == "document":
        data["document"] = {"file_id": "doc", "file_unique_id": "doc"}
        if message.text:
            data["caption"] = message.text
    else:
        data["text"] = message.text
    if message.edits:
        data["edit_date"] = int(time.time())
    if message.markup:
        data["reply_markup"] = message.markup
    return data


def _markup(raw: Any) -> JSON | None:
    if raw in (None, ""):
        return None
    value = json.loads(raw) if isinstance(raw, str) else raw
    return value if isinstance(value, dict) and value.get("inline_keyboard") else None


def _int(params: JSON, name: str) -> int:
    try:
        return int(params[name])
    except (KeyError, ValueError):
        raise ApiError(400, f"Bad Request: {name} is required") from None


class Api:
    """The Bot API methods the bot uses, answered from the World."""

    def __init__(self, world: World) -> None:
        self.world = world

    def call(self, method: str, params: JSON, arrived: float) -> Any:
        w = self.world
        if method == "getMe":
            return {
                **_bot_user(),
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method in TRUE_METHODS:
            return True
        if method == "answerCallbackQuery":
            query_id = str(params.get("callback_query_id", ""))
            if query_id in w.answers:
                w.duplicate_answers += 1
                raise ApiError(400, QUERY_TOO_OLD)
            text = params.get("text")
            w.answers[query_id] = [arrived, text, str(params.get("show_alert", "")).lower() == "true"]
            return True
        if method in SENDS:
            chat_id = _int(params, "chat_id")
            self._limit(method, chat_id, is_edit=False)
            kind = {"sendPhoto": "photo", "sendDocument": "document"}.get(method, "text")
            text = str(params.get("text") or params.get("caption") or "")
            message = w.store(chat_id, kind, text, _markup(params.get("reply_markup")))
            w.delivered[chat_id].append(time.monotonic())
            return _message_json(message)
        if method in EDITS:
            chat_id = _int(params, "chat_id")
            message = w.messages[chat_id].get(_int(params, "message_id"))
            if message is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if method == "editMessageReplyMarkup":
                text = message.text
            else:
                text = str(params.get("text") or params.get("caption") or "")
            if method == "editMessageText" and message.kind != "text":
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            markup = _markup(params.get("reply_markup"))
            if (text, markup) == (message.text, message.markup):
                raise ApiError(400, NOT_MODIFIED)
            self._limit(method, chat_id, is_edit=True)
            message.text, message.markup = text, markup
            message.edits += 1
            w.delivered[chat_id].append(time.monotonic())
            return _message_json(message)
        if method == "deleteMessage":
            chat_id = _int(params, "chat_id")
            if w.messages[chat_id].pop(_int(params, "message_id"), None) is None:
                raise ApiError(400, "Bad Request: message to delete not found")
            return True
        if method == "getChat":
            return _chat(_int(params, "chat_id"))
        if method == "getChatMember":
            return {
                "status": "administrator",
                "user": {"id": _int(params, "user_id"), "is_bot": False, "first_name": "x"},
            }
        if method == "getUpdates":
            return []
        w.unknown_methods[method] += 1
        raise ApiError(404, "Not Found")

    def _limit(self, method: str, chat_id: int, *, is_edit: bool) -> None:
        wait, limit = self.world.check_rate(chat_id, time.monotonic(), is_edit=is_edit)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            self.world.rate_limited.append(
                {
                    "method": method,
                    "chat_id": chat_id,
                    "limit": limit,
                    "at": time.monotonic(),
                    "retry_after": retry_after,
                }
            )
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


def make_app(limits: Limits, stop: asyncio.Event) -> web.Application:
    world = World(limits)
    api = Api(world)
    half = limits.latency / 2

    async def bot_api(request: web.Request) -> web.Response:
        arrived = time.monotonic()
        method = request.match_info["method"]
        params: JSON = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params = await request.json()
            else:
                form = await request.post()
                params = {k: v for k, v in form.items() if isinstance(v, str)}
        params.update(request.query)
        world.calls[method] += 1
        if half > 0:
            await asyncio.sleep(half)
        try:
            result = api.call(method, params, arrived)
            body: JSON = {"ok": True, "result": result}
            status = 200
        except ApiError as error:
            world.errors[f"{method} {error.code}"] += 1
            body = {"ok": False, "error_code": error.code, "description": error.description}
            if error.parameters:
                body["parameters"] = error.parameters
            status = error.code
        if half > 0:
            await asyncio.sleep(half)
        return web.json_response(body, status=status)

    async def control(request: web.Request) -> web.Response:
        op = request.match_info["op"]
        if op == "ping":
            return web.json_response({"ok": True})
        if op == "seed":
            data = await request.json()
            return web.json_response({str(c): world.seed(int(c), int(n)) for c, n in data.items()})
        if op == "report":
            return web.json_response(world.report())
        if op == "counts":
            return web.json_response(
                {
                    "answers": len(world.answers),
                    "calls": sum(world.calls.values()),
                    "rate_limited": len(world.rate_limited),
                    "feed": len(world.feed),
                }
            )
        if op == "feed":
            since = int(request.query.get("since", "0"))
            chats = {int(c) for c in request.query.get("chats", "").split(",") if c}
            page = [m for m in world.feed[since:] if not chats or m["chat_id"] in chats]
            return web.json_response({"next": len(world.feed), "messages": page})
        if op == "messages":
            chat_id = int(request.query["chat_id"])
            return web.json_response(
                [
                    {"message_id": m.message_id, "text": m.text, "markup": m.markup, "edits": m.edits}
                    for m in world.messages[chat_id].values()
                ]
            )
        if op == "stop":
            stop.set()
            return web.json_response({"ok": True})
        raise web.HTTPNotFound()

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_route("*", "/_bench/{op}", control)
    return app


async def serve(limits: Limits, port: int, max_seconds: float) -> None:
    stop = asyncio.Event()
    runner = web.AppRunner(make_app(limits, stop), access_log=None)
    await runner.setup()
    # Loopback only: nothing outside this machine ever talks to it.
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    server = site._server
    assert server is not None and server.sockets  # type: ignore[union-attr]
    bound = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"LISTENING http://127.0.0.1:{bound}", flush=True)

    loop = asyncio.get_running_loop()

    def parent_gone() -> None:
        # Standard input reaches EOF when the parent exits, however it exits.
        if not sys.stdin.buffer.read1(4096):  # type: ignore[attr-defined]
            loop.remove_reader(sys.stdin.fileno())
            stop.set()

    with contextlib.suppress(OSError, ValueError, NotImplementedError):
        loop.add_reader(sys.stdin.fileno(), parent_gone)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(max_seconds):
            await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.05, help="round trip in seconds")
    parser.add_argument("--global-per-second", type=int, default=30)
    parser.add_argument("--private-per-second", type=float, default=1.0)
    parser.add_argument("--private-burst", type=int, default=3)
    parser.add_argument("--group-per-minute", type=int, default=20)
    parser.add_argument("--max-seconds", type=float, default=900.0, help="stop by itself after this")
    args = parser.parse_args(argv)
    limits = Limits(
        latency=args.latency,
        global_per_second=args.global_per_second,
        private_per_second=args.private_per_second,
        private_burst=args.private_burst,
        group_per_minute=args.group_per_minute,
    )
    asyncio.run(serve(limits, args.port, args.max_seconds))


if __name__ == "__main__":
    main()

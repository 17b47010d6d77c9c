from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import telegram
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import build_application
from bot.clock import FakeClock
from bot.context import WishwallApp
from bot.messaging.sender import OutboxSender
from bot.services import Services
from bot.settings import Settings
from storage.db import Database
from tests.factories import COORDINATOR, seed_community
from tests.fakes.telegram_api import Driver, FakeTelegram

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _asyncio_loop_after_each_test() -> Iterator[None]:
    """`wishwall` commands switch the process to uvloop (bot/event_loop.py); tests that run them
    in-process must not leave every later test on it."""
    yield
    asyncio.set_event_loop_policy(None)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI))


def fast_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Like the `settings` fixture, with no scheduler tick (tests run passes themselves) and
    short private-chat pacing so several reminders to one person do not take seconds."""
    values: dict[str, Any] = {
        "bot_token": "123456:TEST-TOKEN",
        "db": str(tmp_path / "wishwall.db"),
        "admins": frozenset({COORDINATOR}),
        "private_interval_seconds": 0.01,
        "job_tick_seconds": 0,
        "card_settle_seconds": 0,  # group cards are checked right after each change
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file with every migration applied, made once per test process. Each test that
    takes `settings` starts from a copy: migrating an empty file took ~150 ms a test, a fifth of
    the suite's time. Migrating is tested where it is the subject (test_upgrade.py, test_cli_and_storage.py)."""
    path = tmp_path_factory.mktemp("migrated") / "wishwall.db"

    async def migrate() -> None:
        db = Database(str(path))
        await db.open()
        await db.close()

    asyncio.run(migrate())
    # Closed by its last connection, the database is whole in its one file (no -wal beside it).
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    return path


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path, migrated_db: Path) -> Settings:
    shutil.copyfile(migrated_db, tmp_path / "wishwall.db")
    # A module marked passes_by_hand runs the scheduler's passes itself (tests/scheduling.py).
    if request.node.get_closest_marker("passes_by_hand") is not None:
        return fast_settings(tmp_path)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="123456:TEST-TOKEN",
        db=str(tmp_path / "wishwall.db"),
        admins=frozenset({COORDINATOR}),
        # Pacing is tested on its own (test_sender.py); elsewhere it would only make tests wait.
        private_interval_seconds=0.01,
        group_messages_per_minute=6000,
        outbox_rate_per_second=1000,
        card_settle_seconds=0.0,
    )


@pytest.fixture
async def services(settings: Settings, clock: FakeClock) -> AsyncIterator[Services]:
    built = Services.build(settings, clock)
    await built.db.open()
    await seed_community(built)
    try:
        yield built
    finally:
        await built.close()


class Bot:
    """A running Wishwall application wired to the fake Bot API, with a driver to play users."""

    def __init__(self, app: WishwallApp, api: FakeTelegram, driver: Driver) -> None:
        self.app = app
        self.api = api
        self.driver = driver
        # What reached the bot's error handler. A test passes only if this stays empty, unless it
        # provoked an internal error on purpose (expect_errors): a reply that only says
        # "something went wrong" must never look like a pass.
        self.errors: list[BaseException] = []
        self.errors_expected = False

    def expect_errors(self) -> list[BaseException]:
        self.errors_expected = True
        return self.errors

    async def _record_error(self, update: object, context: Any) -> None:
        self.errors.append(context.error)

    @property
    def services(self) -> Services:
        return self.app.services


async def drain_outbox(app: WishwallApp) -> None:
    assert app.services.sender is not None
    async with asyncio.timeout(10):
        await app.services.sender.drain()


async def run_until_drained(sender: OutboxSender) -> None:
    """Start an outbox sender, wait until nothing due is left, stop it (as a process would)."""
    sender.start()
    try:
        async with asyncio.timeout(15):
            await sender.drain()
    finally:
        await sender.stop()


@asynccontextmanager
async def running(settings: Settings, clock: FakeClock, api: FakeTelegram) -> AsyncIterator[Bot]:
    """Start the app the way run_polling does (minus polling), stop it the same way."""
    app = build_application(settings, request=api, clock=clock)
    await app.initialize()
    await seed_community(app.services)
    if app.post_init:
        await app.post_init(app)
    await app.start()
    driver = Driver(app, api, settle_hooks=[lambda: drain_outbox(app)])
    started = Bot(app, api, driver)
    app.add_error_handler(started._record_error)
    try:
        yield started
    finally:
        await app.stop()
        await app.shutdown()
    api.assert_clean()
    if started.errors and not started.errors_expected:
        raise AssertionError(
            "the bot's error handler ran (the user was told something went wrong): "
            + "; ".join(f"{type(e).__name__}: {e}" for e in started.errors)
        ) from started.errors[0]


@pytest.fixture
def api() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
async def tg(api: FakeTelegram) -> AsyncIterator[telegram.Bot]:
    """PTB's Bot straight on the fake API, without the Application (for the outbox sender)."""
    bot = telegram.Bot("123456:TEST-TOKEN", request=api, get_updates_request=api)
    await bot.initialize()
    yield bot
    await bot.shutdown()


@pytest.fixture
async def bot(settings: Settings, clock: FakeClock, api: FakeTelegram) -> AsyncIterator[Bot]:
    async with running(settings, clock, api) as started:
        yield started


@pytest.fixture
async def http_api() -> AsyncIterator[tuple[TestServer, list[dict[str, Any]]]]:
    """A small Bot API over real HTTP: what it was sent, as it arrived (see `seen`)."""
    seen: list[dict[str, Any]] = []

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        files = {k: (v.filename, v.file.read()) for k, v in form.items() if isinstance(v, web.FileField)}
        seen.append(
            {"method": method, "fields": fields, "files": files, "agent": request.headers["User-Agent"]}
        )
        if method == "getMe":
            user = {"id": 1, "is_bot": True, "first_name": "W", "username": "wishwall_bot"}
            return web.json_response({"ok": True, "result": user})
        if method == "echo":  # which request this reply belongs to
            return web.json_response({"ok": True, "result": fields})
        if method == "slow":
            await asyncio.sleep(2)
        if method == "sendMessage" and fields.get("text") == "flood":
            body = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7"}
            return web.json_response({**body, "parameters": {"retry_after": 7}}, status=429)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("POST", "/bot{token}/{method}", api)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    try:
        yield test_server, seen
    finally:
        await test_server.close()

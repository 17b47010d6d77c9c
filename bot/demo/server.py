"""`wishwall demo`: build (or reopen) a demo database and serve the wall on this computer only.

Part of the composition root, like bot/serve.py: it puts the same application and web server
together as `wishwall run` (it imports handlers/ for the routes), with a Bot API that answers
itself instead of Telegram, and adds the demo's sign-in page. No token is needed: the demo makes
a random one for each run and signs its sign-ins with it, so the wall's own initData check
admits them. It listens on a loopback address or not at all: the sign-in page lets whoever
reaches it be anyone in the demo.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from bot.clock import FakeClock, SystemClock
from bot.demo import cast
from bot.demo.offline import OfflineBotApi
from bot.demo.signin import PATH, SignIn, add_signin_routes, is_loopback
from bot.demo.world import History
from bot.services import Services
from bot.settings import Settings
from storage.lock import AlreadyRunning, InstanceLock

log = logging.getLogger(__name__)


class DemoRefused(Exception):
    """The demo will not start like this; the message says why and what to do."""


def demo_settings(db: Path, token: str, host: str = "127.0.0.1", port: int = 8080) -> Settings:
    """The bot's settings for the demo: its own database and token, nothing from the
    environment that could point it at a real database or at Telegram."""
    listen_host = f"[{host.strip('[]')}]" if ":" in host.strip("[]") else host
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=token,
        db=str(db),
        admins=frozenset(),
        tz="Asia/Shanghai",
        default_lang="zh",
        # Never asked: the offline Bot API answers every request.
        bot_api_url="http://127.0.0.1:9",
        listen=f"{listen_host}:{port or 8080}",
        webhook_url="",
        webhook_secret="",
        backup_dir=str(db.parent / "backups"),
        job_tick_seconds=0,
        # Telegram's pacing means nothing offline; cards show changes at once.
        outbox_rate_per_second=1000,
        private_interval_seconds=0.01,
        group_messages_per_minute=100_000,
        card_settle_seconds=0.0,
    )


async def is_demo_database(services: Services) -> bool:
    """Only a database the demo made: its one community, and nobody in it from outside the
    demo's ranges of user ids (a real community is never served with a sign-in page)."""
    communities = await services.communities.all()
    if [c.name for c in communities] != [cast.COMMUNITY]:
        return False
    people = await services.memberships.of_community(communities[0].id)
    coordinators = await services.directory.coordinators(communities[0].id)
    return all(cast.is_demo_user(uid) for uid in [*coordinators, *(m.user_id for m in people)])


async def build_world(settings: Settings) -> None:
    """Ten weeks of history into a new database, ending a little before now."""
    end = SystemClock().now() - timedelta(minutes=5)
    clock = FakeClock(end)
    services = Services.build(settings, clock)
    await services.db.open()
    try:
        await History(services, clock, end).build()
    finally:
        await services.close()


def _has_data(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


async def prepare(settings: Settings) -> bool:
    """Make the demo database, or check that the one named is a demo's; True if it was made."""
    path = Path(settings.db)
    if _has_data(path):
        services = Services.build(settings, SystemClock())
        await services.db.open()
        try:
            if not await is_demo_database(services):
                raise DemoRefused(
                    f"{path} is not a demo database; the demo only opens one it made "
                    "(leave out --db for a fresh one, or name a new file)"
                )
        finally:
            await services.close()
        return False
    await build_world(settings)
    return True


@dataclass
class Demo:
    """The running demo: where it listens, for the command line's message and for tests."""

    url: str
    made: bool


async def serve_demo(
    settings: Settings, host: str, port: int, stop: asyncio.Event, on_ready: Callable[[Demo], None]
) -> None:
    from bot.app import build_application
    from handlers.web.server import build_web  # the composition root: see the module docstring

    if not is_loopback(host):
        raise DemoRefused(f"the demo listens on this computer only (127.0.0.1 or ::1), not on {host}")
    made = await prepare(settings)
    app = build_application(settings, request=OfflineBotApi(), clock=SystemClock())
    lock = InstanceLock(settings.db)
    runner: web.AppRunner | None = None
    await app.initialize()
    try:
        lock.acquire()
        sender = app.services.sender
        assert sender is not None
        sender.start()
        web_app = build_web(app)
        add_signin_routes(web_app, SignIn(app.services, settings.bot_token, app.services.clock.now))
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host.strip("[]"), port).start()
        except OSError as exc:
            raise DemoRefused(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from exc
        bound = runner.addresses[0]
        shown = f"[{bound[0]}]" if ":" in str(bound[0]) else str(bound[0])
        on_ready(Demo(url=f"http://{shown}:{bound[1]}", made=made))
        await stop.wait()
    finally:
        if runner is not None:
            await runner.cleanup()
        if app.services.sender is not None:
            await app.services.sender.stop()
        await app.shutdown()
        lock.release()


def run_demo(db: str | None, host: str, port: int) -> int:
    """The command: exit 0 after Ctrl-C, 2 when refused, 5 when the database is in use."""
    folder = None if db else Path(tempfile.mkdtemp(prefix="wishwall-demo-"))
    path = Path(db) if db else Path(folder or ".") / "demo.db"
    token = f"{secrets.randbelow(9 * 10**9) + 10**9}:{secrets.token_urlsafe(30)}"
    settings = demo_settings(path.resolve(), token, host, port)

    def ready(demo: Demo) -> None:
        state = "built ten weeks of history in" if demo.made else "reopened"
        print(f"wishwall demo: {state} {path}")
        print(f"Open {demo.url}{PATH} and choose who to be (Ctrl-C stops the demo).", flush=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve_demo(settings, host, port, stop, ready)

    try:
        asyncio.run(main())
    except DemoRefused as exc:
        print(f"wishwall demo: {exc}", file=sys.stderr)
        return 2
    except AlreadyRunning as exc:
        print(f"wishwall demo: {exc}", file=sys.stderr)
        return 5
    finally:
        if folder is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(folder)
    return 0

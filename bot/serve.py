"""`wishwall run`: the bot and its web server in one process, until a stop signal.

Part of the composition root (with bot/app.py): it is the one other module that imports
handlers/, for the web routes.

Start: take the database's instance lock, open it, start the web server (/healthz, /metrics,
and /telegram in webhook mode), publish the menus and the scheduler, then either register the
webhook with Telegram or start long polling (which deletes any webhook). Stop (SIGTERM or
SIGINT, at any moment, start-up included): stop taking updates, let handlers in flight finish,
give the outbox a few seconds, close the web server and the database, exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator

from aiohttp import web

from bot.context import WishwallApp
from storage.lock import InstanceLock

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
WEBHOOK_PATH = "/telegram"
# New connections the web server lets wait to be accepted. aiohttp's 128 is too few for the wall:
# a claim storm or a broadcast opens hundreds at once (a reverse proxy may open one per request),
# and past the backlog Linux drops the connection attempts, each retried a whole second later
# (bench/, scenario 7: 500 claims through the wall, p99 1.2 s -> 0.4 s). The kernel caps it at
# net.core.somaxconn.
LISTEN_BACKLOG = 1024


class ListenError(Exception):
    """The web server's address is taken or not ours; the message says which."""


class WebhookConfigError(Exception):
    """Webhook mode asked for without what it needs; the message says how to fix it."""


def webhook_endpoint(url: str) -> str:
    """The URL Telegram posts to: the configured public URL, ending in /telegram."""
    base = url.rstrip("/")
    return base if base.endswith(WEBHOOK_PATH) else base + WEBHOOK_PATH


def check_webhook_settings(webhook_url: str, secret: str) -> None:
    if not webhook_url:
        return
    if not webhook_url.startswith("https://"):
        raise WebhookConfigError("WISHWALL_WEBHOOK_URL must be an https:// URL (Telegram posts over TLS)")
    if not secret:
        raise WebhookConfigError(
            "webhook mode needs WISHWALL_WEBHOOK_SECRET, the token Telegram sends with every update; "
            "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )


async def serve(app: WishwallApp, stop: asyncio.Event, started: asyncio.Event | None = None) -> None:
    """Run until `stop` is set (`started` is set once it runs). Raises AlreadyRunning when
    another process holds the database."""
    from handlers.web.server import build_web  # the composition root: see the module docstring

    settings = app.services.settings
    lock = InstanceLock(settings.db)
    runner: web.AppRunner | None = None
    polling = False
    try:
        # The database first: a damaged or unreachable one is named before anything else.
        await app.initialize()
        lock.acquire()
        runner = web.AppRunner(build_web(app), access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, settings.listen_host, settings.listen_port, backlog=LISTEN_BACKLOG)
            await site.start()
        except OSError as exc:
            raise ListenError(f"cannot listen on {settings.listen} ({exc.strerror or exc})") from exc
        log.info("web server on %s (/healthz, /metrics)", settings.listen)
        if app.post_init is not None:
            await app.post_init(app)
        if settings.webhook_url:
            await app.bot.set_webhook(
                webhook_endpoint(settings.webhook_url),
                secret_token=settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("webhook mode: Telegram posts to %s", webhook_endpoint(settings.webhook_url))
        else:
            assert app.updater is not None
            await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)  # deletes a webhook
            polling = True
            log.info("long polling")
        await app.start()
        if started is not None:
            started.set()
        await stop.wait()
        log.info("stopping: finishing what is in flight")
    finally:
        await _wind_down(app, runner, polling=polling)
        lock.release()


async def _wind_down(app: WishwallApp, runner: web.AppRunner | None, *, polling: bool) -> None:
    """Whatever part of start-up happened is undone, in reverse; one failing step does not
    keep the others (above all closing the database) from happening."""
    if polling and app.updater is not None and app.updater.running:
        with _logged("stopping polling"):
            await app.updater.stop()
    if app.running:
        with _logged("stopping the application"):
            await app.stop()
    if runner is not None:
        with _logged("closing the web server"):
            await runner.cleanup()
    with _logged("shutting down"):
        await app.shutdown()
    with _logged("closing the HTTP client"):
        # A start-up stopped early ends before the application owns its HTTP client.
        await app.bot.request.shutdown()


@contextlib.contextmanager
def _logged(step: str) -> Iterator[None]:
    try:
        yield
    except Exception:
        log.warning("%s failed", step, exc_info=True)


async def run_until_signalled(app: WishwallApp) -> None:
    """serve() under SIGTERM/SIGINT: a signal during start-up cancels the start-up, one after
    it ends the wait; either way serve() winds down what it started."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    started = asyncio.Event()
    try:
        serving = asyncio.create_task(serve(app, stop, started))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not serving.done() and not started.is_set():
            # Stopped while starting (waiting for the API, say): cancel that step; serve()
            # winds down what it had started. Once running, it sees `stop` itself.
            serving.cancel()
        stopping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)

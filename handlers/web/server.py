"""Routes of the web server that runs inside `wishwall run` (aiohttp): /healthz, /metrics, the
webhook and the wish wall's API (handlers/web/wall/)."""

from __future__ import annotations

import hmac
import json
import logging
from pathlib import Path

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from telegram import Update

from bot.context import WishwallApp
from handlers.web.wall import add_wall_routes

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are small; anything much bigger is not from Telegram.
MAX_UPDATE_BYTES = 1024 * 1024
APP_KEY = web.AppKey("wishwall", WishwallApp)
# The wish wall's page: plain files, the same for everyone; who asks is settled by its API.
WALL_STATIC = Path(__file__).parent / "static"
# The page may load its own files and Telegram's script, and talk to its own API: nothing else.
WALL_CSP = (
    # Inline styles only because Telegram's script sets the client's custom styles that way.
    "default-src 'self'; script-src 'self' https://telegram.org; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'"
)


async def healthz(request: web.Request) -> web.Response:
    services = request.app[APP_KEY].services
    report = await services.health.report()
    return web.json_response(report.as_json(), status=200 if report.ok else 503)


async def metrics(request: web.Request) -> web.Response:
    services = request.app[APP_KEY].services
    await services.refresh_metrics()
    return web.Response(body=services.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def telegram_update(request: web.Request) -> web.Response:
    """An update Telegram pushes. Only requests carrying the secret given to setWebhook count;
    whoever else knows the URL is refused without the body being read or logged."""
    app = request.app[APP_KEY]
    secret = app.services.settings.webhook_secret
    given = request.headers.get(SECRET_HEADER, "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        log.warning("webhook request refused: wrong or missing secret token (from %s)", request.remote)
        return web.json_response({"ok": False, "error": "forbidden"}, status=403)
    try:
        payload = await request.json()
        update = Update.de_json(payload, app.bot)
    except (json.JSONDecodeError, ValueError, TypeError, KeyError):
        log.warning("webhook request with a body that is not an update")
        return web.json_response({"ok": False, "error": "not an update"}, status=400)
    if update is None:
        return web.json_response({"ok": False, "error": "not an update"}, status=400)
    # Handled by the same ordered, concurrent processor as polled updates; Telegram is answered now.
    await app.update_queue.put(update)
    return web.json_response({"ok": True})


async def wall_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(
        WALL_STATIC / "index.html",
        headers={"Content-Security-Policy": WALL_CSP, "Cache-Control": "no-cache"},
    )


async def wall_redirect(request: web.Request) -> web.Response:
    # The page's links are relative to /wall/, so /wall alone would break them.
    raise web.HTTPPermanentRedirect(f"/wall/{request.query_string and '?' + request.query_string}")


def build_web(app: WishwallApp) -> web.Application:
    web_app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    web_app[APP_KEY] = app
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    web_app.router.add_get("/wall", wall_redirect)
    web_app.router.add_get("/wall/", wall_page)
    web_app.router.add_static("/wall/static/", WALL_STATIC)
    if app.services.settings.webhook_url:
        web_app.router.add_post("/telegram", telegram_update)
    # The wish wall's API: handlers reach the core only (app.services.core), like chat handlers.
    add_wall_routes(web_app, app.services.core)
    return web_app

"""Routes of the web server that runs inside `wishwall run` (aiohttp)."""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from telegram import Update

from bot.context import WishwallApp

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are small; anything much bigger is not from Telegram.
MAX_UPDATE_BYTES = 1024 * 1024
APP_KEY = web.AppKey("wishwall", WishwallApp)


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


def build_web(app: WishwallApp) -> web.Application:
    web_app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    web_app[APP_KEY] = app
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    if app.services.settings.webhook_url:
        web_app.router.add_post("/telegram", telegram_update)
    return web_app

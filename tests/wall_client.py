"""Playing the Mini App in tests: initData signed as Telegram documents it, and a client for the
bot's own web server (aiohttp.test_utils; pytest-aiohttp is not used).

The signer is written from Telegram's description, independently of the library the server
uses: the data-check-string is every field but `hash` as `key=value` lines in alphabetical
order joined by newlines; the secret key is HMAC-SHA256 of the bot token keyed with
"WebAppData"; `hash` is the hex HMAC-SHA256 of the data-check-string with that key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp.test_utils import TestClient, TestServer

from bot.context import WishwallApp
from handlers.web.server import build_web


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={value}" for key, value in sorted(fields.items()) if key != "hash")


def sign(fields: dict[str, str], token: str) -> str:
    """The query string a Mini App receives as Telegram.WebApp.initData."""
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, data_check_string(fields).encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def user_fields(
    user_id: int, when: datetime, *, lang: str | None = "zh", first_name: str = "测试"
) -> dict[str, str]:
    user: dict[str, Any] = {"id": user_id, "first_name": first_name, "allows_write_to_pm": True}
    if lang is not None:
        user["language_code"] = lang
    return {
        "query_id": f"AAH{user_id}",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(when.timestamp())),
    }


def init_data(user_id: int, when: datetime, token: str, *, lang: str | None = "zh") -> str:
    return sign(user_fields(user_id, when, lang=lang), token)


class Wall:
    """The wall's API as one user's Mini App calls it."""

    def __init__(self, client: TestClient[Any, Any], app: WishwallApp) -> None:
        self.client = client
        self.app = app

    def header(self, user_id: int, lang: str | None = "zh") -> dict[str, str]:
        services = self.app.services
        data = init_data(user_id, services.clock.now(), services.settings.bot_token, lang=lang)
        return {"Authorization": f"tma {data}"}

    async def call(
        self, method: str, path: str, user_id: int | None, *, lang: str | None = "zh", **kwargs: Any
    ) -> tuple[int, dict[str, Any]]:
        headers = dict(kwargs.pop("headers", {}))
        if user_id is not None:
            headers.update(self.header(user_id, lang))
        async with self.client.request(method, path, headers=headers, **kwargs) as response:
            assert response.content_type == "application/json", await response.text()
            return response.status, await response.json()

    async def get(self, path: str, user_id: int | None, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        return await self.call("GET", path, user_id, **kwargs)

    async def post(self, path: str, user_id: int | None, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        return await self.call("POST", path, user_id, **kwargs)


@asynccontextmanager
async def wall(app: WishwallApp) -> AsyncIterator[Wall]:
    client: TestClient[Any, Any] = TestClient(TestServer(build_web(app), host="127.0.0.1"))
    await client.start_server()
    try:
        yield Wall(client, app)
    finally:
        await client.close()

"""A proxy named in the environment is still used, though aiohttp no longer looks it up per request
(trust_env is off: the look-ups cost two thread hops per request under load)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import build_application
from bot.messaging.http_session import env_proxy
from bot.settings import Settings

API = "http://api.telegram.invalid"  # resolvable by nobody: only a proxy can reach it
_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in _PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


@pytest.fixture
async def proxy() -> AsyncIterator[tuple[TestServer, list[str]]]:
    """An HTTP proxy that answers every Bot API call itself, noting the URL asked for."""
    seen: list[str] = []

    async def forward(request: web.Request) -> web.Response:
        seen.append(str(request.url))
        user = {"id": 1, "is_bot": True, "first_name": "W", "username": "wishwall_bot"}
        return web.json_response({"ok": True, "result": user})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server, seen
    finally:
        await server.close()


async def test_the_bot_reaches_the_api_through_the_proxy_the_environment_names(
    clean_env: pytest.MonkeyPatch, proxy: tuple[TestServer, list[str]], tmp_path: Any
) -> None:
    server, seen = proxy
    clean_env.setenv("HTTP_PROXY", str(server.make_url("/")))
    app = build_application(Settings(bot_token="123:abc", bot_api_url=API, db=str(tmp_path / "w.db")))
    await app.bot.initialize()  # getMe
    try:
        assert app.bot.username == "wishwall_bot"
        assert seen and seen[0].startswith(f"{API}/bot123:abc/getMe")
    finally:
        await app.bot.shutdown()


def test_the_proxy_is_read_once_from_the_environment_as_aiohttp_would(clean_env: pytest.MonkeyPatch) -> None:
    assert env_proxy(API) is None
    clean_env.setenv("HTTPS_PROXY", "http://user:secret@proxy.example:3128")
    found = env_proxy("https://api.telegram.org")
    assert found is not None and found.url == "http://proxy.example:3128"
    assert found.auth is not None and found.auth.login == "user"
    assert env_proxy(API) is None  # only HTTPS_PROXY: a plain-http API goes direct
    clean_env.setenv("NO_PROXY", "api.telegram.org")
    assert env_proxy("https://api.telegram.org") is None


@pytest.mark.parametrize("courier", [True, False])
async def test_taps_answers_take_the_same_proxy_from_the_courier_process_or_not(
    clean_env: pytest.MonkeyPatch, proxy: tuple[TestServer, list[str]], tmp_path: Any, courier: bool
) -> None:
    """Without the courier, answers go on kept-alive connections of their own
    (bot/messaging/keepalive_request.py), which speak to the API directly: behind a proxy they
    take aiohttp like everything else."""
    server, seen = proxy
    clean_env.setenv("HTTP_PROXY", str(server.make_url("/")))
    settings = Settings(
        bot_token="123:abc", bot_api_url=API, db=str(tmp_path / "w.db"), answer_courier=courier
    )
    app = build_application(settings)
    await app.bot.initialize()
    try:
        await app.bot.answer_callback_query("q1", text="ok")
        assert seen[-1].startswith(f"{API}/bot123:abc/answerCallbackQuery")
    finally:
        await app.bot.shutdown()

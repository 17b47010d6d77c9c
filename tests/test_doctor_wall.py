"""`wishwall doctor` on the wish wall's settings: not set up is fine and says so; an address
must be https (refused with the settings) and reach the page and its API that this bot's web
server serves at /wall/, and when it does not, the line says which side is missing."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.operations import wall_check
from bot.operations.checklist import Item
from bot.operations.wall_check import local_url, served, wall_items
from bot.settings import Settings
from handlers.web.server import WALL_STATIC, build_web
from tests.conftest import Bot
from tests.test_operations_cli import _wishwall

PUBLIC = "https://bot.example.org/wall/"


def _lines(report: str, name: str) -> list[str]:
    return [line for line in report.splitlines() if line[2:].startswith(f"{name}:")]


# --- as an operator runs it ----------------------------------------------------------------------


def test_a_wall_not_set_up_is_fine_and_says_what_it_would_give(tmp_path: Path) -> None:
    report = _wishwall(tmp_path, "doctor", "--offline", WISHWALL_BOT_TOKEN="1:x").stdout
    (line,) = _lines(report, "wall")
    assert line.startswith("✓ wall: not set up (WISHWALL_WALL_URL and WISHWALL_WALL_APP are empty)")
    assert "README" in line
    assert not _lines(report, "wall app")


def test_offline_a_wall_address_and_short_name_are_read_without_fetching(tmp_path: Path) -> None:
    report = _wishwall(
        tmp_path,
        "doctor",
        "--offline",
        WISHWALL_BOT_TOKEN="1:x",
        WISHWALL_WALL_URL=PUBLIC,
        WISHWALL_WALL_APP="wall",
    ).stdout
    assert _lines(report, "wall") == [f"✓ wall: {PUBLIC} (not fetched: --offline)"]
    (app,) = _lines(report, "wall app")
    assert app.startswith("✓ wall app: wall: group cards link to https://t.me/<bot>/wall?startapp=W-0042")


def test_an_address_that_is_not_the_wall_page_is_named_with_the_fix(tmp_path: Path) -> None:
    report = _wishwall(
        tmp_path,
        "doctor",
        "--offline",
        WISHWALL_BOT_TOKEN="1:x",
        WISHWALL_WALL_URL="https://bot.example.org/app",
    )
    assert report.returncode == 1
    (line,) = _lines(report.stdout, "wall")
    assert line.startswith("✗ wall: https://bot.example.org/app/ is not a /wall/ address")
    assert "set WISHWALL_WALL_URL=https://bot.example.org/wall/" in line and "127.0.0.1:8080" in line
    (app,) = _lines(report.stdout, "wall app")
    assert app.startswith("✓ wall app: WISHWALL_WALL_APP is not set: group cards carry no link")


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        (
            "WISHWALL_WALL_URL",
            "http://bot.example.org/wall/",
            "WISHWALL_WALL_URL must be the wall page's https://",
        ),
        ("WISHWALL_WALL_URL", "bot.example.org/wall/", "https://"),
        ("WISHWALL_WALL_APP", "my wall", "WISHWALL_WALL_APP must be the Mini App's short name"),
        ("WISHWALL_WALL_APP", "ab", "3-30 letters, digits or _"),
    ],
)
def test_wall_settings_that_could_never_work_are_the_settings_line(
    tmp_path: Path, variable: str, value: str, says: str
) -> None:
    report = _wishwall(tmp_path, "doctor", "--offline", **{variable: value})
    assert report.returncode == 1 and report.stdout.startswith("✗ settings:")
    assert says in report.stdout and "Traceback" not in report.stderr


# --- the address fetched -----------------------------------------------------------------------


@asynccontextmanager
async def serving(web_app: web.Application) -> AsyncIterator[str]:
    server = TestServer(web_app, host="127.0.0.1")
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _another_site() -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="<html>Welcome to nginx!</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", hello)
    return app


def _page_only() -> web.Application:
    """A proxy that passes the page (exactly /wall/) but not the API under it."""

    async def page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(WALL_STATIC / "index.html")

    app = web.Application()
    app.router.add_get("/wall/", page)
    return app


async def test_the_bots_own_server_serves_the_page_and_its_api(bot: Bot) -> None:
    async with serving(build_web(bot.app)) as base:
        assert (await served(f"{base}/wall/")).ok
    async with serving(_another_site()) as base:
        other = await served(f"{base}/wall/")
        assert not other.page and "not with the wall's page" in other.problem
    async with serving(_page_only()) as base:
        half = await served(f"{base}/wall/")
        assert half.page and not half.api and "api/me" in half.problem and "404" in half.problem
    gone = await served(f"http://127.0.0.1:{_closed_port()}/wall/")
    assert not gone.ok and gone.problem.startswith("no answer (")


async def _check(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, public: str | None, listen: str
) -> list[Item]:
    """wall_items online, with the public address answered by `public` (a local base URL, or
    nothing) and the bot's web server at `listen`."""
    real: Callable[[str], Awaitable[wall_check.Served]] = served

    async def fetch(url: str) -> wall_check.Served:
        if url.startswith(PUBLIC):
            if public is None:
                return wall_check.Served(
                    False, False, "no answer (Cannot connect to host bot.example.org:443)"
                )
            url = url.replace("https://bot.example.org", public)
        return await real(url)

    monkeypatch.setattr(wall_check, "served", fetch)
    configured = settings.model_copy(update={"wall_url": PUBLIC, "wall_app": "wall", "listen": listen})
    return await wall_items(configured, online=True, bot_username="wishwall_bot")


async def test_online_a_wall_that_answers_is_fine(
    bot: Bot, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(build_web(bot.app)) as base:
        wall, app = await _check(settings, monkeypatch, base, f"127.0.0.1:{_closed_port()}")
    assert wall == Item("wall", True, f"{PUBLIC} serves the wall's page and its API")
    assert app.ok and "https://t.me/wishwall_bot/wall?startapp=W-0042" in app.detail


async def test_online_the_bot_serves_the_wall_but_the_proxy_does_not_pass_it(
    bot: Bot, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(build_web(bot.app)) as base:
        listen = base.removeprefix("http://")
        (wall, _) = await _check(settings, monkeypatch, None, listen)
    assert not wall.ok and wall.detail.startswith(f"{PUBLIC}: no answer")
    assert wall.fix.startswith(f"the bot serves the wall at http://{listen}/wall/: make the reverse proxy")
    assert f"pass everything under /wall/ (the page and /wall/api/) to {listen}" in wall.fix

    async with serving(build_web(bot.app)) as bot_base, serving(_page_only()) as proxy:
        (wall, _) = await _check(settings, monkeypatch, proxy, bot_base.removeprefix("http://"))
    assert not wall.ok and "api/me" in wall.detail and "the bot serves the wall at" in wall.fix


async def test_online_nothing_serves_the_wall_so_the_bot_must_start_first(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    listen = f"127.0.0.1:{_closed_port()}"
    async with serving(_another_site()) as base:
        (wall, _) = await _check(settings, monkeypatch, base, listen)
    assert not wall.ok and "not with the wall's page" in wall.detail
    assert wall.fix.startswith(f"nothing serves the wall at http://{listen}/wall/ either (no answer")
    assert "start the bot (`wishwall run`" in wall.fix


def test_the_bots_own_address_as_this_machine_reaches_it(settings: Settings) -> None:
    def at(listen: str) -> str:
        return local_url(settings.model_copy(update={"listen": listen}))

    assert at("127.0.0.1:8080") == "http://127.0.0.1:8080/wall/"
    assert at("0.0.0.0:9000") == "http://127.0.0.1:9000/wall/"
    assert at("[::]:8080") == "http://[::1]:8080/wall/"
    assert at("localhost:81") == "http://localhost:81/wall/"

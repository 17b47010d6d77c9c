"""`wishwall doctor`'s lines about the wish wall: whether it is set up at all (not being set up
is fine: then there is simply no menu button and no card link), whether WISHWALL_WALL_URL
reaches the page and its API that this bot's web server serves at /wall/ on WISHWALL_LISTEN,
and what the Mini App's short name gives.

Values that could never work (an http:// address, a short name BotFather would refuse) are
refused when the settings are read, so they are the checklist's settings line (bot/settings.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from bot.operations.checklist import Item
from bot.settings import Settings

WALL_PATH = "/wall/"
TIMEOUT_SECONDS = 10.0
# What tells the wall's page from any other: the script index.html loads.
PAGE_MARK = b"static/wall.js"
PAGE_READ_BYTES = 64 * 1024
SETUP = "see README, 'The wall in Telegram'"


@dataclass(frozen=True)
class Served:
    """What one address answered for the wall's page and for its API."""

    page: bool
    api: bool
    problem: str = ""  # what went wrong, as the operator reads it

    @property
    def ok(self) -> bool:
        return self.page and self.api


async def wall_items(settings: Settings, *, online: bool, bot_username: str | None) -> list[Item]:
    url, app = settings.wall_url, settings.wall_app
    if not url and not app:
        return [
            Item(
                "wall",
                True,
                "not set up (WISHWALL_WALL_URL and WISHWALL_WALL_APP are empty): no menu button, "
                f"no wall button under the welcome, no link on group cards; to offer it, {SETUP}",
            )
        ]
    if url:
        first = await _address(settings, online)
    else:
        first = Item(
            "wall",
            True,
            "WISHWALL_WALL_URL is not set: no menu button, and the welcome's button opens the wall "
            "through its t.me link",
        )
    return [first, _short_name(app, bot_username)]


async def _address(settings: Settings, online: bool) -> Item:
    url = settings.wall_url
    local = local_url(settings)
    at_wall = urlsplit(url).path.endswith(WALL_PATH)
    where = f"pass everything under /wall/ (the page and /wall/api/) to {settings.listen}"
    if not online:
        if at_wall:
            return Item("wall", True, f"{url} (not fetched: --offline)")
        return Item(
            "wall",
            False,
            f"{url} is not a /wall/ address, where the bot serves the page",
            f"set WISHWALL_WALL_URL=https://{urlsplit(url).netloc}/wall/ and let the reverse proxy {where}"
            " (a proxy that rewrites the path: run the doctor without --offline to check it)",
        )
    if not at_wall:
        where += f", and end WISHWALL_WALL_URL in /wall/ unless the proxy rewrites the path ({SETUP})"
    public = await served(url)
    if public.ok:
        return Item("wall", True, f"{url} serves the wall's page and its API")
    mine = await served(local)
    if mine.ok:
        fix = f"the bot serves the wall at {local}: make the reverse proxy {where}"
    else:
        fix = (
            f"nothing serves the wall at {local} either ({mine.problem}): start the bot "
            f"(`wishwall run` serves it on WISHWALL_LISTEN), then make the reverse proxy {where}"
        )
    return Item("wall", False, f"{url}: {public.problem}", fix)


def _short_name(app: str, bot_username: str | None) -> Item:
    if not app:
        return Item(
            "wall app",
            True,
            "WISHWALL_WALL_APP is not set: group cards carry no link to the wall (set it to the "
            "short name BotFather's /newapp gave the Mini App)",
        )
    bot = bot_username or "<bot>"
    asked = "" if bot_username else " (the bot's username not asked: --offline or no token)"
    return Item(
        "wall app", True, f"{app}: group cards link to https://t.me/{bot}/{app}?startapp=W-0042{asked}"
    )


def local_url(settings: Settings) -> str:
    """The wall's page on this bot's own web server (WISHWALL_LISTEN), as this machine reaches it."""
    host = settings.listen_host
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.listen_port}{WALL_PATH}"


async def served(base: str) -> Served:
    """Whether `base` (an address ending in /) answers with the wall's page, and its API with
    the 401 JSON it gives a request without Telegram's initData."""
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(base) as response:
                start = await response.content.read(PAGE_READ_BYTES)
                if response.status != 200:
                    return Served(False, False, f"the page answered HTTP {response.status}")
                if PAGE_MARK not in start:
                    return Served(False, False, "it answers, but not with the wall's page")
            async with session.get(base + "api/me") as response:
                if response.status != 401 or response.content_type != "application/json":
                    return Served(
                        True,
                        False,
                        f"the page loads, but its API (api/me) answered HTTP {response.status},"
                        " not the wall's 401",
                    )
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Served(False, False, f"no answer ({str(exc) or type(exc).__name__})")
    return Served(True, True)

"""The wish wall's page as the web server hands it out: its files, their size, and the rule that
it loads nothing from the internet but Telegram's own script (ARCHITECTURE.md, "One web server").
How it behaves is tested in a real browser (tests/browser/)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_application
from bot.demo.offline import OfflineBotApi
from bot.settings import Settings
from handlers.web.server import WALL_STATIC, build_web

TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
# A name, not an address: the namespace the dashboard's chart is drawn in.
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
ASSETS_MAX_BYTES = 150 * 1024


def _assets() -> list[Path]:
    return sorted(p for p in WALL_STATIC.rglob("*") if p.is_file())


def test_the_page_is_small_and_names_no_other_site() -> None:
    assets = _assets()
    assert {p.name for p in assets} >= {"index.html", "wall.css", "wall.js"}
    assert sum(p.stat().st_size for p in assets) < ASSETS_MAX_BYTES
    for path in assets:
        urls = set(
            re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[a-z]{2,}[^\s\"')]*", path.read_text(encoding="utf-8"))
        )
        assert urls <= {TELEGRAM_SCRIPT, SVG_NAMESPACE}, (path.name, urls)
    page = (WALL_STATIC / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<script[^>]*src=\"([^\"]+)\"", page) == [TELEGRAM_SCRIPT, "static/wall.js"]
    assert "@import" not in (WALL_STATIC / "wall.css").read_text(encoding="utf-8")  # no web fonts


def test_both_languages_have_every_text_of_the_page() -> None:
    script = (WALL_STATIC / "wall.js").read_text(encoding="utf-8")
    tables = {
        lang: set(re.findall(r"(\w+): '", block))
        for lang, block in re.findall(r"\n    (zh|en): \{(.*?)\n    \}", script, re.S)
    }
    assert set(tables) == {"zh", "en"} and len(tables["zh"]) > 40
    assert tables["zh"] == tables["en"]
    page = (WALL_STATIC / "index.html").read_text(encoding="utf-8")
    used = set(re.findall(r"data-t(?:-placeholder)?=\"(\w+)\"", page)) | set(
        re.findall(r"\bt\('(\w+)'[,)]", script)
    )
    assert used <= tables["en"], used - tables["en"]


async def test_the_server_serves_the_page_with_its_rules(settings: Settings) -> None:
    app = build_application(settings, request=OfflineBotApi())
    client: TestClient[Any, Any] = TestClient(TestServer(build_web(app), host="127.0.0.1"))
    await client.start_server()
    try:
        async with client.get("/wall/") as page:
            assert page.status == 200 and page.content_type == "text/html"
            policy = page.headers["Content-Security-Policy"]
            assert "script-src 'self' https://telegram.org;" in policy and "connect-src 'self'" in policy
            assert "wall.js" in await page.text()
        async with client.get("/wall?startapp=W-0042", allow_redirects=False) as bare:
            assert bare.status == 308 and bare.headers["Location"] == "/wall/?startapp=W-0042"
        for name, kind in (("wall.js", "javascript"), ("wall.css", "text/css")):
            async with client.get(f"/wall/static/{name}") as asset:
                assert asset.status == 200 and kind in asset.content_type
        async with client.get("/wall/static/../server.py") as escape:
            assert escape.status in (403, 404)
    finally:
        await client.close()

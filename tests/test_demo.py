"""`wishwall demo`: the world it builds through the services, the sign-in that only it has and
only on loopback, and what it refuses (another host, a database it did not make)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_application
from bot.cli import main
from bot.clock import FakeClock
from bot.demo import cast
from bot.demo.offline import OfflineBotApi
from bot.demo.server import DemoRefused, build_world, demo_settings, prepare
from bot.demo.signin import PATH, SignIn, add_signin_routes, is_loopback, mint_init_data
from bot.models import WishStatus
from bot.people.organisation import SYSTEM
from bot.services import Services
from bot.settings import Settings
from bot.wall.auth import Unauthorized, authenticate
from handlers.web.server import build_web

TOKEN = "1234567890:demo-token-for-tests"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """One demo database for the module (building it takes a few seconds)."""
    settings = demo_settings(tmp_path_factory.mktemp("demo") / "demo.db", TOKEN)
    asyncio.run(build_world(settings))
    yield settings
    asyncio.set_event_loop_policy(None)


def _rows(settings: Settings, sql: str) -> list[Any]:
    with sqlite3.connect(settings.db) as conn:
        return conn.execute(sql).fetchall()


def test_the_demo_community_has_branches_members_and_wishes_in_every_state(world: Settings) -> None:
    assert _rows(world, "SELECT name FROM communities") == [(cast.COMMUNITY,)]
    assert len(_rows(world, "SELECT id FROM branches")) == 3
    assert _rows(world, "SELECT COUNT(*) FROM memberships WHERE status = 'active'") == [(30,)]
    assert len(_rows(world, "SELECT chat_id FROM groups")) == 3
    statuses = dict(_rows(world, "SELECT status, COUNT(*) FROM wishes GROUP BY status"))
    assert set(statuses) == {s.value for s in WishStatus}
    assert 55 <= sum(statuses.values()) <= 70
    assert statuses["open"] >= 10  # the wall has something to browse
    joint = _rows(world, "SELECT COUNT(*) FROM wishes WHERE needed_members > 1")
    assert joint[0][0] >= 3


def test_the_history_is_ten_weeks_of_real_use(world: Settings) -> None:
    """Every wish came through the lifecycle: its events, from creation on, dated over the weeks."""
    first, last = _rows(world, "SELECT MIN(at), MAX(at) FROM events WHERE wish_id IS NOT NULL")[0]
    span = datetime.fromisoformat(last.replace("Z", "+00:00")) - datetime.fromisoformat(
        first.replace("Z", "+00:00")
    )
    assert span >= timedelta(weeks=9)
    assert _rows(
        world,
        "SELECT COUNT(*) FROM wishes w WHERE NOT EXISTS"
        " (SELECT 1 FROM events e WHERE e.wish_id = w.id AND e.action = 'create')",
    ) == [(0,)]
    actions = {a for (a,) in _rows(world, "SELECT DISTINCT action FROM events")}
    assert {
        "create",
        "verify",
        "post",
        "claim",
        "deliver",
        "confirm",
        "release",
        "extend",
        "dispute",
        "reject",
        "cancel",
        "join",
    } <= actions
    weeks = _rows(world, "SELECT COUNT(DISTINCT strftime('%W', at)) FROM events WHERE action = 'confirm'")
    assert weeks[0][0] >= 7
    overdue = _rows(world, "SELECT COUNT(*) FROM wishes WHERE status = 'claimed' AND due_date < date('now')")
    assert overdue[0][0] >= 1
    assert _rows(world, "SELECT COUNT(*) FROM outbox")[0][0] > 0  # what the changes told people


async def test_the_demo_reopens_its_own_database_and_refuses_any_other(
    world: Settings, tmp_path: Path
) -> None:
    assert await prepare(world) is False  # its own: reopened, nothing rebuilt

    real = demo_settings(tmp_path / "real.db", TOKEN)
    services = Services.build(real, FakeClock(datetime(2026, 11, 2, tzinfo=UTC)))
    await services.db.open()
    await services.org.create_community(SYSTEM, "幸福社区")
    await services.close()
    with pytest.raises(DemoRefused, match="not a demo database"):
        await prepare(real)


def test_only_loopback_addresses_count() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.org", ""))


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::"])
def test_the_demo_refuses_to_listen_beyond_this_computer(
    host: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--host", host, "--port", "0", "--db", str(tmp_path / "demo.db")]) == 2
    assert "this computer only" in capsys.readouterr().err
    assert not (tmp_path / "demo.db").exists()  # refused before anything was built


async def test_sign_in_is_signed_with_the_demo_token_and_passes_the_real_check() -> None:
    now = datetime.now(UTC)
    data = mint_init_data(TOKEN, cast.member_id(0), "王建国", "en", now, "W-0042")
    user = authenticate(f"tma {data}", TOKEN, now)
    assert (user.id, user.first_name, user.language_code) == (cast.member_id(0), "王建国", "en")
    assert parse_qs(data)["start_param"] == ["W-0042"]
    with pytest.raises(Unauthorized):
        authenticate(f"tma {data}", "1234567890:another-token", now)


def _app(settings: Settings) -> Any:
    return build_application(settings, request=OfflineBotApi())


async def test_the_sign_in_page_lists_the_people_and_opens_the_wall_as_one(world: Settings) -> None:
    app = _app(world)
    await app.services.db.open()
    web_app = build_web(app)
    add_signin_routes(web_app, SignIn(app.services, TOKEN, app.services.clock.now))
    client: TestClient[Any, Any] = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    try:
        async with client.get(f"{PATH}?lang=en") as page:
            text = await page.text()
        assert page.status == 200 and "Choose a person" in text
        assert all(name in text for name, _ in cast.MEMBERS) and cast.COORDINATORS[0][0] in text
        async with client.get(
            f"{PATH}/as/{cast.member_id(3)}?lang=zh&startapp=W-0050", allow_redirects=False
        ) as hop:
            location = hop.headers["Location"]
        assert hop.status == 302 and location.startswith("/wall/?startapp=W-0050#")
        fragment = parse_qs(location.split("#", 1)[1])
        assert fragment["tgWebAppStartParam"] == ["W-0050"]
        header = {"Authorization": f"tma {fragment['tgWebAppData'][0]}"}
        async with client.get("/wall/api/me", headers=header) as me:
            body = await me.json()
        assert body["user"]["id"] == cast.member_id(3) and body["user"]["lang"] == "zh"
        # A name pointed at 127.0.0.1 from elsewhere (DNS rebinding) does not sign anyone in.
        for host in ("evil.example.org", "evil.example.org:8080", "192.168.1.10:8080"):
            for path in (PATH, f"{PATH}/as/{cast.member_id(0)}"):
                async with client.get(path, headers={"Host": host}, allow_redirects=False) as rebound:
                    assert rebound.status == 403
        for outsider in ("12345", "not-a-number", str(cast.MEMBER_BASE + 500)):
            async with client.get(f"{PATH}/as/{outsider}", allow_redirects=False) as refused:
                assert refused.status == 404
    finally:
        await client.close()
        await app.services.close()


async def test_the_normal_web_server_has_no_demo_sign_in(settings: Settings) -> None:
    """Only `wishwall demo` adds it: the bot's own server answers 404 there."""
    app = _app(settings)
    web_app = build_web(app)
    paths = {r.canonical for r in web_app.router.resources()}
    assert not any(p.startswith(PATH) for p in paths)
    client: TestClient[Any, Any] = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    try:
        for path in (PATH, f"{PATH}/as/{cast.member_id(0)}"):
            async with client.get(path, allow_redirects=False) as response:
                assert response.status == 404
    finally:
        await client.close()

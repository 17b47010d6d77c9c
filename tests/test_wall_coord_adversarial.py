"""Coordinators' wall routes under attack: members and strangers calling them, a coordinator of
another community acting on this one's wishes, forged codes, dates in the past, reassigning to
someone who is not a member, bodies of the wrong shape or size, no initData. Every refusal is
JSON with the right status, and nothing changes: no wish, no message sent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.models import Wish
from tests.adversarial.test_matrix import PERSONAL
from tests.conftest import Bot
from tests.factories import draft
from tests.test_wall_api import MEMBER_C, SUSPENDED, code, setup
from tests.test_wall_coord_api import cells, late, sheet
from tests.wall_client import wall
from tests.world import USERS, World

Call = tuple[str, str, dict[str, Any]]


def coordinator_calls(world: World) -> list[Call]:
    """Every coordinators' route, with arguments a coordinator of community A would succeed with."""
    return [
        ("POST", f"/wall/api/wishes/{code(world.pending)}/verify", {}),
        ("POST", f"/wall/api/wishes/{code(world.pending)}/reject", {"json": {"reason": "信息不实"}}),
        ("POST", f"/wall/api/wishes/{code(world.verified)}/post", {}),
        ("POST", f"/wall/api/wishes/{code(world.verified)}/post", {"json": {"branch": 1}}),
        ("POST", f"/wall/api/wishes/{code(world.claimed)}/keep-chasing", {}),
        ("POST", f"/wall/api/wishes/{code(world.claimed)}/reassign", {"json": {"member": MEMBER_C}}),
        ("POST", f"/wall/api/wishes/{code(world.claimed)}/reassign", {}),
        ("POST", f"/wall/api/wishes/{code(world.claimed)}/extend", {"json": {"date": "2027-01-20"}}),
        ("GET", "/wall/api/members?community=1", {}),
        ("GET", "/wall/api/balance?community=1", {}),
        ("POST", "/wall/api/balance", {"json": {"community": 1, "plan": "0" * 32}}),
        ("GET", "/wall/api/claim-sheet?community=1", {}),
        ("GET", "/wall/api/claim-sheet?community=1&public=1", {}),
    ]


async def wishes_of(bot: Bot, world: World) -> list[Wish]:
    ids = (world.pending, world.verified, world.open, world.claimed, world.delivered)
    return [await bot.services.wishes.get(i) for i in ids]


def sent(bot: Bot) -> int:
    return len(bot.api.calls)


@pytest.mark.parametrize(
    "role",
    ["holder", "non_holder", "suspended", "stranger", "coord_b"],
)
async def test_only_the_communitys_coordinators_may_call_them(bot: Bot, role: str) -> None:
    world = await late(bot)
    user_id = {
        "holder": USERS["member_a"],
        "non_holder": MEMBER_C,
        "suspended": SUSPENDED,
        "stranger": USERS["stranger"],
        "coord_b": USERS["coord_b"],
    }[role]
    before = await wishes_of(bot, world)
    await bot.driver.settle()
    calls_before = sent(bot)
    async with wall(bot.app) as w:
        for method, path, kwargs in coordinator_calls(world):
            if role == "holder" and path.endswith("/extend"):
                continue  # the holder may ask for more time themselves (the members' route)
            status, body = await w.call(method, path, user_id, **kwargs)
            assert (status, body["error"]) == (403, "forbidden"), (role, path, body)
            assert body["message"] and not any(p in json.dumps(body, ensure_ascii=False) for p in PERSONAL)
    assert await wishes_of(bot, world) == before
    await bot.driver.settle()
    assert sent(bot) == calls_before  # nobody was told anything
    if role == "coord_b":
        refused = {e.action for w_id in (world.pending, world.verified, world.claimed)
                   for e in await bot.services.events.for_wish(w_id) if e.action.startswith("refused.")}  # fmt: skip
        assert refused >= {"refused.verify", "refused.reject", "refused.post", "refused.reassign"}


async def test_a_coordinator_of_community_a_cannot_act_on_community_bs_wish(bot: Bot) -> None:
    await setup(bot)
    services = bot.services
    other = await services.directory.actor(USERS["coord_b"], "zh")
    b_wish = await services.wishes.create(other, draft("和平的心愿"), 2)
    async with wall(bot.app) as w:
        for verb, body in (("verify", {}), ("reject", {"reason": "x"}), ("post", {}), ("reassign", {})):
            status, answer = await w.post(
                f"/wall/api/wishes/{b_wish.code}/{verb}", USERS["coord_a"], json=body
            )
            assert (status, answer["error"]) == (403, "forbidden"), verb
        for path in ("members?community=2", "balance?community=2", "dashboard?community=2"):
            status, answer = await w.get(f"/wall/api/{path}", USERS["coord_a"])
            assert (status, answer["error"]) == (403, "forbidden"), path
        status, answer = await w.post(
            "/wall/api/balance", USERS["coord_a"], json={"community": 2, "plan": "ab"}
        )
        assert (status, answer["error"]) == (403, "forbidden")
        status, answer = await w.get("/wall/api/claim-sheet?community=2", USERS["coord_a"])
        assert (status, answer["error"]) == (403, "forbidden")
    assert await services.wishes.get(b_wish.id) == b_wish


@pytest.mark.parametrize(
    "forged", ["W-99999", "W-0001x", "abc", "-1", "0", "W-" + "9" * 40, "%2e%2e", "W-0001%00"]
)
async def test_a_tampered_code_is_an_unknown_wish(bot: Bot, forged: str) -> None:
    world = await setup(bot)
    before = await wishes_of(bot, world)
    async with wall(bot.app) as w:
        for verb in ("verify", "reject", "post", "keep-chasing", "reassign"):
            status, body = await w.post(
                f"/wall/api/wishes/{forged}/{verb}",
                USERS["coord_a"],
                json={"reason": "x"} if verb == "reject" else {},
            )
            assert (status, body["ok"], body["error"]) == (404, False, "not_found"), (verb, body)
    assert await wishes_of(bot, world) == before


async def test_dates_in_the_past_and_reassigning_to_a_non_member_are_refused(bot: Bot) -> None:
    world = await late(bot)  # today is 2027-01-05
    before = await wishes_of(bot, world)
    claimed = code(world.claimed)
    async with wall(bot.app) as w:
        for path, body in (
            (f"/wall/api/wishes/{claimed}/extend", {"date": "2027-01-04"}),
            (f"/wall/api/wishes/{claimed}/extend", {"date": "2020-02-30"}),
            (f"/wall/api/wishes/{claimed}/reassign", {"member": MEMBER_C, "date": "2026-12-01"}),
            (f"/wall/api/wishes/{claimed}/reassign", {"member": USERS["stranger"]}),
            (f"/wall/api/wishes/{claimed}/reassign", {"member": USERS["member_b"]}),
            (f"/wall/api/wishes/{claimed}/reassign", {"member": SUSPENDED}),
        ):
            status, answer = await w.post(path, USERS["coord_a"], json=body, lang="en")
            assert (status, answer["error"]) == (400, "bad_request"), (path, body, answer)
            assert answer["message"]
    assert await wishes_of(bot, world) == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("verify", b"not json"),
        ("verify", b"[1, 2]"),
        ("verify", b'{"member": 1}'),
        ("reject", b'{"reason": ["x"]}'),
        ("post", b'{"branch": "1"}'),
        ("post", b'{"branch": true}'),
        ("post", b'{"branch": 1.5}'),
        ("post", b'{"branch": 0}'),
        ("reassign", b'{"member": "23"}'),
        ("reassign", b'{"member": 99999999999999999999999}'),
        ("reassign", b'{"member": 23, "date": "05/01/2027"}'),
        ("reassign", b'{"member": 23, "holder": 21}'),
        ("keep-chasing", b'{"x": 1}'),
        ("balance", b'{"community": 1, "plan": "../../etc"}'),
        ("balance", b'{"community": 1}'),
        ("balance", b'{"community": "1", "plan": "ab"}'),
    ],
)
async def test_bodies_of_the_wrong_shape_are_refused(bot: Bot, path: str, body: bytes) -> None:
    world = await late(bot)
    before = await wishes_of(bot, world)
    target = {
        "verify": world.pending,
        "reject": world.pending,
        "post": world.verified,
        "reassign": world.claimed,
        "keep-chasing": world.claimed,
    }
    url = "/wall/api/balance" if path == "balance" else f"/wall/api/wishes/{code(target[path])}/{path}"
    async with wall(bot.app) as w:
        status, answer = await w.post(
            url, USERS["coord_a"], data=body, headers={"Content-Type": "application/json"}
        )
    assert (status, answer["error"]) == (400, "bad_request"), answer
    assert await wishes_of(bot, world) == before


async def test_an_oversized_body_is_refused_unread(bot: Bot) -> None:
    world = await setup(bot)
    huge = json.dumps({"reason": "x" * (2 * 1024 * 1024)}).encode()
    async with wall(bot.app) as w:
        status, answer = await w.post(
            f"/wall/api/wishes/{code(world.pending)}/reject", USERS["coord_a"], data=huge,
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        assert (status, answer["error"]) == (413, "too_large")
        status, answer = await w.post(
            f"/wall/api/wishes/{code(world.pending)}/reject", USERS["coord_a"], json={"reason": "x" * 600}
        )
        assert (status, answer["error"]) == (400, "bad_request")
    assert (await bot.services.wishes.get(world.pending)).status.value == "pending"


async def test_without_init_data_every_coordinators_route_says_401(bot: Bot) -> None:
    world = await setup(bot)
    forged = "tma user=%7B%22id%22%3A11%7D&auth_date=1&hash=" + "0" * 64
    async with wall(bot.app) as w:
        for method, path, kwargs in coordinator_calls(world):
            for headers in ({}, {"Authorization": forged}, {"Cookie": "session=1"}):
                status, body = await w.call(method, path, None, headers=headers, **kwargs)
                assert (status, body) == (401, {"ok": False, "error": "unauthorized"}), (path, headers)
        # A POST route asked with GET: JSON, never aiohttp's page.
        status, body = await w.get(f"/wall/api/wishes/{code(world.pending)}/verify", USERS["coord_a"])
        assert (status, body["error"]) == (404, "not_found")
    assert (await bot.services.wishes.get(world.pending)).status.value == "pending"


ROLES = {
    "admin": USERS["admin"],
    "coord_a": USERS["coord_a"],
    "coord_b": USERS["coord_b"],
    "holder": USERS["member_a"],
    "non_holder": MEMBER_C,
    "suspended": SUSPENDED,
    "stranger": USERS["stranger"],
}


@pytest.mark.parametrize("role", list(ROLES))
async def test_the_claim_sheet_shows_personal_data_only_where_the_chats_export_does(
    bot: Bot, role: str
) -> None:
    """The one wall answer that is a file, so the JSON privacy matrix cannot read it."""
    await setup(bot)
    user_id = ROLES[role]
    may = role in ("admin", "coord_a")
    async with wall(bot.app) as w:
        for public in ("0", "1"):
            status, kind, _, content = await sheet(w, user_id, f"?community=1&public={public}")
            if not may:
                assert status == 403 and kind == "application/json"
                assert not any(p.encode() in content for p in PERSONAL)
                continue
            assert status == 200
            text = " ".join(" ".join(row) for row in cells(content))
            assert all(p in text for p in PERSONAL) is (public == "0"), (role, public)
            assert not any(p in text for p in PERSONAL) or public == "0"

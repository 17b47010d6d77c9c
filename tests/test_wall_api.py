"""The wish wall's API through the bot's own web server, against the fake Bot API: the contract
the page is built on, and the same lifecycle, policies and outbox as the chat."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
from datetime import date, timedelta
from typing import Any

import aiohttp
import pytest

from bot.models import Category, MembershipStatus, WishStatus
from bot.wall.service import PHOTO_MAX_BYTES
from tests.conftest import Bot
from tests.factories import BENEFICIARY, draft, member
from tests.test_flow import PHONE
from tests.wall_client import init_data, wall
from tests.world import GROUP_A, GROUP_B, USERS, World, build_world

MEMBER_C, SUSPENDED = 23, 24  # a member of community A who holds nothing; a suspended one
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
CARD_KEYS = {
    "id", "code", "masked_name", "category", "category_label", "description", "value_yuan",
    "due_date", "branch", "joint", "status", "status_label",
}  # fmt: skip


async def setup(bot: Bot) -> World:
    """The two-community world (tests/world.py) with everyone able to hear from the bot."""
    api, services = bot.api, bot.services
    api.group(GROUP_A, "A群")
    api.group(GROUP_B, "B群")
    for name, uid in {**USERS, "member_c": MEMBER_C, "suspended": SUSPENDED}.items():
        api.user(uid, name)
        api.open_private(uid)
    world = await build_world(services)
    await member(services, MEMBER_C, "李四", 1)
    await member(services, SUSPENDED, "赵六", 1)
    boss = await services.directory.actor(USERS["coord_a"], "zh")
    await services.org.set_member_status(boss, SUSPENDED, MembershipStatus.SUSPENDED)
    await bot.driver.settle()
    return world


def code(wish_id: int) -> str:
    return f"W-{wish_id:04d}"


async def test_me_says_who_they_are_from_the_database(bot: Bot) -> None:
    await setup(bot)
    async with wall(bot.app) as w:
        status, body = await w.get("/wall/api/me", USERS["member_a"], lang="en")
        assert status == 200
        assert body == {
            "ok": True,
            "user": {"id": USERS["member_a"], "name": "张丽", "lang": "en"},
            "member": {"community_id": 1, "community": "幸福社区", "branch": "第一支部", "status": "active"},
            "coordinates": [],
            "admin": False,
        }
        _, coordinator = await w.get("/wall/api/me", USERS["coord_b"])
        assert coordinator["member"] is None and coordinator["coordinates"] == [{"id": 2, "name": "和平社区"}]
        assert coordinator["user"]["lang"] == "zh"
        _, admin = await w.get("/wall/api/me", USERS["admin"], lang=None)
        assert admin["admin"] is True and len(admin["coordinates"]) == 2
        _, stranger = await w.get("/wall/api/me", USERS["stranger"], lang="fr")
        # Not registered: Telegram's first name, the bot's default language, no roles.
        assert stranger["user"] == {"id": USERS["stranger"], "name": "测试", "lang": "zh"}
        assert stranger["member"] is None and stranger["coordinates"] == [] and stranger["admin"] is False


async def test_the_wall_lists_what_the_groups_offer_masked_like_group_cards(bot: Bot) -> None:
    world = await setup(bot)
    async with wall(bot.app) as w:
        status, body = await w.get("/wall/api/wishes", MEMBER_C, lang="en")
    assert status == 200 and body["ok"] is True
    assert body["total"] == 1 and [c["id"] for c in body["wishes"]] == [world.open]
    card = body["wishes"][0]
    assert set(card) == CARD_KEYS
    assert card == {
        "id": world.open,
        "code": code(world.open),
        "masked_name": "王**",
        "category": "elderly_alone",
        "category_label": "elderly living alone",
        "description": "心愿2",
        "value_yuan": 200,
        "due_date": "2026-12-31",
        "branch": "第一支部",
        "joint": None,
        "status": "open",
        "status_label": "open for claiming",
    }
    assert body["categories"][0] == {"key": "elderly_alone", "label": "elderly living alone"}
    assert [c["key"] for c in body["categories"]] == [c.value for c in Category]
    assert body["branches"] == [{"id": 1, "name": "第一支部"}]


async def more_wishes(bot: Bot) -> dict[str, int]:
    """Open wishes of community A to filter: values, due dates, categories, a joint one."""
    services = bot.services
    boss = await services.directory.actor(USERS["coord_a"], "zh")
    today = date(2026, 11, 20)
    made = {
        "rice": draft("大米和油 50%", due=today + timedelta(days=3), value_fen=8050),
        "heater": draft("Electric heater", due=today + timedelta(days=10), value_fen=30000),
        "books": draft("一套百科全书", due=today + timedelta(days=50), value_fen=None),
        "joint": draft("修缮院子", due=today + timedelta(days=20), value_fen=150000),
    }
    made["books"] = made["books"].model_copy(update={"category": Category.POOR_STUDENT})
    ids = {}
    for name, item in made.items():
        wish = await services.wishes.create(boss, item, 1)
        if name == "joint":
            await services.wishes.set_needed_members(boss, wish.id, 3)
        await services.wishes.verify(boss, wish.id)
        await services.wishes.post(boss, wish.id)
        ids[name] = wish.id
    await services.wishes.claim(await services.directory.actor(USERS["member_a"], "zh"), ids["joint"])
    await bot.driver.settle()
    return ids


async def test_filters_sorting_and_paging(bot: Bot) -> None:
    world = await setup(bot)
    ids = await more_wishes(bot)

    async def listed(query: str) -> tuple[int, list[int]]:
        status, body = await w.get(f"/wall/api/wishes{query}", MEMBER_C)
        assert status == 200, body
        return body["total"], [c["id"] for c in body["wishes"]]

    async with wall(bot.app) as w:
        # Soonest due first; the joint wish still needs two more members, so it hangs there too.
        assert await listed("") == (5, [ids["rice"], ids["heater"], ids["joint"], world.open, ids["books"]])
        assert await listed("?sort=new") == (5, sorted([*ids.values(), world.open], reverse=True))
        assert await listed("?category=poor_student") == (1, [ids["books"]])
        assert await listed("?branch=1&min_value=100&max_value=300") == (2, [ids["heater"], world.open])
        assert await listed("?min_value=80.50&max_value=80.5") == (1, [ids["rice"]])
        assert await listed("?due_within=10") == (2, [ids["rice"], ids["heater"]])
        assert await listed("?due_within=0") == (0, [])
        assert await listed("?q=heater") == (1, [ids["heater"]])
        assert await listed("?q=HEATER") == (1, [ids["heater"]])  # as people type it
        assert await listed("?q=50%25") == (1, [ids["rice"]])  # % is a character, not a wildcard
        assert await listed("?q=%25") == (1, [ids["rice"]])
        assert await listed("?q=_") == (0, [])
        assert await listed("?limit=2") == (5, [ids["rice"], ids["heater"]])
        assert await listed("?limit=2&offset=4") == (5, [ids["books"]])
        assert await listed("?category=&q=") == (
            5,
            [ids["rice"], ids["heater"], ids["joint"], world.open, ids["books"]],
        )
        _, body = await w.get("/wall/api/wishes?q=修缮", MEMBER_C)
        assert body["wishes"][0]["joint"] == {"have": 1, "need": 3}
        assert body["wishes"][0]["status"] == "claimed"


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("?category=rich", "category 只能是以下之一"),
        ("?sort=value", "sort 只能是以下之一"),
        ("?branch=abc", "branch 应为"),
        ("?branch=2", "没有这个支部"),  # community B's branch
        ("?branch=0", "branch 应为"),
        ("?min_value=-1", "min_value 应为"),
        ("?max_value=1e3", "max_value 应为"),
        ("?max_value=100001", "max_value 应为"),
        ("?min_value=0.001", "min_value 应为"),
        ("?min_value=300&max_value=100", "min_value 不能大于"),
        ("?due_within=367", "due_within 应为"),
        ("?due_within=1.5", "due_within 应为"),
        ("?limit=101", "limit 应为"),
        ("?limit=0", "limit 应为"),
        ("?offset=-1", "offset 应为"),
        ("?q=" + "长" * 51, "q 最多"),
        ("?colour=red", "未知参数：colour"),
        ("?limit=1&limit=2", "参数 limit 重复"),
        ("?limit=%EF%BC%95", "limit 应为"),  # a full-width digit: a page never sends one
    ],
)
async def test_bad_filters_are_refused_in_the_users_language(bot: Bot, query: str, says: str) -> None:
    await setup(bot)
    async with wall(bot.app) as w:
        status, body = await w.get(f"/wall/api/wishes{query}", MEMBER_C)
    assert status == 400
    assert body["ok"] is False and body["error"] == "bad_request" and says in body["message"]


async def test_a_bad_filter_in_english(bot: Bot) -> None:
    await setup(bot)
    async with wall(bot.app) as w:
        status, body = await w.get("/wall/api/wishes?limit=500", MEMBER_C, lang="en-GB")
    assert status == 400 and body["message"] == "limit must be a whole number from 1 to 100."


async def test_who_may_look_at_the_wall(bot: Bot) -> None:
    await setup(bot)
    async with wall(bot.app) as w:
        for role in ("admin", "coord_a", "member_a"):
            status, body = await w.get("/wall/api/wishes", USERS[role])
            assert status == 200 and body["total"] == 1, role
        # Coordinator B sees B's wall (nothing open there), never A's.
        status, body = await w.get("/wall/api/wishes", USERS["coord_b"])
        assert status == 200 and body["total"] == 0 and body["branches"] == [{"id": 2, "name": "和平一支部"}]
        status, body = await w.get("/wall/api/wishes", SUSPENDED)
        assert (status, body["error"]) == (403, "forbidden") and "暂停" in body["message"]
        status, body = await w.get("/wall/api/wishes", USERS["stranger"])
        assert (status, body["error"]) == (403, "forbidden") and "/start" in body["message"]


async def test_a_claim_on_the_wall_is_the_group_buttons_claim(bot: Bot) -> None:
    world = await setup(bot)
    api = bot.api
    async with wall(bot.app) as w:
        status, body = await w.post(f"/wall/api/wishes/{code(world.open)}/claim", MEMBER_C)
        assert status == 200, body
        assert body["wish"]["status"] == "claimed" and set(body["wish"]) == CARD_KEYS
        assert body["message"] == f"认领成功 {code(world.open)}！送达信息已私信发给你。"
        assert PHONE not in json.dumps(body, ensure_ascii=False)
        await bot.driver.settle()
        # The group's card was edited through the outbox, and the details went to their chat.
        card = next(m for m in api.messages_in(GROUP_A) if code(world.open) in m.text)
        assert "已认领" in card.text and "李四" in card.text and card.button_labels == []
        assert BENEFICIARY.phone in bot.driver.last_private(api.user(MEMBER_C, "member_c")).text
        events = await bot.services.events.for_wish(world.open)
        assert [(e.action, e.actor_id) for e in events][-1] == ("claim", MEMBER_C)
        # Anyone later is told it is taken; the same member, that it is theirs already.
        status, body = await w.post(f"/wall/api/wishes/{world.open}/claim", USERS["member_a"])
        assert (status, body["error"]) == (409, "taken") and "已被认领" in body["message"]
        status, body = await w.post(f"/wall/api/wishes/{world.open}/claim", MEMBER_C, lang="en")
        assert (status, body["error"]) == (409, "taken")


async def test_claim_refusals(bot: Bot) -> None:
    world = await setup(bot)
    services = bot.services
    await services.org.set_setting(
        await services.directory.actor(USERS["coord_a"], "zh"), 1, "member_cap", "2"
    )
    async with wall(bot.app) as w:
        status, body = await w.post(f"/wall/api/wishes/{world.open}/claim", USERS["member_a"])
        assert (status, body["error"]) == (409, "cap") and "W-0004" in body["message"]
        status, body = await w.post(f"/wall/api/wishes/{world.open}/claim", USERS["member_b"])
        assert (status, body["error"]) == (403, "forbidden")
        status, body = await w.post(f"/wall/api/wishes/{world.open}/claim", SUSPENDED)
        assert (status, body["error"]) == (403, "forbidden")
        status, body = await w.post(f"/wall/api/wishes/{world.open}/claim", USERS["coord_a"])
        assert (status, body["error"]) == (403, "forbidden")
        status, body = await w.post(f"/wall/api/wishes/{world.verified}/claim", MEMBER_C)
        assert (status, body["error"]) == (409, "wrong_state")
        status, body = await w.post("/wall/api/wishes/W-9999/claim", MEMBER_C)
        assert (status, body["error"]) == (404, "not_found") and "W-9999" in body["message"]
        status, body = await w.post("/wall/api/wishes/nonsense/claim", MEMBER_C)
        assert (status, body["error"]) == (404, "not_found")
    assert (await services.wishes.get(world.open)).status is WishStatus.OPEN


async def test_mine_shows_the_details_only_while_they_hold_the_wish(bot: Bot) -> None:
    world = await setup(bot)
    async with wall(bot.app) as w:
        status, body = await w.get("/wall/api/mine", USERS["member_a"], lang="en")
        assert status == 200
        held = {c["id"]: c for c in body["wishes"]}
        assert set(held) == {world.claimed, world.delivered}
        claimed = held[world.claimed]
        assert set(claimed) == CARD_KEYS | {"details", "delivery_note", "extend", "hours_default"}
        assert claimed["hours_default"] == 2 and held[world.delivered]["hours_default"] is None
        assert claimed["details"] == {
            "name": BENEFICIARY.name,
            "phone": BENEFICIARY.phone,
            "address": BENEFICIARY.address,
        }
        assert claimed["extend"] == {"earliest": "2027-01-01", "latest": "2027-01-14"}
        assert held[world.delivered]["extend"] is None
        for someone in (MEMBER_C, USERS["coord_a"], USERS["admin"], USERS["stranger"], SUSPENDED):
            status, body = await w.get("/wall/api/mine", someone)
            assert (status, body["wishes"]) == (200, [])

        status, body = await w.post(
            f"/wall/api/wishes/{code(world.claimed)}/release", USERS["member_a"], json={"reason": "临时出差"}
        )
        assert status == 200 and body["wish"]["status"] == "open"
        assert body["message"] == f"你已放弃 {code(world.claimed)}，它已重新开放认领。谢谢告知！"
        _, body = await w.get("/wall/api/mine", USERS["member_a"])
        assert [c["id"] for c in body["wishes"]] == [world.delivered]
    await bot.driver.settle()
    coordinator = bot.driver.last_private(bot.api.user(USERS["coord_a"], "coord_a"))
    assert "放弃了" in coordinator.text and "临时出差" in coordinator.text
    events = await bot.services.events.for_wish(world.claimed)
    assert events[-1].action == "release" and events[-1].details["reason"] == "临时出差"


async def test_release_refusals_and_bodies(bot: Bot) -> None:
    world = await setup(bot)
    path = f"/wall/api/wishes/{world.claimed}/release"
    async with wall(bot.app) as w:
        status, body = await w.post(path, MEMBER_C)
        assert (status, body["error"]) == (403, "forbidden")
        for bad in ("[]", '"text"', "{", '{"reason": 5}', '{"reason": "x", "why": "y"}'):
            status, body = await w.post(
                path, USERS["member_a"], data=bad, headers={"Content-Type": "application/json"}
            )
            assert (status, body["error"]) == (400, "bad_request"), bad
        status, body = await w.post(path, USERS["member_a"], json={"reason": "长" * 501})
        assert (status, body["error"]) == (400, "bad_request")
        status, body = await w.post(path, USERS["member_a"], json={"reason": "x" * 2_000_000})
        assert (status, body["error"]) == (413, "too_large")
        assert (await bot.services.wishes.get(world.claimed)).status is WishStatus.CLAIMED
        status, body = await w.post(path, USERS["member_a"])  # no body: no reason
        assert status == 200
    await bot.driver.settle()
    coordinator = bot.driver.last_private(bot.api.user(USERS["coord_a"], "coord_a"))
    assert "原因" not in coordinator.text


async def test_extend_moves_the_due_date_within_the_chats_window(bot: Bot) -> None:
    world = await setup(bot)
    path = f"/wall/api/wishes/{world.claimed}/extend"
    async with wall(bot.app) as w:
        for bad in ({}, {"date": "2027/01/05"}, {"date": "20270105"}, {"date": "2027-02-30"}, {"date": 5}):
            status, body = await w.post(path, USERS["member_a"], json=bad)
            assert (status, body["error"]) == (400, "bad_request"), bad
        status, body = await w.post(path, USERS["member_a"], json={"date": "2027-03-01"})
        assert (status, body["error"]) == (400, "bad_request") and "2027-01-14" in body["message"]
        status, body = await w.post(path, MEMBER_C, json={"date": "2027-01-05"})
        assert (status, body["error"]) == (403, "forbidden")
        status, body = await w.post(path, USERS["member_a"], json={"date": "2027-01-05"})
        assert status == 200 and body["wish"]["due_date"] == "2027-01-05"
        assert "2027-01-05" in body["message"]
        status, body = await w.post(path, USERS["coord_a"], json={"date": "2027-01-20"})
        assert (
            status == 200
            and body["message"] == f"好的，{code(world.claimed)} 的截止日期已改为 2027-01-20，已告知 张丽。"
        )
        status, body = await w.post(path, USERS["coord_b"], json={"date": "2027-01-21"})
        assert (status, body["error"]) == (403, "forbidden")
    assert (await bot.services.wishes.get(world.claimed)).due_date == date(2027, 1, 20)
    await bot.driver.settle()
    assert "2027-01-05" in bot.driver.last_private(bot.api.user(USERS["coord_a"], "coord_a")).text


def form(note: str | None = None, photo: bytes | None = None, *, name: str = "photo.jpg") -> aiohttp.FormData:
    data = aiohttp.FormData()
    if note is not None:
        data.add_field("note", note)
    if photo is not None:
        data.add_field("photo", io.BytesIO(photo), filename=name, content_type="image/jpeg")
    return data


async def test_deliver_with_a_photo_reaches_the_coordinators_through_the_outbox(bot: Bot) -> None:
    world = await setup(bot)
    api = bot.api
    async with wall(bot.app) as w:
        status, body = await w.post(
            f"/wall/api/wishes/{world.claimed}/deliver", USERS["member_a"], data=form("放在门口了", PNG)
        )
        assert status == 200, body
        assert body["wish"]["status"] == "delivered" and "等待社区工作人员确认" in body["message"]
    await bot.driver.settle()
    report = bot.driver.last_private(api.user(USERS["coord_a"], "coord_a"))
    assert report.photo is not None and "放在门口了" in report.text
    assert report.button_labels[:2] == ["✔️ 确认圆梦", "❗ 有疑问"]  # then other hours to confirm with
    uploads = [c.uploads["photo"].content for c in api.calls_to("sendPhoto") if "photo" in c.uploads]
    assert PNG in uploads
    wish = await bot.services.wishes.get(world.claimed)
    assert wish.status is WishStatus.DELIVERED and wish.delivery_note == "放在门口了"
    assert wish.delivery_photo_id is not None and wish.delivery_photo_id.startswith("media:")


async def test_deliver_without_anything_and_with_a_jpeg(bot: Bot) -> None:
    world = await setup(bot)
    boss = await bot.services.directory.actor(USERS["coord_a"], "zh")
    async with wall(bot.app) as w:
        status, _ = await w.post(f"/wall/api/wishes/{world.claimed}/deliver", USERS["member_a"])
        assert status == 200
        await bot.services.wishes.dispute(boss, world.claimed, "再看看")
        status, _ = await w.post(
            f"/wall/api/wishes/{world.claimed}/deliver", USERS["member_a"], data=form(photo=JPEG)
        )
        assert status == 200
    await bot.driver.settle()


async def test_deliver_refuses_what_is_not_a_photo_or_too_big(bot: Bot) -> None:
    world = await setup(bot)
    path = f"/wall/api/wishes/{world.claimed}/deliver"
    holder = USERS["member_a"]
    async with wall(bot.app) as w:
        status, body = await w.post(path, holder, data=form("x", b"GIF89a" + b"\x00" * 10, name="a.gif"))
        assert (status, body["error"]) == (400, "bad_request") and "JPEG 或 PNG" in body["message"]
        status, body = await w.post(path, holder, data=form(photo=b"%PDF-1.4 pretending", name="a.jpg"))
        assert (status, body["error"]) == (400, "bad_request")
        big = PNG + b"\x00" * PHOTO_MAX_BYTES
        status, body = await w.post(path, holder, data=form(photo=big))
        assert (status, body["error"]) == (400, "bad_request") and "5 MB" in body["message"]
        status, body = await w.post(path, holder, data=form("长" * 1001))
        assert (status, body["error"]) == (400, "bad_request")
        status, body = await w.post(path, holder, json={"note": "hi"})
        assert (status, body["error"]) == (400, "bad_request") and "multipart" in body["message"]
        other = aiohttp.FormData()
        other.add_field("file", b"x", filename="x.png")
        status, body = await w.post(path, holder, data=other)
        assert (status, body["error"]) == (400, "bad_request")
        status, body = await w.post(path, MEMBER_C, data=form("x", PNG))
        assert (status, body["error"]) == (403, "forbidden")
        for content_type, raw in [
            ("multipart/form-data", b"note=x"),
            ("multipart/form-data; boundary=zz", b"garbage without a boundary"),
            (
                "multipart/form-data; boundary=zz",
                b"--zz\r\nContent-Disposition: form-data\r\n\r\nx\r\n--zz--\r\n",
            ),
            (
                "multipart/form-data; boundary=zz",
                b'--zz\r\nContent-Disposition: form-data; name="note"\r\n\r\n\xff\xfe\r\n--zz--\r\n',
            ),
            (
                "multipart/form-data; boundary=zz",
                b'--zz\r\nContent-Disposition: form-data; name="note"\r\n\r\nunfinished',
            ),
        ]:
            status, body = await w.post(path, holder, data=raw, headers={"Content-Type": content_type})
            assert (status, body["error"]) == (400, "bad_request"), raw
    wish = await bot.services.wishes.get(world.claimed)
    assert wish.status is WishStatus.CLAIMED
    assert await bot.services.media.get(hashlib.sha256(PNG).hexdigest()) is None  # nothing was kept


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "tma "},
        {"Authorization": "Bearer x"},
        {"Authorization": "tma user=%7B%22id%22%3A21%7D&auth_date=1&hash=" + "0" * 64},
    ],
)
async def test_without_valid_init_data_every_route_says_401(bot: Bot, headers: dict[str, str]) -> None:
    world = await setup(bot)
    async with wall(bot.app) as w:
        for method, path in [
            ("GET", "/wall/api/me"),
            ("GET", "/wall/api/wishes"),
            ("GET", "/wall/api/mine"),
            ("POST", f"/wall/api/wishes/{world.open}/claim"),
            ("POST", f"/wall/api/wishes/{world.claimed}/release"),
            ("POST", f"/wall/api/wishes/{world.claimed}/extend"),
            ("POST", f"/wall/api/wishes/{world.claimed}/deliver"),
        ]:
            status, body = await w.call(method, path, None, headers=headers)
            assert (status, body) == (401, {"ok": False, "error": "unauthorized"}), path
    assert (await bot.services.wishes.get(world.open)).status is WishStatus.OPEN


async def test_expired_and_foreign_init_data_are_401(bot: Bot) -> None:
    await setup(bot)
    services = bot.services
    now = services.clock.now()
    async with wall(bot.app) as w:
        old = init_data(USERS["member_a"], now - timedelta(hours=25), services.settings.bot_token)
        status, _ = await w.get("/wall/api/me", None, headers={"Authorization": f"tma {old}"})
        assert status == 401
        foreign = init_data(USERS["member_a"], now, "999:OTHER")
        status, _ = await w.get("/wall/api/me", None, headers={"Authorization": f"tma {foreign}"})
        assert status == 401
        huge = "tma " + "a" * 7000
        status, _ = await w.get("/wall/api/me", None, headers={"Authorization": huge})
        assert status == 401


async def test_an_unexpected_error_is_a_bare_500_logged_without_personal_data(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await setup(bot)

    async def broken(*args: Any) -> Any:
        raise RuntimeError(f"boom {BENEFICIARY.phone}")

    monkeypatch.setattr(bot.services.wall, "browse", broken)
    caplog.set_level(logging.INFO)
    async with wall(bot.app) as w:
        status, body = await w.get("/wall/api/wishes?q=secret-search", MEMBER_C, lang="en")
    assert status == 500
    assert body == {"ok": False, "error": "internal", "message": "Something went wrong. Please try again."}
    line = next(r for r in caplog.records if r.name == "handlers.web.wall.common")
    assert line.getMessage() == f"unhandled RuntimeError for wall GET /wall/api/wishes (user {MEMBER_C})"
    assert "secret-search" not in line.getMessage()


async def test_unknown_api_paths_answer_json(bot: Bot) -> None:
    async with wall(bot.app) as w:
        status, body = await w.get("/wall/api/nothing/here", None)
        assert (status, body) == (404, {"ok": False, "error": "not_found"})


async def test_responses_are_not_cached(bot: Bot) -> None:
    await setup(bot)
    async with (
        wall(bot.app) as w,
        w.client.get("/wall/api/mine", headers=w.header(USERS["member_a"])) as response,
    ):
        assert response.headers["Cache-Control"] == "no-store"


async def test_a_claim_storm_through_the_wall_keeps_one_holder(bot: Bot) -> None:
    world = await setup(bot)
    services = bot.services
    storm = list(range(1000, 1020))
    for uid in storm:
        await member(services, uid, f"志愿者{uid}", 1)
        bot.api.user(uid, f"v{uid}")
        bot.api.open_private(uid)
    async with wall(bot.app) as w:
        results = await asyncio.gather(
            *(w.post(f"/wall/api/wishes/{code(world.open)}/claim", uid) for uid in storm)
        )
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 19
    assert {body["error"] for status, body in results if status == 409} == {"taken"}
    wish = await services.wishes.get(world.open)
    winner = next(uid for uid, (status, _) in zip(storm, results, strict=True) if status == 200)
    assert wish.status is WishStatus.CLAIMED and wish.holders == (winner,)
    claims = [e for e in await services.events.for_wish(world.open) if e.action == "claim"]
    assert [e.actor_id for e in claims] == [winner]
    await bot.driver.settle()
    details = [uid for uid in storm if any(BENEFICIARY.phone in m.text for m in bot.api.messages_in(uid))]
    assert details == [winner]

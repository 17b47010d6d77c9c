"""My wishes on the wall, as the chat has them: Release asks the chat's reasons (stored as the
chat stores them, so /branchreport counts them alike), Mark delivered takes the service hours,
and the member's service record for the half year is shown. Bad input is a 400 with a JSON
error and changes nothing. A coordinator's reassignment counts as taken back."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from typing import Any

import aiohttp
import pytest

from bot.models import WishStatus
from bot.points.hours import as_number
from bot.reports.figures import half_of
from bot.wishes.releases import ended_claims, reason_of
from tests.conftest import Bot
from tests.scheduling import ALICE, BOB, BOSS, bind_group, claimed, people
from tests.test_wall_api import MEMBER_C, PNG, code, setup
from tests.wall_client import wall
from tests.world import USERS

CHAT_REASONS_ZH = ["联系不上受助人", "没有时间", "心愿有变化", "其他原因"]  # the chat's buttons


async def _events(bot: Bot, wish_id: int, action: str) -> list[dict[str, Any]]:
    return [e.details for e in await bot.services.events.for_wish(wish_id) if e.action == action]


# --- release with a reason ---------------------------------------------------------------------


async def test_release_offers_the_chats_reasons_and_stores_the_chosen_one(bot: Bot) -> None:
    world = await setup(bot)
    coordinator = bot.api.user(USERS["coord_a"], "coord_a")
    async with wall(bot.app) as w:
        _, body = await w.get("/wall/api/mine", USERS["member_a"])
        assert [r["label"] for r in body["release_reasons"]] == CHAT_REASONS_ZH
        assert [r["key"] for r in body["release_reasons"]] == ["unreachable", "no_time", "changed", "other"]
        _, body = await w.get("/wall/api/mine", USERS["member_a"], lang="en")
        assert body["release_reasons"][0] == {"key": "unreachable", "label": "couldn't reach the beneficiary"}

        status, body = await w.post(
            f"/wall/api/wishes/{code(world.claimed)}/release", USERS["member_a"], json={"kind": "no_time"}
        )
        assert status == 200 and body["wish"]["status"] == "open", body
    (release,) = await _events(bot, world.claimed, "release")
    assert release["reason_kind"] == "no_time" and "reason" not in release
    await bot.driver.settle()
    assert "原因：没有时间" in bot.driver.last_private(coordinator).text


async def test_other_takes_the_words_typed_for_it(bot: Bot) -> None:
    world = await setup(bot)
    async with wall(bot.app) as w:
        status, _ = await w.post(
            f"/wall/api/wishes/{world.claimed}/release",
            USERS["member_a"],
            json={"kind": "other", "reason": " 临时出差 "},
        )
        assert status == 200
    (release,) = await _events(bot, world.claimed, "release")
    assert (release["reason_kind"], release["reason"]) == ("other", "临时出差")


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "auto"},  # the scheduler's, never a person's
        {"kind": "taken_back"},
        {"kind": "NO_TIME"},
        {"kind": ""},
        {"kind": None},
        {"kind": 2},
        {"kind": ["no_time"]},
        {"kind": "other"},  # other needs words
        {"kind": "other", "reason": "   "},
        {"kind": "other", "reason": "长" * 501},
        {"kind": "no_time", "reason": 5},
        {"kind": "no_time", "why": "x"},
    ],
)
async def test_bad_release_reasons_are_refused_and_change_nothing(bot: Bot, body: dict[str, Any]) -> None:
    world = await setup(bot)
    coordinator = bot.api.user(USERS["coord_a"], "coord_a")
    before = len(bot.driver.private(coordinator))
    async with wall(bot.app) as w:
        status, answer = await w.post(
            f"/wall/api/wishes/{world.claimed}/release", USERS["member_a"], json=body
        )
    assert (status, answer["ok"], answer["error"]) == (400, False, "bad_request"), answer
    assert answer["message"]
    if body.get("kind") not in ("other", "no_time"):
        assert "unreachable, no_time, changed, other" in answer["message"]
    if body.get("reason") == "长" * 501:
        assert "500" in answer["message"]
    wish = await bot.services.wishes.get(world.claimed)
    assert wish.status is WishStatus.CLAIMED and wish.holders == (USERS["member_a"],)
    assert await _events(bot, world.claimed, "release") == []
    await bot.driver.settle()
    assert len(bot.driver.private(coordinator)) == before


async def test_an_unknown_kind_is_named_in_english_too(bot: Bot) -> None:
    world = await setup(bot)
    async with wall(bot.app) as w:
        status, answer = await w.post(
            f"/wall/api/wishes/{world.claimed}/release", USERS["member_a"], lang="en", json={"kind": "bored"}
        )
    assert status == 400
    assert answer["message"] == "kind must be one of: unreachable, no_time, changed, other."


# --- the branch report's reasons ---------------------------------------------------------------


async def test_the_branch_report_counts_wall_reasons_as_the_chats_and_a_reassignment_as_taken_back(
    bot: Bot,
) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    p = await people(s, api)
    await bind_group(s, api)
    boss = api.user(BOSS, "Li")
    due = date(2026, 12, 5)
    async with wall(bot.app) as w:
        for body in ({"kind": "unreachable"}, {"kind": "changed"}, {"reason": "临时出差"}):
            wish = await claimed(s, p, due=due)
            status, _ = await w.post(f"/wall/api/wishes/{wish.id}/release", ALICE, json=body)
            assert status == 200
    # A coordinator gives Alice's wish to Bob: her claim ended by a coordinator's hand.
    given = await claimed(s, p, due=due)
    await s.wishes.reassign(p.boss, given.id, BOB)
    await d.settle()
    await d.send(boss, "/branchreport 第一支部")
    shown = [line for m in d.private(boss) for line in m.text.split("\n")]
    line = next(x for x in shown if x.startswith("放弃认领（按原因）"))
    assert line == (
        "放弃认领（按原因）：联系不上受助人 1 次；心愿有变化 1 次；其他原因 1 次；社区工作人员收回 1 次"
    )


def test_a_reassignment_ends_only_the_former_holders_claims() -> None:
    details = {"from": [1, 2], "to": 2}
    assert ended_claims("reassign", 9, details) == [1]
    assert ended_claims("reassign", 9, {"from": [1], "to": 3}) == [1]
    assert ended_claims("reassign", 9, {"to": 3}) == []
    assert reason_of(details, "reassign") == "taken_back"
    assert reason_of({"holders": [1], "by_holder": True, "reason_kind": "no_time"}) == "no_time"


# --- hours at delivery -------------------------------------------------------------------------


def _form(**fields: str | bytes) -> aiohttp.FormData:
    form = aiohttp.FormData(default_to_multipart=True)  # as a page's FormData is sent
    for name, value in fields.items():
        if isinstance(value, bytes):
            form.add_field(name, io.BytesIO(value), filename="photo.png", content_type="image/png")
        else:
            form.add_field(name, value)
    return form


async def test_mark_delivered_records_the_hours_stated(bot: Bot) -> None:
    world = await setup(bot)
    async with wall(bot.app) as w:
        _, body = await w.get("/wall/api/mine", USERS["member_a"])
        held = next(c for c in body["wishes"] if c["id"] == world.claimed)
        assert held["hours_default"] == 2  # the community's default, offered on the form
        status, body = await w.post(
            f"/wall/api/wishes/{world.claimed}/deliver",
            USERS["member_a"],
            data=_form(note="送到了", hours="3.5"),
        )
    assert status == 200 and body["hours"] == 3.5 and "3.5 小时" in body["message"]
    (delivered,) = await _events(bot, world.claimed, "deliver")
    assert delivered["hours"] == 3.5
    assert as_number(await bot.services.points.hours_of(await bot.services.wishes.get(world.claimed))) == 3.5


async def test_mark_delivered_without_hours_records_the_default(bot: Bot) -> None:
    world = await setup(bot)
    async with wall(bot.app) as w:
        status, body = await w.post(
            f"/wall/api/wishes/{world.claimed}/deliver",
            USERS["member_a"],
            data=_form(note="送到了", hours=""),
        )
    assert status == 200 and body["hours"] == 2


@pytest.mark.parametrize("hours", ["-1", "24.5", "25", "100", "two", "2.25", "1e1", "0x2", "9" * 40])
async def test_bad_hours_are_refused_and_change_nothing(bot: Bot, hours: str) -> None:
    world = await setup(bot)
    async with wall(bot.app) as w:
        status, answer = await w.post(
            f"/wall/api/wishes/{world.claimed}/deliver",
            USERS["member_a"],
            lang="en",
            data=_form(note="x", hours=hours, photo=PNG),
        )
    assert (status, answer["ok"], answer["error"]) == (400, False, "bad_request"), hours
    assert answer["message"] == (
        "Please give the hours as a number from 0 to 24, at most one decimal, e.g. 2 or 1.5."
    )
    wish = await bot.services.wishes.get(world.claimed)
    assert wish.status is WishStatus.CLAIMED and wish.delivery_note is None
    assert await _events(bot, world.claimed, "deliver") == []
    assert await bot.services.media.get(hashlib.sha256(PNG).hexdigest()) is None


async def test_a_form_the_server_cannot_read_is_told_what_it_accepts(bot: Bot) -> None:
    world = await setup(bot)
    path = f"/wall/api/wishes/{world.claimed}/deliver"
    twice = aiohttp.FormData(default_to_multipart=True)
    twice.add_field("hours", "2")
    twice.add_field("hours", "3")
    async with wall(bot.app) as w:
        status, en = await w.post(path, USERS["member_a"], lang="en", data=twice)
        assert (status, en["error"]) == (400, "bad_request")
        for field in ("note", "photo", "hours", "JPEG or PNG", "5 MB", "0 to 24"):
            assert field in en["message"], field
        status, zh = await w.post(path, USERS["member_a"], data=_form(minutes="30"))
        assert (status, zh["error"]) == (400, "bad_request")
        for field in ("note", "photo", "hours", "0 到 24"):
            assert field in zh["message"], field
    assert (await bot.services.wishes.get(world.claimed)).status is WishStatus.CLAIMED


# --- the service record ------------------------------------------------------------------------


async def test_my_wishes_shows_the_service_record_for_the_half_year(bot: Bot) -> None:
    world = await setup(bot)
    services = bot.services
    boss = await services.directory.actor(USERS["coord_a"], "zh")
    await services.wishes.confirm(boss, world.delivered)  # fulfilled now, with the default hours
    today = services.clock.now().date()
    start, end = half_of(today)
    async with wall(bot.app) as w:
        _, body = await w.get("/wall/api/mine", USERS["member_a"], lang="en")
        record = body["record"]
        _, chinese = await w.get("/wall/api/mine", USERS["member_a"])
        _, newcomer = await w.get("/wall/api/mine", MEMBER_C)
        nobodys = [(await w.get("/wall/api/mine", USERS[r]))[1]["record"] for r in ("stranger", "admin")]
    # What /myrecord counts for the same half year.
    mine = await services.records.member_record(1, USERS["member_a"], (start, end))
    assert (record["start"], record["end"]) == (start.isoformat(), mine.period.last_day.isoformat())
    assert record["start"] == "2026-07-01" and record["end"] == "2026-12-31"
    assert record["wishes"] == mine.service.wishes == 1
    assert record["hours"] == as_number(mine.service.hours_tenths) == 2
    assert record["points"] == as_number(mine.service.points_tenths) and record["points"] > 0
    assert record["claimed"] == mine.summary.claimed and record["in_progress"] == 1
    assert record["summary"].startswith("Claimed ") and chinese["record"]["summary"].startswith("认领 ")
    assert newcomer["record"]["wishes"] == 0 and newcomer["record"]["hours"] == 0
    assert nobodys == [None, None]  # not members: no record to show

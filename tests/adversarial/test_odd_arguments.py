"""Odd arguments and forged buttons: each gets a specific answer, never the generic error."""

from __future__ import annotations

import pytest

from bot.texts import t
from tests.conftest import Bot
from tests.world import GROUP_A, USERS, build_world

GENERIC = (t("zh", "err.generic"), t("en", "err.generic"))

COMMANDS = [
    ("coord_a", "/export 9999"),
    ("coord_a", "/export 0000"),
    ("coord_a", "/export 2026-02-30"),
    ("coord_a", "/export 2026H3"),
    ("coord_a", "/export ²"),
    ("member_a", "/myrecord 9999"),
    ("member_a", "/myrecord 0000H1"),
    ("coord_a", "/branchreport 9999"),
    ("coord_a", "/branchreport 和平一支部 9999"),
    ("coord_a", "/report 9999-W52"),
    ("coord_a", "/report 2026-W99"),
    ("coord_a", "/report 0000-W01"),
    ("coord_a", "/report ²"),
    ("coord_a", "/suspend 99999999999999999999"),
    ("coord_a", "/suspend ²"),
    ("coord_a", "/reinstate -5"),
    ("coord_a", "/removemember 0"),
    ("coord_a", "/joint W-0003 ²"),
    ("coord_a", "/joint W-0003 99999999999999999999"),
    ("coord_a", "/invite 第一支部 ² 3"),
    ("coord_a", "/invite 第一支部 99999999999999999999"),
    ("coord_a", "/set member_cap ²"),
    ("coord_a", "/set member_cap 99999999999999999999"),
    ("coord_a", "/wish W-99999999999999999999"),
    ("coord_a", "/wish W-²"),
    ("coord_a", "/history W-0000"),
    ("admin", "/coordinator add 幸福社区 99999999999999999999"),
    ("admin", "/coordinator add 幸福社区 ²"),
    ("admin", "/use 99999999999999999999"),
    ("member_a", "/hours W-0005 ²"),
    ("member_a", "/hours W-0005 99999999999999999999"),
    ("member_a", "/hours W-0005 -3"),
    ("member_a", "/hours W-99999999999999999999 2"),
    ("member_a", "/leaderboard 0000H1"),
    ("member_a", "/leaderboard 无此支部"),
    ("member_a", "/set_privacy ²"),
    ("coord_a", "/points reapply 9999"),
    ("coord_a", "/points reapply ²"),
    ("coord_a", "/set points_joint ²"),
]


@pytest.mark.parametrize(("role", "text"), COMMANDS, ids=[c[1] for c in COMMANDS])
async def test_odd_arguments_get_a_specific_answer(bot: Bot, role: str, text: str) -> None:
    await build_world(bot.services)
    user = bot.api.user(USERS[role], role)
    await bot.driver.send(user, text)
    answers = [m.text or "" for m in bot.driver.private(user)]
    assert answers, "every command is answered"
    assert not any(g in a for a in answers for g in GENERIC), answers


FORGED = [
    "x1:4:20260230",
    "x1:4:99999999",
    "x1:4:00000000",
    "x1:99999999999:20261201",
    "br1:1:9999",
    "br1:1:2026-02-30_2026-03-01",
    "br1:999999:2026",
    "b1:inv:999999",
    "b1:bind:999999",
    "r1:ok:999999:0",
    "r1:ok:1:999999",
    "k1:999999",
    "p1:plan:999999",
    "fg1:999999:y",
    "m1:ex:999999",
    "w1:cl:999999",
    "w1:vf:0",
    "w1:zz:1",
    "c1:due:20260230",
    "h1:m:999999:30",
    "h1:c:5:999",
    "h1:x:5:10",
    "h1:c:999999:10",
    "pv1:z",

    "💥" * 20,
]


@pytest.mark.parametrize("data", FORGED)
async def test_forged_buttons_get_a_specific_answer(bot: Bot, data: str) -> None:
    await build_world(bot.services)
    user = bot.api.user(USERS["coord_a"], "coord_a")
    await bot.driver.send(user, "/help")
    answer = await bot.driver.tap(user, bot.driver.last_private(user), data=data)
    assert answer is not None, "a tap is always answered"
    assert answer.text not in GENERIC


@pytest.mark.parametrize("data", ["x1:4:20260230", "w1:cl:999999", "b1:bind:999999"])
async def test_forged_buttons_in_a_group_get_a_specific_answer(bot: Bot, data: str) -> None:
    await build_world(bot.services)
    group = bot.api.group(GROUP_A, "A群")
    user = bot.api.user(USERS["member_a"], "member_a")
    await bot.driver.send(user, "/help", chat=group)
    answer = await bot.driver.tap(user, bot.api.last_in(GROUP_A), data=data, chat=group)
    assert answer is not None
    assert answer.text not in GENERIC

"""Handover and release-reason buttons against the wrong chat, the wrong role, tampered data and
odd links: a short answer each time, nothing changed, and no beneficiary's data anywhere."""

from __future__ import annotations

import pytest

from bot.models import MembershipStatus
from bot.texts import t
from tests.adversarial.test_matrix import leaks
from tests.conftest import Bot
from tests.factories import member
from tests.world import GROUP_A, USERS, build_world

SUSPENDED = 24


def buttons(claimed: int, token: str) -> list[str]:
    return [
        f"w1:ho:{claimed}",
        f"ho1:pg:{claimed}:0",
        f"ho1:ln:{claimed}:0",
        f"ho1:pk:{claimed}:{USERS['member_b']}",
        f"ha1:{token}:y",
        f"ha1:{token}:n",
        f"rr1:{claimed}:ur",
        f"rr1:{claimed}:ot",
        f"rr1:{claimed}:kp",
    ]


@pytest.mark.parametrize("role", ["admin", "coord_a", "coord_b", "member_a", "member_b", "stranger"])
async def test_in_a_group_every_such_button_is_refused_first(bot: Bot, role: str) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    world = await build_world(services)
    holder = await services.directory.actor(USERS["member_a"], "zh")
    offer, _ = await services.wishes.handover.offer(holder, world.claimed, None)
    group = api.group(GROUP_A, "A群")
    user = api.user(USERS[role], role)
    await d.settle()
    for data in buttons(world.claimed, offer.token):
        answer = await d.tap(user, api.last_in(GROUP_A), data=data, chat=group)
        assert answer is not None and answer.show_alert and answer.text == t("zh", "err.private_only"), data
    assert (await services.wishes.get(world.claimed)).holders == (USERS["member_a"],)
    refused = {e.details["data"] for e in await services.events.by_action("refused.button")}
    assert refused >= set(buttons(world.claimed, offer.token))
    assert leaks(api) == []


async def test_other_roles_cannot_release_or_hand_over_someone_elses_wish(bot: Bot) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    world = await build_world(services)
    await member(services, SUSPENDED, "赵六", 1)
    boss = await services.directory.actor(USERS["coord_a"], "zh")
    await services.org.set_member_status(boss, SUSPENDED, MembershipStatus.SUSPENDED)
    holder = await services.directory.actor(USERS["member_a"], "zh")
    offer, _ = await services.wishes.handover.offer(holder, world.claimed, None)
    for role, uid in (
        ("coord_b", USERS["coord_b"]),
        ("member_b", USERS["member_b"]),
        ("suspended", SUSPENDED),
    ):
        user = api.user(uid, role)
        await d.send(user, "/help")
        for data in (
            f"w1:ho:{world.claimed}",
            f"ho1:ln:{world.claimed}:0",
            f"rr1:{world.claimed}:nt",
            f"rr1:{world.claimed}:ot",
            f"ha1:{offer.token}:y",
            f"ha1:{offer.token}:n",
        ):
            answer = await d.tap(user, d.last_private(user), data=data)
            assert answer is not None and answer.show_alert, (role, data)
    wish = await services.wishes.get(world.claimed)
    assert wish.holders == (USERS["member_a"],)
    stored = await services.wishes.handover._offers.get(offer.token)
    assert stored is not None and stored.status.value == "pending"  # nobody could decline it either
    assert leaks(api) == []


@pytest.mark.parametrize(
    "data",
    [
        "rr1:1:zz",
        "rr1:0:nt",
        "rr1:-3:nt",
        "rr1:1:nt:extra",
        "ho1:pk:1",
        "ho1:pg:1:-1",
        "ha1:AAAAAAAAAAAAAAAA:x",
        "ha1:AAAA:AAAAAAAAAAAA:y",
        "ha1:" + "A" * 60 + ":y",
        "rr1:" + "9" * 61,
    ],
)
async def test_tampered_data_gets_the_stale_button_answer(bot: Bot, data: str) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    world = await build_world(services)
    user = api.user(USERS["member_a"], "member_a")
    await d.send(user, "/help")
    answer = await d.tap(user, d.last_private(user), data=data)
    assert answer is not None and answer.show_alert and answer.text == t("zh", "err.stale_button")
    assert (await services.wishes.get(world.claimed)).holders == (USERS["member_a"],)


@pytest.mark.parametrize("payload", ["ho_", "ho_x", "ho_" + "A" * 16, "ho_" + "A" * 60, "ho_..//;"])
async def test_odd_handover_links_get_a_short_answer(bot: Bot, payload: str) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    world = await build_world(services)
    user = api.user(31, "new")  # a member of A, not the holder
    await member(services, 31, "钱七", 1)
    await d.send(user, f"/start {payload}")
    shown = d.last_private(user).text
    assert t("zh", "handover.gone") in shown and len(shown) < 200
    assert (await services.wishes.get(world.claimed)).holders == (USERS["member_a"],)
    assert leaks(api) == []

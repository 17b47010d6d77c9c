"""Who may record a follow-up, role by role, in the core and through Telegram; and what each of
them is shown on the way (never a beneficiary's full name, phone or address but to coordinators)."""

from __future__ import annotations

import pytest

from bot.models import Action, MembershipStatus
from bot.people.organisation import SYSTEM
from bot.people.policies import allowed
from bot.services import Services
from tests.conftest import Bot
from tests.factories import BENEFICIARY
from tests.world import ROLES, USERS, A, B, World, build_world

PERSONAL = (BENEFICIARY.name, BENEFICIARY.phone, BENEFICIARY.address)


async def fulfil(services: Services, world: World) -> int:
    boss = await services.directory.actor(USERS["coord_a"], "zh")
    await services.wishes.confirm(boss, world.delivered)
    return world.delivered


async def test_visitors_in_the_policy(services: Services) -> None:
    world = await build_world(services)
    wish = await services.wishes.get(await fulfil(services, world))
    member_a = await world.actor(services, "member_a")
    assert not allowed(member_a, Action.FOLLOW_UP, wish, A)
    await services.followups.appoint(SYSTEM, A, USERS["member_a"])
    member_a = await world.actor(services, "member_a")
    assert member_a.visitor_of == frozenset({A})
    assert allowed(member_a, Action.FOLLOW_UP, wish, A)
    assert not allowed(member_a, Action.FOLLOW_UP, None, B)  # a visitor of A only
    await services.org.set_member_status(SYSTEM, USERS["member_a"], MembershipStatus.SUSPENDED)
    assert not allowed(await world.actor(services, "member_a"), Action.FOLLOW_UP, wish, A)


VISITOR = "member_b"  # made a visitor of community B in the Telegram cases: still not of A


@pytest.mark.parametrize("role", [*ROLES, "visitor_a"])
async def test_follow_up_through_telegram(bot: Bot, role: str) -> None:
    services, d, api = bot.services, bot.driver, bot.api
    world = await build_world(services)
    wish_id = await fulfil(services, world)
    await services.followups.appoint(SYSTEM, B, USERS[VISITOR])
    user_id = USERS["member_a"] if role == "visitor_a" else USERS[role]
    if role == "visitor_a":
        await services.followups.appoint(SYSTEM, A, user_id)
    user = api.user(user_id, role)
    api.open_private(user_id)
    await d.settle()
    before = len(api.messages_in(user_id))  # member_a held the wish: the details were theirs then
    await d.send(user, f"/followup W-{wish_id:04d}")
    asked = d.last_private(user)
    expected = role in ("admin", "coord_a", "visitor_a")
    assert ("1/3" in asked.text) == expected, (role, asked.text)
    if expected:
        await d.tap(user, asked, "满意")
        await d.send(user, "很好")
        await d.tap(user, d.last_private(user), "跳过")
        assert "已记录" in d.last_private(user).text
    boss = await services.directory.actor(USERS["coord_a"], "zh")
    recorded = await services.followups.of_wish(boss, await services.wishes.get(wish_id))
    assert (recorded is not None) == expected
    if role not in ("admin", "coord_a"):  # only they may see the beneficiary's details
        shown = "\n".join(m.text or "" for m in api.messages_in(user_id)[before:])
        shown += "\n".join(a.text or "" for a in api.answers)
        assert not [p for p in PERSONAL if p in shown], role


async def test_a_coordinator_of_another_community_sees_nothing_of_its_follow_ups(bot: Bot) -> None:
    services, d, api = bot.services, bot.driver, bot.api
    world = await build_world(services)
    wish_id = await fulfil(services, world)
    intruder = api.user(USERS["coord_b"], "coord_b")
    await d.send(intruder, f"/followup W-{wish_id:04d}")
    assert d.last_private(intruder).text == "这不属于你所在的社区。"
    await d.send(intruder, "/followups all")  # community B's list: empty
    assert d.last_private(intruder).text == "所有已圆梦的心愿都已回访。"
    await d.send(intruder, "/visitor add 21")
    assert (
        d.last_private(intruder).text
        == "用户 21 不是本社区的成员：只能指定本社区的成员为回访员（/members 查看）。"
    )

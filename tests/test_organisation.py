"""Onboarding, membership changes, binding groups, four-eyes, caps, joint claims, balance, privacy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.models import MembershipStatus, WishStatus
from bot.people.organisation import SYSTEM
from bot.services import Services
from bot.wishes.balance import largest_remainder
from tests.conftest import Bot
from tests.factories import COORDINATOR, coordinator, draft, member
from tests.test_flow import ADDRESS, GROUP_ID, NAME, PHONE, enter_wish, register, setup_group, verify_and_post
from tests.world import GROUP_A, USERS, build_world


def said(bot: Bot, user: object, text: str, last: int = 3) -> bool:
    """Whether one of the bot's last few messages to this user contains text."""
    return any(text in m.text for m in bot.driver.private(user)[-last:])  # type: ignore[arg-type]


# --- onboarding -------------------------------------------------------------------------------


async def test_invite_link_joins_a_branch(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    await d.send(boss, "/invite")
    await d.tap(boss, d.last_private(boss), "第一支部")
    link = d.last_private(boss).text
    token = link.split("start=")[1].split()[0]
    alice = api.user(1, "Alice")
    await d.send(alice, f"/start {token}")
    await d.send(alice, "张丽")
    assert said(bot, alice, "第一支部")
    membership = await services.memberships.get(1)
    assert membership is not None and membership.branch_id == 1
    assert await services.events.by_action("member.join")


async def test_expired_and_used_up_invites_are_refused(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    invite = await services.org.create_invite(SYSTEM, 1, days=1, uses=1)
    first, second, late = api.user(1, "A"), api.user(2, "B"), api.user(3, "C")
    await d.send(first, f"/start {invite.token}")
    await d.send(first, "第一人")
    await d.send(second, f"/start {invite.token}")
    assert said(bot, second, "用完")
    services.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]
    await d.send(late, f"/start {invite.token}")
    assert said(bot, late, "过期")
    assert await services.memberships.get(2) is None and await services.memberships.get(3) is None


async def test_phone_is_asked_when_the_community_requires_it(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    await services.org.set_setting(SYSTEM, 1, "require_phone", "1")
    invite = await services.org.create_invite(SYSTEM, 1)
    alice = api.user(1, "Alice", language_code="en")
    await d.send(alice, f"/start {invite.token}")
    await d.send(alice, "Alice Zhang")
    assert "phone" in d.last_private(alice).text
    await d.send(alice, "13900001111")  # typed, not shared: asked again
    assert await services.memberships.get(1) is None
    await d.send_contact(alice, "+86 139 0000 1111")
    membership = await services.memberships.get(1)
    assert membership is not None and membership.phone == "13900001111"


async def test_join_request_approved_into_a_chosen_branch(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    await services.org.add_branch(SYSTEM, 1, "第二支部")
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    bob = api.user(5, "Bob")
    await d.send(bob, "/start")
    await d.send(bob, "王强")
    assert "申请" in d.last_private(bob).text
    await d.send(bob, "/start")
    assert said(bot, bob, "审核中")
    card = d.last_private(boss)
    await d.tap(boss, card, "批准")
    await d.tap(boss, d.last_private(boss), "第二支部")
    membership = await services.memberships.get(5)
    assert membership is not None and membership.branch_id == 2
    again = await d.tap(boss, card, data="r1:no:1:0")  # the old button, tapped again
    assert again is not None and again.show_alert  # decided once only
    assert (await services.memberships.get(5)).status is MembershipStatus.ACTIVE  # type: ignore[union-attr]


async def test_join_request_declined(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    bob = api.user(5, "Bob")
    await d.send(bob, "/start")
    await d.send(bob, "王强")
    await d.tap(boss, d.last_private(boss), "拒绝")
    assert "未通过" in d.last_private(bob).text
    assert await services.memberships.get(5) is None


# --- members ---------------------------------------------------------------------------------


async def test_removed_member_loses_claims_and_details(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss, alice = api.user(COORDINATOR, "Li"), api.user(1, "Alice")
    await register(bot, boss, "李主任")
    await register(bot, alice, "张丽")
    group = await setup_group(bot, boss)
    wish_id = await enter_wish(bot, boss)
    card = await verify_and_post(bot, boss, wish_id)
    await d.tap(alice, card, "认领", chat=group)
    await d.send(alice, "/mywishes")
    await d.send(boss, "/members")
    assert "张丽" in d.last_private(boss).text
    await d.send(boss, "/removemember 1")
    wish = await services.wishes.get(wish_id)
    assert wish.status is WishStatus.OPEN and wish.holders == ()
    assert api.last_in(GROUP_ID).button_labels == ["🙋 认领"]
    assert all(PHONE not in m.text for m in api.messages_in(alice.id))  # every copy redacted
    again = await d.tap(alice, api.last_in(GROUP_ID), "认领", chat=group)
    assert again is not None and again.show_alert
    assert await services.events.by_action("member.removed")
    assert any("张丽" in m.text and "W-0001" in m.text for m in d.private(boss))


async def test_suspended_member_cannot_claim(services: Services) -> None:
    world = await build_world(services)
    await services.org.set_member_status(SYSTEM, USERS["member_a"], MembershipStatus.SUSPENDED)
    actor = await services.directory.actor(USERS["member_a"], "zh")
    with pytest.raises(Exception) as caught:
        await services.wishes.claim(actor, world.open)
    assert getattr(caught.value, "key", "") == "err.suspended"


# --- groups --------------------------------------------------------------------------------


async def test_binding_needs_a_coordinator_and_unbound_groups_get_a_hint(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss, alice = api.user(COORDINATOR, "Li"), api.user(1, "Alice")
    await register(bot, boss, "李主任")
    await register(bot, alice, "张丽")
    group = api.group(-555, "新群")
    await d.bot_added(group, boss)
    await d.send(boss, "/post W-0001", chat=group)
    assert "/bind" in api.last_in(-555).text  # not bound: a hint, nothing else
    await d.send(alice, "/bind", chat=group)
    assert "工作人员" in api.last_in(-555).text
    await d.send(boss, "/bind", chat=group)
    choice = api.last_in(-555)
    sneaky = await d.tap(alice, choice, "第一支部", chat=group)
    assert sneaky is not None and sneaky.show_alert
    assert await services.groups.get(-555) is None
    await d.tap(boss, choice, "第一支部", chat=group)
    bound = await services.groups.get(-555)
    assert bound is not None and bound.branch_id == 1 and bound.active


async def test_bot_removed_from_group_drops_binding_and_tells_coordinators(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    group = await setup_group(bot, boss)
    await d.bot_removed(group, boss)
    assert not (await services.groups.get(GROUP_ID)).active  # type: ignore[union-attr]
    assert "不在群" in d.last_private(boss).text


# --- rules of the community --------------------------------------------------------------------


async def test_four_eyes(services: Services) -> None:
    world_boss = await coordinator(services)
    await services.org.set_setting(SYSTEM, 1, "four_eyes", "on")
    await services.org.appoint(SYSTEM, 1, 11)
    wish = await services.wishes.create(world_boss, draft(), 1)
    with pytest.raises(Exception) as caught:
        await services.wishes.verify(world_boss, wish.id)
    assert getattr(caught.value, "key", "") == "err.four_eyes"
    second = await services.directory.actor(11, "zh")
    assert (await services.wishes.verify(second, wish.id)).status is WishStatus.VERIFIED


async def test_value_cap_is_enforced_when_entering(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    await services.org.set_setting(SYSTEM, 1, "value_cap_fen", "300")
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    await d.send(boss, "/newwish")
    for text in ("王秀英", "13812345678", "幸福路 8 号"):
        await d.send(boss, text)
    await d.tap(boss, d.last_private(boss), "独居老人")
    await d.send(boss, "电视机")
    await d.send(boss, "1200")
    assert "300" in d.private(boss)[-2].text and "6/8" in d.last_private(boss).text
    await d.send(boss, "280")
    assert "7/8" in d.last_private(boss).text


async def test_claim_cap_names_the_open_wishes(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss, alice = api.user(COORDINATOR, "Li"), api.user(1, "Alice")
    await register(bot, boss, "李主任")
    await register(bot, alice, "张丽")
    group = await setup_group(bot, boss)
    cards = [await verify_and_post(bot, boss, await enter_wish(bot, boss)) for _ in range(3)]
    for card in cards[:2]:
        await d.tap(alice, card, "认领", chat=group)
    third = await d.tap(alice, cards[2], "认领", chat=group)
    assert third is not None and third.show_alert
    assert "W-0001" in (third.text or "") and "W-0002" in (third.text or "")
    assert (await services.wishes.get(3)).status is WishStatus.OPEN


async def test_joint_wish_needs_n_members(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    group = await setup_group(bot, boss)
    wish_id = await enter_wish(bot, boss)
    await d.send(boss, f"/joint W-{wish_id:04d} 3")
    card = await verify_and_post(bot, boss, wish_id)
    assert card.button_labels == ["🤝 加入 (0/3)"]
    people = [api.user(10 + i, f"M{i}") for i in range(4)]
    for person in people:
        await register(bot, person, f"志愿者{person.id}")
    for k, person in enumerate(people[:3], start=1):
        answer = await d.tap(person, api.last_in(GROUP_ID), data=f"w1:cl:{wish_id}", chat=group)
        assert answer is not None and f"{k}/3" in (answer.text or "")
        assert PHONE in d.last_private(person).text  # each holder gets the details
    assert api.last_in(GROUP_ID).button_labels == []
    late = await d.tap(people[3], card, data=f"w1:cl:{wish_id}", chat=group)
    assert late is not None and "已被认领" in (late.text or "")
    # Any holder reports delivery; one leaving keeps the wish claimed by the others.
    await d.tap(people[0], d.last_private(people[0]), "放弃认领")
    await d.tap(people[0], d.last_private(people[0]), "没有时间")  # Release asks why
    wish = await services.wishes.get(wish_id)
    assert wish.status is WishStatus.CLAIMED and set(wish.holders) == {11, 12}
    await d.tap(people[2], d.last_private(people[2]), "已送达")
    await d.tap(people[2], d.last_private(people[2]), "跳过")
    assert (await services.wishes.get(wish_id)).status is WishStatus.DELIVERED


# --- fair distribution ----------------------------------------------------------------------


def test_largest_remainder() -> None:
    assert largest_remainder(10, {1: 12, 2: 5, 3: 3}) == {1: 6, 2: 3, 3: 1}
    assert largest_remainder(7, {1: 1, 2: 1, 3: 1}) == {1: 3, 2: 2, 3: 2}
    assert largest_remainder(0, {1: 3}) == {1: 0}
    assert sum(largest_remainder(101, {1: 7, 2: 13, 3: 29, 4: 1}).values()) == 101


async def test_auto_balance_plan_and_post(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    await services.org.add_branch(SYSTEM, 1, "第二支部")
    await services.org.add_branch(SYSTEM, 1, "第三支部")
    for branch_id, count, base in ((1, 12, 100), (2, 5, 200), (3, 3, 300)):
        group = api.group(-100 * branch_id, f"支部{branch_id}")
        await services.groups.bind(
            group.id, 1, group.title or "", "zh", COORDINATOR, services.clock.now(), branch_id
        )
        for i in range(count):
            await member(services, base + i, None, branch_id)
    actor = await coordinator(services)
    for i in range(10):
        wish = await services.wishes.create(actor, draft(f"心愿{i}"), 1)
        await services.wishes.verify(actor, wish.id)
    await d.send(boss, "/post")
    await d.tap(boss, d.last_private(boss), "自动分配")
    plan = d.last_private(boss).text
    assert (
        "第一支部（12 人）：6 个" in plan
        and "第二支部（5 人）：3 个" in plan
        and "第三支部（3 人）：1 个" in plan
    )
    assert await services.wish_repo.count_by_status(1, WishStatus.OPEN) == 0  # nothing before confirming
    await d.tap(boss, d.last_private(boss), "确认发布")
    assert [len(api.messages_in(-100 * b)) for b in (1, 2, 3)] == [6, 3, 1]
    assert await services.wish_repo.count_by_status(1, WishStatus.OPEN) == 10


# --- privacy -----------------------------------------------------------------------------


async def test_no_personal_data_reaches_any_group_during_the_whole_loop(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss, alice, bob = api.user(COORDINATOR, "Li"), api.user(1, "Alice"), api.user(2, "Bob")
    for user, name in ((boss, "李主任"), (alice, "张丽"), (bob, "王强")):
        await register(bot, user, name)
    group = await setup_group(bot, boss)
    wish_id = await enter_wish(bot, boss, photo=True)
    joint_id = await enter_wish(bot, boss)
    await d.send(boss, f"/joint W-{joint_id:04d} 2")
    card = await verify_and_post(bot, boss, wish_id)
    joint_card = await verify_and_post(bot, boss, joint_id)
    await d.tap(alice, card, "认领", chat=group)
    await d.tap(alice, d.last_private(alice), "放弃认领")
    await d.tap(alice, d.last_private(alice), "没有时间")  # Release asks why
    await d.tap(bob, api.messages_in(GROUP_ID)[-2], data=f"w1:cl:{wish_id}", chat=group)
    await d.tap(bob, d.last_private(bob), "已送达")
    await d.send_photo(bob, file_id="proof", caption="送到了")
    await d.tap(boss, d.last_private(boss), "有疑问")
    await d.send(boss, "照片不清楚")
    await d.tap(bob, d.last_private(bob), "已送达")
    await d.tap(bob, d.last_private(bob), "跳过")
    await d.tap(boss, d.last_private(boss), "确认圆梦")
    for person in (alice, bob):
        await d.tap(person, joint_card, data=f"w1:cl:{joint_id}", chat=group)
    await d.send(boss, f"/cancelwish W-{(await enter_wish(bot, boss)):04d}")
    await d.send(boss, "重复")
    shown = "\n".join(api.everything_shown_in(GROUP_ID))
    for secret in (NAME, PHONE, ADDRESS):
        assert secret not in shown
    assert (await services.wishes.get(wish_id)).status is WishStatus.FULFILLED
    # After fulfilment the holder's copies of the details are gone too; Alice released earlier.
    for person in (alice, bob):
        held_now = {w.id for w in await services.wish_repo.held_by(person.id)}
        assert held_now == {joint_id}
    assert all(PHONE not in m.text for m in api.messages_in(alice.id) if "W-0001" in m.text)


async def test_history_shows_the_trail_to_coordinators_only(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss, alice = api.user(COORDINATOR, "Li"), api.user(1, "Alice")
    await register(bot, boss, "李主任")
    await register(bot, alice, "张丽")
    group = await setup_group(bot, boss)
    wish_id = await enter_wish(bot, boss)
    card = await verify_and_post(bot, boss, wish_id)
    await d.tap(alice, card, "认领", chat=group)
    await d.send(boss, f"/history W-{wish_id:04d}")
    trail = d.last_private(boss).text
    assert all(word in trail for word in ("create", "verify", "post", "claim", "张丽"))
    await d.send(alice, f"/history W-{wish_id:04d}")
    assert "工作人员" in d.last_private(alice).text


# --- first setup from the command line ---------------------------------------------------------


def test_cli_sets_up_a_community_from_zero(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WISHWALL_DB", str(tmp_path / "w.db"))
    assert main(["community", "add", "幸福社区"]) == 0
    assert main(["branch", "add", "幸福社区", "第一支部"]) == 0
    assert main(["coordinator", "add", "幸福社区", "424242"]) == 0
    assert main(["community", "list"]) == 0
    out = capsys.readouterr().out
    assert "幸福社区" in out and "第一支部" in out and "default" not in out
    assert "424242: appointed coordinator of 幸福社区" in out
    assert main(["coordinator", "add", "幸福社区", "424242"]) == 0
    assert "424242: already a coordinator of 幸福社区" in capsys.readouterr().out
    assert main(["community", "add", "幸福社区"]) == 1
    assert main(["coordinator", "add", "无此社区", "1"]) == 1
    assert "No such community" in capsys.readouterr().err


async def test_group_a_cards_stay_in_community_a(services: Services) -> None:
    world = await build_world(services)
    posts = await services.wish_repo.posts(world.open)
    assert [p.chat_id for p in posts] == [GROUP_A]

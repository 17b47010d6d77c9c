"""Running the organisation from chats, command by command, through the fake Bot API: what each
command answers (its usage, its refusals) and what it changed in the database. Batch posting's
buttons are here too: they act on the community a coordinator works in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update

from bot.callbacks import (
    BalanceButton,
    BalanceCallback,
    BranchCallback,
    BranchPurpose,
    RequestButton,
    RequestCallback,
)
from bot.models import COMMUNITY_SETTINGS, MembershipStatus, WishStatus
from bot.people.organisation import INVITE_MAX_DAYS, SYSTEM
from bot.texts import t, t_error
from handlers.people.groups import is_group_admin
from handlers.wishes.posting import BalanceDraft
from tests.conftest import Bot
from tests.factories import BRANCH_NAME, COMMUNITY_NAME, COORDINATOR, coordinator, draft, member
from tests.fakes.telegram_api import FakeUser
from tests.test_flow import GROUP_ID, register, setup_group

EN = "en"


def said(bot: Bot, user: FakeUser, key: str, /, **params: Any) -> bool:
    """Whether the bot's last message to this user is exactly this text, in English."""
    return bot.driver.last_private(user).text == t(EN, key, **params)


def refused(bot: Bot, user: FakeUser, key: str, /, **params: Any) -> bool:
    return bot.driver.last_private(user).text == t_error(EN, key, params)


async def admin(bot: Bot, lang: str = EN) -> FakeUser:
    """The super-admin (settings.admins), registered, writing in English unless told."""
    boss = bot.api.user(COORDINATOR, "Li", language_code=lang)
    await register(bot, boss, "Li Wei")
    return boss


async def test_community_creates_lists_and_refuses_a_second_of_one_name(bot: Bot) -> None:
    d, org = bot.driver, bot.services.org
    boss = await admin(bot)
    await d.send(boss, "/community add 和平社区")
    assert said(bot, boss, "org.community_created", name="和平社区", id=2)
    assert (await org.community("和平社区")).id == 2
    await d.send(boss, "/community add 和平社区")
    assert refused(bot, boss, "err.community_exists", name="和平社区")
    await d.send(boss, "/community list")
    assert said(bot, boss, "org.usage_community")
    await org.appoint(SYSTEM, 1, 4242)
    await d.send(boss, "/community")
    assert d.last_private(boss).text.splitlines() == [
        t(EN, "org.community_line", id=1, name=COMMUNITY_NAME, branches=1, coordinators=1),
        t(EN, "org.community_line", id=2, name="和平社区", branches=0, coordinators=0),
    ]


async def test_coordinator_appointed_told_and_dismissed(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss = await admin(bot)
    wang = api.user(4242, "Wang", language_code=EN)
    await register(bot, wang, "Wang Fang")
    await d.send(boss, "/community add 和平社区")
    await d.send(boss, "/coordinator add 和平社区 4242")
    assert said(bot, boss, "org.coordinator_added", user_id=4242, community="和平社区")
    assert said(bot, wang, "org.appointed", community="和平社区")
    assert (await services.directory.actor(4242, EN)).coordinator_of == {2}
    await d.send(boss, "/coordinator add 2 4242")  # by id as well as by name
    assert said(bot, boss, "org.coordinator_exists", user_id=4242, community="和平社区")
    await d.send(boss, "/coordinator remove 和平社区 4242")
    assert said(bot, boss, "org.coordinator_removed", user_id=4242, community="和平社区")
    assert (await services.directory.actor(4242, EN)).coordinator_of == frozenset()
    await d.send(boss, "/coordinator remove 和平社区 4242")
    assert said(bot, boss, "org.coordinator_not_found", user_id=4242, community="和平社区")
    await d.send(boss, "/coordinator add 4242")
    assert said(bot, boss, "org.usage_coordinator")
    await d.send(boss, "/coordinator add 无此社区 4242")
    assert refused(bot, boss, "err.no_community")
    await d.send(boss, "/coordinator add 和平社区 someone")
    assert refused(bot, boss, "arg.user_id")
    assert len(await services.events.by_action("coordinator.appoint")) == 1
    assert len(await services.events.by_action("coordinator.dismiss")) == 1


async def test_branches_are_added_and_listed_with_their_active_members(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss = await admin(bot)
    await register(bot, api.user(1, "Alice"), "张丽")
    await d.send(boss, "/branch add 第二支部")
    assert said(bot, boss, "org.branch_added", name="第二支部")
    assert [b.name for b in await services.org.branches(1)] == [BRANCH_NAME, "第二支部"]
    await d.send(boss, "/branch add 第二支部")
    assert refused(bot, boss, "err.branch_exists", name="第二支部")
    await d.send(boss, "/branch rename 第二支部")
    assert said(bot, boss, "org.usage_branch")
    await d.send(boss, "/branch")
    assert d.last_private(boss).text.splitlines() == [
        t(EN, "org.branch_line", name=BRANCH_NAME, members=1),
        t(EN, "org.branch_line", name="第二支部", members=0),
    ]


async def test_use_switches_the_community_every_command_acts_in(bot: Bot) -> None:
    d = bot.driver
    boss = await admin(bot)
    await d.send(boss, "/community add 和平社区")
    await d.send(boss, "/use")
    assert said(bot, boss, "org.using_now", name=COMMUNITY_NAME, names=f"{COMMUNITY_NAME}, 和平社区")
    await d.send(boss, "/use 无此社区")
    assert refused(bot, boss, "err.no_community")
    await d.send(boss, "/use 和平社区")
    assert said(bot, boss, "org.using", name="和平社区")
    # The new community has no branches and no members yet: every command says so.
    await d.send(boss, "/branch")
    assert said(bot, boss, "org.no_branches")
    await d.send(boss, "/invite")
    assert said(bot, boss, "org.no_branches")
    await d.send(boss, "/members")
    assert said(bot, boss, "org.no_members")
    await d.send(boss, "/use")
    assert said(bot, boss, "org.using_now", name="和平社区", names=f"{COMMUNITY_NAME}, 和平社区")


async def test_a_coordinator_without_a_community_is_told_so(bot: Bot) -> None:
    """/use names only the communities someone coordinates; with none chosen it shows '-'."""
    d, services = bot.driver, bot.services
    wang = bot.api.user(4242, "Wang", language_code=EN)
    await services.org.create_community(SYSTEM, "和平社区")
    await services.org.appoint(SYSTEM, 2, 4242)
    await register(bot, wang, "Wang Fang")
    await d.send(wang, "/use")
    assert said(bot, wang, "org.using_now", name="和平社区", names="和平社区")
    await d.send(wang, f"/use {COMMUNITY_NAME}")
    assert refused(bot, wang, "err.other_community")


async def test_settings_show_and_set_changes_them(bot: Bot) -> None:
    d, services = bot.driver, bot.services
    boss = await admin(bot)
    await d.send(boss, "/settings")
    shown = d.last_private(boss).text.splitlines()
    community = await services.org.community(1)
    assert shown[0] == t(EN, "org.settings_header", name=COMMUNITY_NAME, tz=community.tz)
    assert shown[-1] == t(EN, "org.settings_footer")
    assert any(line.startswith("member_cap = ") for line in shown)
    assert any(line.startswith("value_cap_fen = ") for line in shown)
    await d.send(boss, "/set member_cap 3")
    assert said(bot, boss, "org.setting_changed", key="member_cap", value="3")
    assert (await services.org.community(1)).member_cap == 3
    await d.send(boss, "/set Four_Eyes on")
    assert said(bot, boss, "org.setting_changed", key="four_eyes", value="1")
    await d.send(boss, "/set value_cap_fen 300")
    assert (await services.org.community(1)).value_cap_fen == 30000
    assert "300" in d.last_private(boss).text
    await d.send(boss, "/set value_cap_fen none")
    assert said(bot, boss, "org.setting_changed", key="value_cap_fen", value="-")
    await d.send(boss, "/settings")
    assert "value_cap_fen = -" in d.last_private(boss).text
    assert "four_eyes = 1" in d.last_private(boss).text
    await d.send(boss, "/set member_cap")
    assert said(bot, boss, "org.usage_set")
    await d.send(boss, "/set colour blue")
    assert refused(bot, boss, "org.unknown_setting", keys=", ".join(sorted(COMMUNITY_SETTINGS)))
    await d.send(boss, "/set member_cap 999")
    low, high = COMMUNITY_SETTINGS["member_cap"]
    assert refused(bot, boss, "org.setting_range", low=low, high=high, key="member_cap")
    assert (await services.org.community(1)).member_cap == 3
    assert len(await services.events.by_action("community.setting")) == 4


async def test_invite_made_with_arguments_and_refused_without_good_ones(bot: Bot) -> None:
    d, services, clock = bot.driver, bot.services, bot.services.clock
    boss = await admin(bot)
    await d.send(boss, f"/invite {BRANCH_NAME} 3 10")
    link = d.last_private(boss).text
    token = link.split("start=")[1].split()[0]
    expires = (clock.now() + timedelta(days=3)).astimezone(ZoneInfo((await services.org.community(1)).tz))
    assert link == t(
        EN,
        "org.invite_link",
        branch=BRANCH_NAME,
        link=f"https://t.me/{bot.app.bot.username}?start={token}",
        expires=expires.strftime("%Y-%m-%d %H:%M"),
        uses=10,
    )
    assert await services.org.invite_problem(token) is None
    await d.send(boss, f"/invite {BRANCH_NAME}")  # the defaults: a week, fifty people
    assert "50" in d.last_private(boss).text
    await d.send(boss, "/invite 无此支部")
    assert said(bot, boss, "org.usage_invite")
    await d.send(boss, f"/invite {BRANCH_NAME} 3 10 more")
    assert said(bot, boss, "org.usage_invite")
    await d.send(boss, f"/invite {BRANCH_NAME} 0")
    assert refused(bot, boss, "arg.whole_range", low=1, high=INVITE_MAX_DAYS)
    assert len(await services.events.by_action("invite.create")) == 2


async def test_invite_button_for_a_branch_that_is_gone_is_refused(bot: Bot) -> None:
    d = bot.driver
    boss = await admin(bot)
    await d.send(boss, "/invite")
    choice = d.last_private(boss)
    forged = BranchCallback(purpose=BranchPurpose.INVITE, branch_id=999).pack()
    answer = await d.tap(boss, choice, data=forged)
    assert answer is not None and answer.show_alert and answer.text == t_error(EN, "err.no_branch", {})
    await d.tap(boss, choice, BRANCH_NAME)
    assert "start=i_" in d.last_private(boss).text


async def test_members_listed_suspended_reinstated(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss = await admin(bot)
    alice = api.user(1, "Alice", language_code=EN)
    await register(bot, alice, "张丽")
    await d.send(boss, "/members")
    listed = d.last_private(boss).text.splitlines()
    assert listed[0] == t(EN, "org.members_header", count=1)
    assert listed[1] == t(
        EN, "org.member_line", name="张丽", user_id=1, branch=BRANCH_NAME, status="active", held=0
    )
    await d.send(boss, "/suspend 1")
    assert said(bot, boss, "org.member_now_suspended", user_id="1")
    assert said(bot, alice, "org.you_are_suspended")
    assert (await services.memberships.get(1)).status is MembershipStatus.SUSPENDED  # type: ignore[union-attr]
    await d.send(boss, "/suspend 1")
    assert refused(bot, boss, "org.member_already_suspended", user_id=1)
    await d.send(boss, "/members")
    assert t(EN, "member_status.suspended") in d.last_private(boss).text
    await d.send(boss, "/reinstate 1")
    assert said(bot, boss, "org.member_now_active", user_id="1")
    assert said(bot, alice, "org.you_are_active")
    assert (await services.memberships.get(1)).status is MembershipStatus.ACTIVE  # type: ignore[union-attr]
    await d.send(boss, "/suspend")
    assert said(bot, boss, "org.usage_member_status")
    await d.send(boss, "/suspend 1 2")
    assert said(bot, boss, "org.usage_member_status")
    await d.send(boss, "/reinstate 424242")
    assert refused(bot, boss, "org.no_such_member")
    await d.send(boss, "/suspend alice")
    assert refused(bot, boss, "arg.user_id")
    assert [e.action for e in await services.events.by_action("member.suspended")] == ["member.suspended"]


async def _request(bot: Bot, user_id: int) -> FakeUser:
    """Someone without an invite asks to join the one community; its coordinators get a card."""
    person = bot.api.user(user_id, f"P{user_id}")
    await bot.driver.send(person, "/start")
    await bot.driver.send(person, f"申请人{user_id}")
    return person


async def test_join_request_approved_straight_into_the_only_branch(bot: Bot) -> None:
    d, services = bot.driver, bot.services
    boss = await admin(bot)
    bob = await _request(bot, 5)
    card = d.last_private(boss)
    answer = await d.tap(boss, card, t(EN, "btn.approve"))
    assert answer is not None and answer.text == t(EN, "org.approved", name="申请人5")
    assert d.last_private(boss).text == t(EN, "org.approved", name="申请人5")  # the card, edited
    membership = await services.memberships.get(5)
    assert membership is not None and membership.branch_id == 1
    assert "第一支部" in d.last_private(bob).text
    again = await d.tap(boss, card, data=RequestCallback(action=RequestButton.DECLINE, request_id=1, branch_id=0).pack())
    assert again is not None and again.show_alert
    assert again.text == t_error(EN, "org.request_decided", {})


async def test_join_request_buttons_refused_to_others_and_when_gone(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss = await admin(bot)
    await _request(bot, 5)
    card = d.last_private(boss)
    # A coordinator of another community holds a copy of the card's buttons.
    await services.org.create_community(SYSTEM, "和平社区")
    await services.org.appoint(SYSTEM, 2, 4242)
    other = api.user(4242, "Wang", language_code=EN)
    await register(bot, other, "Wang Fang")
    approve = RequestCallback(action=RequestButton.APPROVE, request_id=1, branch_id=0).pack()
    answer = await d.tap(other, d.last_private(other), data=approve)
    assert answer is not None and answer.show_alert
    into = RequestCallback(action=RequestButton.APPROVE, request_id=1, branch_id=1).pack()
    answer = await d.tap(other, d.last_private(other), data=into)
    assert answer is not None and answer.show_alert
    assert await services.memberships.get(5) is None
    gone = RequestCallback(action=RequestButton.APPROVE, request_id=77, branch_id=0).pack()
    answer = await d.tap(boss, card, data=gone)
    assert answer is not None and answer.text == t_error(EN, "org.request_gone", {})
    # Approving into a branch of another community is refused too, even by a super-admin.
    await services.org.add_branch(SYSTEM, 2, "和平一支部")
    wrong = RequestCallback(action=RequestButton.APPROVE, request_id=1, branch_id=2).pack()
    answer = await d.tap(boss, card, data=wrong)
    assert answer is not None and answer.text == t_error(EN, "err.other_community", {})
    assert await services.memberships.get(5) is None


# --- group chats -----------------------------------------------------------------------------


async def test_bind_in_a_community_without_branches_and_when_telegram_cannot_say(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss = await admin(bot)
    group = api.group(-777, "新群")
    await d.bot_added(group, boss)
    api.fail_next("getChatMember", 400, "Bad Request: user not found")
    await d.send(boss, "/bind", chat=group)
    assert api.last_in(-777).text == t(EN, "groups.not_group_admin")
    await d.send(boss, "/community add 和平社区")
    await d.send(boss, "/use 和平社区")
    await d.send(boss, "/bind", chat=group)
    assert api.last_in(-777).text == t(EN, "org.no_branches")
    assert await bot.services.core.groups.bound(-777) is None


async def test_a_migrated_group_keeps_its_binding(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss = await admin(bot, "zh")
    group = await setup_group(bot, boss)
    new = api.migrate(group.id, -1009876)
    service_message = {
        "update_id": 900001,
        "message": {
            "message_id": 9999,
            "date": int(services.clock.now().timestamp()),
            "chat": group.to_api(),
            "from": boss.to_api(),
            "migrate_to_chat_id": new.id,
        },
    }
    await bot.app.process_update(Update.de_json(service_message, bot.app.bot))
    await d.settle()
    assert await services.core.groups.bound(GROUP_ID) is None
    moved = await services.core.groups.bound(new.id)
    assert moved is not None and moved.branch_id == 1
    assert d.last_private(boss).text == t("zh", "notice.group_moved", title=group.title)
    assert await services.events.by_action("group.migrate")


async def test_a_user_blocking_the_bot_is_no_group_event(bot: Bot) -> None:
    boss = await admin(bot, "zh")
    await setup_group(bot, boss)
    await bot.driver.user_blocked_bot(boss)
    assert await bot.services.core.groups.bound(GROUP_ID) is not None
    assert not await bot.services.events.by_action("group.lost")


async def test_is_group_admin_is_no_for_a_chat_telegram_does_not_know(bot: Bot) -> None:
    from bot.context import WishwallContext

    context = WishwallContext(bot.app)
    assert not await is_group_admin(context, -4040, COORDINATOR)


# --- batch posting (/post without a code) --------------------------------------------------


async def test_batch_post_nothing_waiting_cancelled_and_stale(bot: Bot) -> None:
    d, services = bot.driver, bot.services
    boss = await admin(bot)
    await d.send(boss, "/post")
    assert said(bot, boss, "balance.nothing")
    # A branch takes wishes once it has a bound group and active members.
    await services.groups.bind(GROUP_ID, 1, "群", "zh", COORDINATOR, services.clock.now(), branch_id=1)
    await member(services, 300)
    actor = await coordinator(services)
    wish = await services.wishes.create(actor, draft(), 1)
    await services.wishes.verify(actor, wish.id)
    await d.send(boss, "/post")
    assert said(bot, boss, "balance.waiting", count=1)
    offer = d.last_private(boss)
    # Post before any plan was made (or after it was dropped): nothing to carry out.
    post = BalanceCallback(action=BalanceButton.POST, community_id=1).pack()
    answer = await d.tap(boss, offer, data=post)
    assert answer is not None and answer.show_alert and answer.text == t(EN, "err.stale_button")
    await d.tap(boss, offer, t(EN, "btn.auto_balance"))
    plan = d.last_private(boss)
    assert plan.button_labels == [t(EN, "btn.post_plan"), t(EN, "btn.cancel")]
    # A plan is for the community it was made in.
    elsewhere = BalanceCallback(action=BalanceButton.POST, community_id=2).pack()
    answer = await d.tap(boss, plan, data=elsewhere)
    assert answer is not None and answer.show_alert and answer.text == t(EN, "err.stale_button")
    await d.tap(boss, plan, t(EN, "btn.cancel"))
    assert d.last_private(boss).text == t(EN, "conv.cancelled")
    assert await services.core.drafts.load(COORDINATOR, BalanceDraft) is None
    answer = await d.tap(boss, plan, data=post)
    assert answer is not None and answer.show_alert
    assert (await services.wishes.get(wish.id)).status is WishStatus.VERIFIED

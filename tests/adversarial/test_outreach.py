"""Broadcasts and digests played by every role: who may send to a branch (forged buttons and
other communities included), empty input, and what a digest shows and to whom."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.reminders.jobs import run_pass
from tests.conftest import Bot
from tests.factories import BENEFICIARY, draft
from tests.world import BRANCH_A, GROUP_A, ROLES, USERS, A, build_world

PERSONAL = (BENEFICIARY.name, BENEFICIARY.phone, BENEFICIARY.address)
SENDERS = {"admin": True, "coord_a": True}  # of community A's branch; nobody else


@pytest.mark.parametrize("role", ROLES)
async def test_only_the_branchs_coordinators_can_broadcast_to_it(bot: Bot, role: str) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    await build_world(services)
    user = api.user(USERS[role], role)
    api.open_private(user.id)
    member = api.user(USERS["member_a"], "member_a")
    api.open_private(member.id)
    await d.send(user, "/broadcast 第一支部")
    await d.send(user, "周六集合")
    sent_card = [m for m in api.messages_in(user.id) if "📢 发送" in m.button_labels]
    if sent_card:
        await d.tap(user, sent_card[-1], "发送")
    # Forged: A's branch button and a made-up Send, under the last message the bot sent them.
    last = api.messages_in(user.id)[-1]
    forged = await d.tap(user, last, data=f"bb1:{BRANCH_A}")
    await d.send(user, "伪造的通知")
    await d.tap(user, api.messages_in(user.id)[-1], data="bs1:ok:0123456789abcdef")
    events = await services.events.by_action("broadcast")
    copies = [
        m for m in api.messages_in(member.id) if "周六集合" in (m.text or "") or "伪造" in (m.text or "")
    ]
    expected = SENDERS.get(role, False)
    assert bool(events) == expected and bool(copies) == expected, role
    if not expected:
        assert forged is not None and forged.show_alert
        assert [m for m in api.messages_in(member.id) if "伪造" in (m.text or "")] == []


async def test_empty_and_invisible_text_is_refused(bot: Bot) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    await build_world(services)
    boss = api.user(USERS["coord_a"], "coord_a")
    await d.send(boss, "/broadcast 第一支部")
    await d.send(boss, "\u200b\u200b")
    assert api.last_in(boss.id).text == "不能为空，请重新输入。"
    assert "📢 发送" not in api.last_in(boss.id).button_labels


async def test_a_digest_shows_no_personal_data_and_stays_in_its_community(bot: Bot, clock: FakeClock) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    api.group(GROUP_A, "A群")
    world = await build_world(services)
    member_a = api.user(USERS["member_a"], "member_a")
    member_b = api.user(USERS["member_b"], "member_b")
    for user in (member_a, member_b):
        await d.send(user, "/subscribe")
    # Posted after they subscribed: one new wish in A (B's member must never see it).
    clock.set(clock.now().replace(minute=5))
    boss = await world.actor(services, "coord_a")
    wish = await services.wishes.create(boss, draft("新心愿"), A)
    await services.wishes.verify(boss, wish.id)
    await services.wishes.post(boss, wish.id)
    await d.settle()
    before = {u.id: len(api.messages_in(u.id)) for u in (member_a, member_b)}
    clock.set(clock.now().replace(hour=11))
    assert await run_pass(services, "digest", clock.now()) > 0
    await d.settle()
    digest = api.messages_in(member_a.id)[before[member_a.id] :]
    assert digest and all(not any(p in (m.text or "") for p in PERSONAL) for m in digest)
    assert api.messages_in(member_b.id)[before[member_b.id] :] == []
    # Claimed from the digest, the group's card changes and only she gets the details.
    card = next(m for m in digest if wish.code in (m.text or ""))
    await d.tap(member_a, card, card.button_labels[0])
    (group_card,) = [m for m in api.messages_in(GROUP_A) if wish.code in (m.text or "")]
    assert group_card.button_labels == [] and "张丽" in (group_card.text or "")
    assert not any(p in text for text in api.everything_shown_in(GROUP_A) for p in PERSONAL)

"""/subscribe, /unsubscribe and the daily digest, through the real application and the fake Bot
API, with the digest pass run by hand at chosen instants (the scheduler tick is off here)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.clock import FakeClock
from bot.models import Category, MembershipStatus, WishStatus
from bot.people.organisation import SYSTEM
from tests.conftest import Bot
from tests.factories import BENEFICIARY, draft
from tests.fakes.telegram_api import FakeTelegram, StoredMessage
from tests.scheduling import (
    ALICE,
    BOB,
    BOSS,
    GROUP_A,
    GROUP_B,
    People,
    at,
    bind_group,
    people,
    person,
    posted,
    run,
    set_community,
)

PERSONAL = (BENEFICIARY.name, BENEFICIARY.phone, BENEFICIARY.address)


pytestmark = pytest.mark.passes_by_hand  # its settings: fast_settings (tests/conftest.py)


def since(api: FakeTelegram, chat_id: int, count: int) -> list[StoredMessage]:
    return api.messages_in(chat_id)[count:]


async def subscribed(bot: Bot, user_id: int, line: str = "/subscribe") -> People:
    """People, the branch's group, and `user_id` subscribed at 10:00 on 2026-11-20."""
    api, s = bot.api, bot.services
    p = await people(s, api)
    await bind_group(s, api)
    await bot.driver.send(api.user(user_id, "x", language_code="en" if user_id == BOB else "zh-hans"), line)
    return p


async def test_digest_shows_masked_cards_and_claim_from_it_edits_the_group_card(
    bot: Bot, clock: FakeClock
) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    p = await subscribed(bot, ALICE)
    answer = api.last_in(ALICE).text
    assert "订阅成功" in answer and "第一支部" in answer and "全部类别" in answer and "9:00" in answer
    clock.set(at(11, 20, 10, 5))
    wish = await posted(s, p.boss, due=date(2026, 12, 10))
    await d.settle()
    before = len(api.messages_in(ALICE))

    assert await run(bot, clock, "digest", at(11, 20, 11)) == 2  # a header and one card
    header, card = since(api, ALICE, before)
    assert "第一支部的新心愿：1 个" in header.text
    assert wish.code in card.text and "王**" in card.text and "独居老人" in card.text
    assert card.button_labels == ["🙋 认领"]
    for message in (header, card):
        assert not any(secret in message.text for secret in PERSONAL)

    # Claim from the digest: the same transition as in the group; the group's card shows it.
    await d.tap(api.user(ALICE, "Alice"), card, "认领")
    assert (await s.wishes.get(wish.id)).holder_id == ALICE
    group_card = api.last_in(GROUP_A)
    assert wish.code in group_card.text and "张丽" in group_card.text and group_card.button_labels == []
    tapped = next(m for m in api.messages_in(ALICE) if m.message_id == card.message_id)
    assert tapped.button_labels == [] and "已认领" in tapped.text
    # The details come privately, as after a claim in the group.
    assert any(BENEFICIARY.phone in m.text for m in since(api, ALICE, before) if m.text)


async def test_one_digest_a_day_and_never_the_same_wish_twice(bot: Bot, clock: FakeClock) -> None:
    api, s = bot.api, bot.services
    p = await subscribed(bot, ALICE)
    clock.set(at(11, 20, 10, 5))
    first = await posted(s, p.boss, due=date(2026, 12, 10))
    assert await run(bot, clock, "digest", at(11, 20, 11)) == 2
    assert await run(bot, clock, "digest", at(11, 20, 11, 30)) == 0  # the same pass again
    clock.set(at(11, 20, 12))
    second = await posted(s, p.boss, due=date(2026, 12, 11))
    assert await run(bot, clock, "digest", at(11, 20, 13)) == 0  # today's digest was made
    before = len(api.messages_in(ALICE))

    # Tomorrow: only the wish she has not had, though the first is still open.
    assert await run(bot, clock, "digest", at(11, 21, 9)) == 2
    texts = [m.text for m in since(api, ALICE, before)]
    assert any(second.code in t for t in texts) and not any(first.code in t for t in texts)
    assert (await s.wishes.get(first.id)).status is WishStatus.OPEN
    # A day with nothing new sends nothing at all.
    assert await run(bot, clock, "digest", at(11, 22, 9)) == 0


async def test_quiet_hours_and_the_reminder_hour(bot: Bot, clock: FakeClock) -> None:
    s = bot.services
    p = await subscribed(bot, ALICE)
    clock.set(at(11, 20, 20, 30))
    await posted(s, p.boss, due=date(2026, 12, 10))
    assert await run(bot, clock, "digest", at(11, 20, 21, 30)) == 0  # quiet from 21:00
    assert await run(bot, clock, "digest", at(11, 21, 7, 59)) == 0
    assert await run(bot, clock, "digest", at(11, 21, 8, 30)) == 0  # before the reminder hour
    assert await run(bot, clock, "digest", at(11, 21, 9)) == 2
    # A community whose quiet hours cover its reminder hour: the digest waits for their end.
    await set_community(s, quiet_start=8, quiet_end=10)
    clock.set(at(11, 21, 10, 30))
    await posted(s, p.boss, due=date(2026, 12, 10))
    assert await run(bot, clock, "digest", at(11, 22, 9, 30)) == 0
    assert await run(bot, clock, "digest", at(11, 22, 10)) == 2


async def test_a_member_who_blocked_the_bot_is_skipped(bot: Bot, clock: FakeClock) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    p = await subscribed(bot, ALICE)
    await d.send(api.user(BOB, "Bob", language_code="en"), "/subscribe")
    assert "Subscribed" in api.last_in(BOB).text
    api.block(ALICE)
    clock.set(at(11, 20, 10, 5))
    await posted(s, p.boss, due=date(2026, 12, 10))
    bob_before, boss_before = len(api.messages_in(BOB)), len(api.messages_in(BOSS))

    await run(bot, clock, "digest", at(11, 20, 11))
    assert "New wishes in 第一支部: 1" in since(api, BOB, bob_before)[0].text
    tries = [c for c in api.calls_to("sendMessage") if c.params.get("chat_id") == ALICE and not c.ok]
    assert len(tries) == 1 and tries[0].error_code == 403  # her card was not even tried
    assert (await s.members.get(ALICE)).unreachable_at is not None  # type: ignore[union-attr]
    assert any("张丽" in m.text for m in since(api, BOSS, boss_before))  # coordinators hear once

    # From now on she is skipped: nothing queued for her, nothing tried.
    clock.set(at(11, 20, 12))
    await posted(s, p.boss, due=date(2026, 12, 11))
    assert await run(bot, clock, "digest", at(11, 21, 9)) == 2  # Bob's header and card only
    tries = [c for c in api.calls_to("sendMessage") if c.params.get("chat_id") == ALICE and not c.ok]
    assert len(tries) == 1


async def test_categories_in_either_language_and_wrong_ones(bot: Bot, clock: FakeClock) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    p = await subscribed(bot, ALICE, "/subscribe 独居老人、困难学生")
    assert "独居老人、困难学生" in api.last_in(ALICE).text
    bob = api.user(BOB, "Bob", language_code="en")
    await d.send(bob, "/subscribe left-behind child poor student")
    assert "left-behind child, poor student" in api.last_in(BOB).text
    await d.send(bob, "/subscribe elderly living alone, 宠物")
    refusal = api.last_in(BOB).text
    assert "“宠物” is not a category" in refusal and "veteran" in refusal
    await d.send(bob, "/subscribe " + "独居老人 " * 80)
    assert "Too long" in api.last_in(BOB).text
    # Neither refusal changed his subscription.
    sub = await s.outreach.subscriptions.current(await s.directory.actor(BOB, "en"))
    assert sub is not None and sub.categories == ("left-behind child", "poor student")

    clock.set(at(11, 20, 10, 5))
    elderly = await posted(s, p.boss, due=date(2026, 12, 10))  # elderly living alone
    child = await s.wishes.create(
        p.boss, draft("书包").model_copy(update={"category": Category.LEFT_BEHIND_CHILD}), 1
    )
    await s.wishes.verify(p.boss, child.id)
    await s.wishes.post(p.boss, child.id)
    alice_before, bob_before = len(api.messages_in(ALICE)), len(api.messages_in(BOB))
    assert await run(bot, clock, "digest", at(11, 20, 11)) == 4
    alice_texts = " ".join(m.text for m in since(api, ALICE, alice_before))
    bob_texts = " ".join(m.text for m in since(api, BOB, bob_before))
    assert elderly.code in alice_texts and child.code not in alice_texts
    assert child.code in bob_texts and elderly.code not in bob_texts
    # /subscribe alone takes every category again, keeping what was sent already.
    await d.send(bob, "/subscribe")
    assert "every category" in api.last_in(BOB).text
    assert await run(bot, clock, "digest", at(11, 21, 9)) == 2  # Bob: the elderly wish now; Alice: nothing
    assert elderly.code in api.last_in(BOB).text


async def test_only_new_open_wishes_of_the_members_own_branch(bot: Bot, clock: FakeClock) -> None:
    api, s = bot.api, bot.services
    p = await people(s, api)
    await bind_group(s, api)
    old = await posted(s, p.boss, due=date(2026, 12, 9))  # before she subscribed
    await s.org.add_branch(SYSTEM, 1, "第二支部")
    await bind_group(s, api, GROUP_B, "第二支部群", branch_id=2)
    clock.set(at(11, 20, 10, 5))
    await bot.driver.send(api.user(ALICE, "Alice"), "/subscribe")
    clock.set(at(11, 20, 10, 10))
    elsewhere = await posted(s, p.boss, due=date(2026, 12, 10), chats=[GROUP_B])
    taken = await posted(s, p.boss, due=date(2026, 12, 11), chats=[GROUP_A])
    await s.wishes.claim(p.bob, taken.id)  # claimed before the digest is made
    everywhere = await posted(s, p.boss, due=date(2026, 12, 12))  # all groups, hers too
    before = len(api.messages_in(ALICE))
    assert await run(bot, clock, "digest", at(11, 20, 11)) == 2
    texts = " ".join(m.text for m in since(api, ALICE, before))
    assert everywhere.code in texts
    assert not any(w.code in texts for w in (old, elsewhere, taken))


async def test_unsubscribe_and_who_may_subscribe(bot: Bot, clock: FakeClock) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    p = await subscribed(bot, ALICE)
    alice = api.user(ALICE, "Alice")
    await d.send(alice, "/unsubscribe")
    assert "已取消订阅" in api.last_in(ALICE).text
    await d.send(alice, "/unsubscribe")
    assert "还没有订阅" in api.last_in(ALICE).text
    # The coordinator has no branch; a stranger has not registered; neither is subscribed.
    await d.send(api.user(BOSS, "Li"), "/subscribe")
    assert "还没有加入任何支部" in api.last_in(BOSS).text
    stranger = api.user(77, "Stranger")
    await d.send(stranger, "/subscribe")
    assert "/start" in api.last_in(77).text
    # A suspended member's subscription stays, but no digest goes while suspended.
    await d.send(api.user(BOB, "Bob", language_code="en"), "/subscribe")
    await s.org.set_member_status(p.boss, BOB, MembershipStatus.SUSPENDED)
    await d.send(api.user(BOB, "Bob", language_code="en"), "/subscribe")
    assert "suspended" in api.last_in(BOB).text
    clock.set(at(11, 20, 10, 5))
    await posted(s, p.boss, due=date(2026, 12, 10))
    assert await run(bot, clock, "digest", at(11, 20, 11)) == 0
    await person(s, BOB, "Bob Chen", "en")  # back in his branch
    assert await run(bot, clock, "digest", at(11, 21, 9)) == 2


async def test_at_most_ten_wishes_a_digest_the_rest_the_next_day(bot: Bot, clock: FakeClock) -> None:
    api, s = bot.api, bot.services
    p = await subscribed(bot, ALICE)
    clock.set(at(11, 20, 10, 5))
    wishes = [await posted(s, p.boss, due=date(2026, 12, 1 + i)) for i in range(12)]
    before = len(api.messages_in(ALICE))
    assert await run(bot, clock, "digest", at(11, 20, 11)) == 11
    header = since(api, ALICE, before)[0].text
    assert "新心愿：10 个" in header and "另有 2 个" in header
    shown = " ".join(m.text for m in since(api, ALICE, before))
    assert all(w.code in shown for w in wishes[:10]) and not any(w.code in shown for w in wishes[10:])
    before = len(api.messages_in(ALICE))
    assert await run(bot, clock, "digest", at(11, 21, 9)) == 3
    shown = " ".join(m.text for m in since(api, ALICE, before))
    assert all(w.code in shown for w in wishes[10:]) and not any(w.code in shown for w in wishes[:10])

"""Need more time from the holder's details message and /mywishes: the reminders' own extend flow
(same limits, same notices, same record), offered before any reminder came; only for the holder."""

from __future__ import annotations

from datetime import date

import pytest

from bot.callbacks import ReminderButton, ReminderCallback
from bot.models import WishStatus
from bot.texts import t
from tests.conftest import Bot
from tests.factories import BENEFICIARY
from tests.fakes.telegram_api import StoredMessage
from tests.scheduling import ALICE, BOB, BOSS, GROUP_A, claimed_in_group

pytestmark = pytest.mark.passes_by_hand  # its settings: fast_settings (tests/conftest.py)

DUE = date(2026, 11, 25)  # claimed 2026-11-20 10:00: no reminder has come yet


def current(bot: Bot, message: StoredMessage) -> StoredMessage:
    return next(m for m in bot.api.messages_in(message.chat_id) if m.message_id == message.message_id)


async def test_the_holder_asks_for_more_time_from_the_details_message(bot: Bot) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    wish = await claimed_in_group(bot, DUE)
    alice = api.user(ALICE, "Alice")
    details = api.last_in(ALICE)
    assert BENEFICIARY.phone in details.text
    assert details.button_labels == ["✅ 已送达", "↩️ 放弃认领", "⏳ 需要延期", "🤝 转交他人"]

    await d.tap(alice, details, "需要延期")
    question = api.last_in(ALICE)
    assert "2026-12-09" in question.text  # at most max_extension_days (14) after the due date
    assert question.button_labels == ["+3 天（2026-11-28）", "+7 天（2026-12-02）", "+14 天（2026-12-09）"]
    await d.tap(alice, question, "+3")

    assert "2026-11-28" in api.last_in(ALICE).text
    after = await s.wishes.get(wish.id)
    assert after.due_date == date(2026, 11, 28) and after.status is WishStatus.CLAIMED
    # The details message shows the new date and keeps every button.
    shown = current(bot, details)
    assert "2026-11-28" in shown.text and BENEFICIARY.phone in shown.text
    assert shown.button_labels == details.button_labels
    notice = api.last_in(BOSS)
    assert "张丽 申请延期" in notice.text and "2026-11-25" in notice.text and "2026-11-28" in notice.text
    assert "2026-11-28" in api.last_in(GROUP_A).text and BENEFICIARY.phone not in api.last_in(GROUP_A).text
    events = await s.events.for_wish(wish.id)
    extend = [e for e in events if e.action == "extend"]
    assert len(extend) == 1 and extend[0].details["by_holder"] is True and extend[0].actor_id == ALICE
    assert extend[0].details["from"] == "2026-11-25" and extend[0].details["to"] == "2026-11-28"
    assert any(e.action == "reminder_answer" for e in events)


async def test_mywishes_offers_it_and_a_past_or_too_late_date_changes_nothing(bot: Bot) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    wish = await claimed_in_group(bot, DUE)
    alice = api.user(ALICE, "Alice")
    await d.send(alice, "/mywishes")
    listed = api.last_in(ALICE)
    assert wish.code in listed.text and "⏳ 需要延期" in listed.button_labels
    boss_before = len(api.messages_in(BOSS))

    await d.tap(alice, listed, "需要延期")
    for typed, said in (("2026-11-19", "新的截止日期须晚于"), ("2026-11-25", "新的截止日期须晚于")):
        await d.send(alice, typed)
        assert said in api.last_in(ALICE).text
    await d.send(alice, "2026-12-10")
    assert "最晚只能延到 2026-12-09" in api.last_in(ALICE).text
    assert (await s.wishes.get(wish.id)).due_date == DUE
    assert not [e for e in await s.events.for_wish(wish.id) if e.action == "extend"]
    assert len(api.messages_in(BOSS)) == boss_before
    # The question stays: a good date still works afterwards.
    await d.send(alice, "2026-12-01")
    assert (await s.wishes.get(wish.id)).due_date == date(2026, 12, 1)


async def test_a_forged_copy_is_refused_to_anyone_but_the_holder(bot: Bot) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    wish = await claimed_in_group(bot, DUE)
    data = ReminderCallback(action=ReminderButton.MORE_TIME_DETAILS, wish_id=wish.id).pack()
    assert len(data.encode()) <= 64
    bob, boss = api.user(BOB, "Bob", language_code="en"), api.user(BOSS, "Li")
    await d.send(bob, "/mywishes")
    refused = await d.tap(bob, api.last_in(BOB), data=data)
    assert refused is not None and refused.show_alert
    assert refused.text == t("en", "err.not_holder", code=wish.code)
    await d.send(bob, "2026-11-28")  # no question was opened: nothing to answer
    # A coordinator extends from an escalation, not from a copy of the holder's button.
    await d.send(boss, "/mywishes")
    refused = await d.tap(boss, api.last_in(BOSS), data=data)
    assert refused is not None and refused.show_alert
    stale = await d.tap(bob, api.last_in(BOB), data=f"m1:md:{wish.id}x")
    assert stale is not None and stale.show_alert
    after = await s.wishes.get(wish.id)
    assert after.due_date == DUE and after.holders == (ALICE,)
    assert not [e for e in await s.events.for_wish(wish.id) if e.action in ("extend", "reminder_answer")]
    assert not any(BENEFICIARY.phone in m.text for m in api.messages_in(BOB))


async def test_no_more_time_once_the_wish_is_delivered(bot: Bot) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    wish = await claimed_in_group(bot, DUE)
    alice = api.user(ALICE, "Alice")
    details = api.last_in(ALICE)
    await s.wishes.deliver(await s.directory.actor(ALICE, "zh"), wish.id)
    await d.settle()
    data = ReminderCallback(action=ReminderButton.MORE_TIME_DETAILS, wish_id=wish.id).pack()
    late = await d.tap(alice, details, data=data)  # an old copy of the button
    assert late is not None and late.show_alert
    assert (await s.wishes.get(wish.id)).due_date == DUE

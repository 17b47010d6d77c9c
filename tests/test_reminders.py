"""Reminders through the real application and the fake Bot API, with time set by hand.

Every test runs job passes directly at chosen instants (the scheduler tick is off in these
settings) and reads what Telegram would show each person.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.clock import FakeClock
from bot.models import ReminderKind, WishStatus
from bot.settings import Settings
from tests.conftest import Bot, running
from tests.fakes.telegram_api import FakeTelegram
from tests.scheduling import (
    ALICE,
    BOSS,
    GROUP_A,
    at,
    bind_group,
    claimed,
    claimed_in_group,
    people,
    posted,
    run,
    set_community,
)

pytestmark = pytest.mark.passes_by_hand  # its settings: fast_settings (tests/conftest.py)


def texts_to(api: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text or "" for m in api.messages_in(chat_id)]


async def test_due_soon_fires_once_the_day_before_at_the_reminder_hour(bot: Bot, clock: FakeClock) -> None:
    api, s = bot.api, bot.services
    wish = await claimed_in_group(bot, date(2026, 11, 22))  # claimed 2026-11-20 10:00
    before = len(api.messages_in(ALICE))

    assert await run(bot, clock, "due_soon", at(11, 21, 8, 59)) == 0  # not yet the hour
    assert await run(bot, clock, "due_soon", at(11, 21, 9, 0)) == 1
    reminder = api.last_in(ALICE)
    assert wish.code in reminder.text and "明天" in reminder.text and "2026-11-22" in reminder.text
    assert reminder.button_labels == ["✅ 已送达", "⏳ 需要延期", "↩️ 放弃认领"]
    # The same day later, the due day itself, another process: nothing more.
    for when in (at(11, 21, 9, 5), at(11, 21, 15), at(11, 22, 9), at(11, 22, 20)):
        assert await run(bot, clock, "due_soon", when) == 0
    assert len(api.messages_in(ALICE)) == before + 1
    assert len(await s.reminder_repo.all(ReminderKind.DUE_SOON)) == 1


async def test_due_soon_missed_the_day_before_is_sent_once_on_the_due_day(bot: Bot, clock: FakeClock) -> None:
    api, s = bot.api, bot.services
    p = await people(s, api)
    await bind_group(s, api)
    await claimed(s, p, due=date(2026, 11, 22))
    # The bot was down all of the 21st; it comes back at 10:00 on the due day.
    assert await run(bot, clock, "due_soon", at(11, 22, 10)) == 1
    assert "今天" in api.last_in(ALICE).text
    assert await run(bot, clock, "due_soon", at(11, 22, 11)) == 0
    assert await run(bot, clock, "due_soon", at(11, 23, 10)) == 0  # past due: the chase takes over


async def test_no_due_soon_for_a_wish_claimed_after_its_moment(bot: Bot, clock: FakeClock) -> None:
    api, s = bot.api, bot.services
    p = await people(s, api)
    await bind_group(s, api)
    await claimed(s, p, due=date(2026, 11, 21))  # claimed 11-20 10:00, after 11-20 09:00
    assert await run(bot, clock, "due_soon", at(11, 20, 11)) == 0
    assert await run(bot, clock, "due_soon", at(11, 21, 9)) == 0


async def test_overdue_chase_escalates_on_the_third_day(bot: Bot, clock: FakeClock) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    p = await people(s, api)
    await bind_group(s, api)
    wish = await claimed(s, p, due=date(2026, 11, 22))
    second = await claimed(s, p, due=date(2026, 11, 22))
    await d.settle()
    boss_before = len(api.messages_in(BOSS))

    for day, expected in ((23, 1), (24, 2)):
        assert await run(bot, clock, "overdue", at(11, day, 9)) == 1
        message = api.last_in(ALICE)
        assert wish.code in message.text and second.code in message.text  # one message lists both
        assert f"已逾期 {expected} 天" in message.text
        assert await run(bot, clock, "overdue", at(11, day, 15)) == 0  # once a day
        assert len(api.messages_in(BOSS)) == boss_before  # no escalation yet

    # Third day: the third reminder, and the coordinators hear of both wishes.
    assert await run(bot, clock, "overdue", at(11, 25, 9)) == 3
    escalations = api.messages_in(BOSS)[boss_before:]
    assert len(escalations) == 2
    first = next(m for m in escalations if wish.code in m.text)
    assert "张丽" in first.text and "3 次提醒" in first.text
    assert first.button_labels == ["📅 延期", "🔁 改派", "⏩ 继续催办"]
    assert await run(bot, clock, "overdue", at(11, 25, 18)) == 0

    # Keep chasing: recorded, the message says what happens next, reminders go on.
    await d.tap(api.user(BOSS, "Li"), first, "继续催办")
    assert "继续提醒" in next(m for m in api.messages_in(BOSS) if m.message_id == first.message_id).text
    assert [e.action for e in await s.events.for_wish(wish.id)][-1] == "keep_chasing"
    assert await run(bot, clock, "overdue", at(11, 26, 9)) == 1
    assert await run(bot, clock, "overdue", at(11, 27, 9)) == 1
    assert len(api.messages_in(BOSS)) == boss_before + 2
    # After as many reminders again (the sixth), the coordinators hear again.
    assert await run(bot, clock, "overdue", at(11, 28, 9)) == 3
    assert len(api.messages_in(BOSS)) == boss_before + 4


async def test_reassign_from_an_escalation_reopens_the_wish_and_tells_the_holder(
    bot: Bot, clock: FakeClock
) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    p = await people(s, api)
    await bind_group(s, api)
    await set_community(s, escalate_after=1)
    wish = await claimed(s, p, due=date(2026, 11, 22))
    await run(bot, clock, "overdue", at(11, 23, 9))
    escalation = api.last_in(BOSS)
    assert wish.code in escalation.text
    await d.tap(api.user(BOSS, "Li"), escalation, "改派")
    assert (await s.wishes.get(wish.id)).status is WishStatus.OPEN
    assert "放回待认领" in api.last_in(ALICE).text
    assert api.last_in(GROUP_A).button_labels == ["🙋 认领"]
    shown = next(m for m in api.messages_in(BOSS) if m.message_id == escalation.message_id)
    assert shown.button_labels == [] and "已通知 张丽" in shown.text
    # Nothing is overdue any more: the chase stops.
    assert await run(bot, clock, "overdue", at(11, 24, 9)) == 0


async def test_need_more_time_asks_a_date_within_the_limit_and_tells_coordinators(
    bot: Bot, clock: FakeClock
) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    p = await people(s, api)
    await bind_group(s, api)
    wish = await claimed(s, p, due=date(2026, 11, 22))
    await run(bot, clock, "due_soon", at(11, 21, 9))
    alice = api.user(ALICE, "Alice")
    reminder = api.last_in(ALICE)
    await d.tap(alice, reminder, "需要延期")
    question = api.last_in(ALICE)
    assert "2026-12-06" in question.text  # at most max_extension_days (14) after the due date
    assert question.button_labels == ["+3 天（2026-11-25）", "+7 天（2026-11-29）", "+14 天（2026-12-06）"]

    await d.send(alice, "2026-12-07")
    assert "最晚只能延到 2026-12-06" in api.last_in(ALICE).text
    await d.send(alice, "next week")
    assert "YYYY-MM-DD" in api.last_in(ALICE).text
    await d.tap(alice, question, "+3")
    assert "2026-11-25" in api.last_in(ALICE).text
    tapped = next(m for m in api.messages_in(ALICE) if m.message_id == reminder.message_id)
    assert tapped.button_labels == [] and "截止日期已改为 2026-11-25" in tapped.text
    after = await s.wishes.get(wish.id)
    assert after.due_date == date(2026, 11, 25) and after.status is WishStatus.CLAIMED
    extend = [e for e in await s.events.for_wish(wish.id) if e.action == "extend"]
    assert len(extend) == 1 and extend[0].details["from"] == "2026-11-22"
    assert extend[0].to_status is None  # not a change of state
    notice = api.last_in(BOSS)
    assert "张丽 申请延期" in notice.text and "2026-11-25" in notice.text
    assert "2026-11-25" in api.last_in(GROUP_A).text  # the group card shows the new date

    # The new due date gets its own due-soon reminder; the old one is not overdue.
    assert await run(bot, clock, "overdue", at(11, 23, 9)) == 0
    assert await run(bot, clock, "due_soon", at(11, 24, 9)) == 1


async def test_coordinator_extend_from_escalation_tells_the_holder(bot: Bot, clock: FakeClock) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    p = await people(s, api)
    await bind_group(s, api)
    await set_community(s, escalate_after=1)
    wish = await claimed(s, p, due=date(2026, 11, 22))
    await run(bot, clock, "overdue", at(11, 23, 9))
    boss = api.user(BOSS, "Li")
    await d.tap(boss, api.last_in(BOSS), "延期")
    await d.send(boss, "2027-01-10")  # coordinators are not bound by max_extension_days
    assert "已告知 张丽" in api.last_in(BOSS).text
    assert api.messages_in(BOSS)[-3].button_labels == []  # the escalation is settled
    assert (await s.wishes.get(wish.id)).due_date == date(2027, 1, 10)
    assert "2027-01-10" in api.last_in(ALICE).text


async def test_release_from_a_reminder_keeps_the_other_wishes_buttons(bot: Bot, clock: FakeClock) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    p = await people(s, api)
    await bind_group(s, api)
    first = await claimed(s, p, due=date(2026, 11, 21))
    second = await claimed(s, p, due=date(2026, 11, 21))
    await run(bot, clock, "overdue", at(11, 23, 9))
    listing = api.last_in(ALICE)
    assert len(listing.button_labels) == 6
    await d.tap(api.user(ALICE, "Alice"), listing, f"放弃 {first.code}")
    await d.tap(api.user(ALICE, "Alice"), api.last_in(ALICE), "心愿有变化")  # Release asks why
    shown = next(m for m in api.messages_in(ALICE) if m.message_id == listing.message_id)
    assert all(first.code not in label for label in shown.button_labels)
    assert any(second.code in label for label in shown.button_labels)
    assert "你已放弃" in shown.text
    assert (await s.wishes.get(first.id)).status is WishStatus.OPEN


async def test_quiet_hours_hold_reminders_until_they_end(bot: Bot, clock: FakeClock) -> None:
    api, s = bot.api, bot.services
    p = await people(s, api)
    await bind_group(s, api)
    await claimed(s, p, due=date(2026, 11, 20))
    await set_community(s, reminder_hour=22)  # inside the default quiet hours 21:00-08:00
    for when in (at(11, 21, 21, 0), at(11, 21, 22, 0), at(11, 21, 23, 30), at(11, 22, 3), at(11, 22, 7, 59)):
        assert await run(bot, clock, "overdue", when) == 0, when
    assert await run(bot, clock, "overdue", at(11, 22, 8, 0)) == 1  # quiet hours over


async def test_quiet_hours_also_hold_a_late_catch_up(bot: Bot, clock: FakeClock) -> None:
    api, s = bot.api, bot.services
    p = await people(s, api)
    await bind_group(s, api)
    await claimed(s, p, due=date(2026, 11, 20))
    # Down at 09:00; back at 21:30: too late for today, and nothing at night.
    assert await run(bot, clock, "overdue", at(11, 21, 21, 30)) == 0
    assert await run(bot, clock, "overdue", at(11, 22, 8, 30)) == 0  # before the reminder hour
    assert await run(bot, clock, "overdue", at(11, 22, 9, 0)) == 1
    await set_community(s, quiet_start=0, quiet_end=0)  # a community without quiet hours
    assert await run(bot, clock, "overdue", at(11, 23, 23, 0)) == 1


async def test_unreachable_holder_is_not_chased_forever_and_coordinators_hear_once(
    bot: Bot, clock: FakeClock
) -> None:
    api, s = bot.api, bot.services
    wish = await claimed_in_group(bot, date(2026, 11, 22))
    api.block(ALICE)
    boss_before = len(api.messages_in(BOSS))

    await run(bot, clock, "overdue", at(11, 23, 9))
    tries = [c for c in api.calls_to("sendMessage") if c.params.get("chat_id") == ALICE and not c.ok]
    assert len(tries) == 1 and tries[0].error_code == 403
    assert (await s.members.get(ALICE)).unreachable_at is not None  # type: ignore[union-attr]
    told = api.messages_in(BOSS)[boss_before:]
    assert len(told) == 1 and "张丽" in told[0].text and wish.code in told[0].text

    # Next days: no attempt to write to her; one escalation the coordinators can act on.
    for day in (24, 25, 26):
        await run(bot, clock, "overdue", at(11, day, 9))
    tries = [c for c in api.calls_to("sendMessage") if c.params.get("chat_id") == ALICE and not c.ok]
    assert len(tries) == 1
    told = api.messages_in(BOSS)[boss_before:]
    assert len(told) == 2 and "收不到机器人的消息" in told[1].text
    assert told[1].button_labels == ["📅 延期", "🔁 改派", "⏩ 继续催办"]


async def test_unclaimed_nudge_lists_stale_wishes_once_with_claim_buttons(bot: Bot, clock: FakeClock) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    p = await people(s, api)
    await bind_group(s, api)
    stale = await posted(s, p.boss, due=date(2026, 12, 20))  # open since 11-20 10:00
    clock.set(at(11, 23, 12))
    fresh = await posted(s, p.boss, due=date(2026, 12, 20))
    await d.settle()

    assert await run(bot, clock, "unclaimed", at(11, 23, 9, 30)) == 0  # not yet more than 3 days
    assert await run(bot, clock, "unclaimed", at(11, 24, 9)) == 1
    nudge = api.last_in(GROUP_A)
    assert stale.code in nudge.text and fresh.code not in nudge.text
    assert nudge.button_labels == [f"🙋 认领 {stale.code}"]
    assert "王**" in nudge.text and "王秀英" not in nudge.text and "13812345678" not in nudge.text
    assert await run(bot, clock, "unclaimed", at(11, 24, 18)) == 0
    assert await run(bot, clock, "unclaimed", at(11, 25, 9)) == 0  # listed again only after 3 days
    assert await run(bot, clock, "unclaimed", at(11, 26, 9)) == 0
    assert await run(bot, clock, "unclaimed", at(11, 27, 9)) == 1  # both now (fresh: 3 days 21 h)
    assert fresh.code in api.last_in(GROUP_A).text

    await d.tap(api.user(ALICE, "Alice"), api.last_in(GROUP_A), f"认领 {stale.code}", chat=api.chat(GROUP_A))
    assert (await s.wishes.get(stale.id)).holder_id == ALICE
    assert await run(bot, clock, "unclaimed", at(11, 30, 9)) == 1
    assert stale.code not in api.last_in(GROUP_A).text


async def test_a_restart_between_two_runs_sends_nothing_twice(
    settings: Settings, clock: FakeClock, api: FakeTelegram
) -> None:
    async with running(settings, clock, api) as bot:
        s = bot.services
        p = await people(s, api)
        await bind_group(s, api)
        await claimed(s, p, due=date(2026, 11, 21))
        await set_community(s, escalate_after=2)
        assert await run(bot, clock, "overdue", at(11, 22, 9)) == 1
        # Crash right after a pass queued its messages but before they went out:
        assert bot.services.sender is not None
        await bot.services.sender.stop()
        clock.set(at(11, 23, 9))
        assert await bot.services.reminders.overdue(clock.now()) == 2  # reminder + escalation
    sent = len(api.calls_to("sendMessage"))

    async with running(settings, clock, api) as bot:
        await bot.driver.settle()  # the queue survived: the two messages go out now, once
        assert len(api.calls_to("sendMessage")) == sent + 2
        for name in ("due_soon", "overdue", "unclaimed"):
            assert await run(bot, clock, name, at(11, 23, 9, 30)) == 0
        assert len(api.calls_to("sendMessage")) == sent + 2

    async with running(settings, clock, api) as bot:
        assert await run(bot, clock, "overdue", at(11, 23, 20)) == 0
        assert await run(bot, clock, "overdue", at(11, 24, 9)) == 1  # a new day: one more

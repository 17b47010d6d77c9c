"""Release with a reason, through Telegram: Release asks why (buttons, or other with a few words),
the reason lands in the audit trail, reaches the coordinators in their language, shows in
/history and is counted in /branchreport, like the wall's typed reasons."""

from __future__ import annotations

from datetime import date

import pytest

from bot.clock import FakeClock
from bot.models import WishStatus
from bot.texts import t
from bot.wishes.graph import MAX_REASON
from tests.conftest import Bot
from tests.factories import BENEFICIARY
from tests.fakes.telegram_api import StoredMessage
from tests.scheduling import ALICE, BOB, BOSS, at, bind_group, claimed, claimed_in_group, people, run

REASONS = ["联系不上受助人", "没有时间", "心愿有变化", "其他原因", "不放弃了"]


pytestmark = pytest.mark.passes_by_hand  # its settings: fast_settings (tests/conftest.py)


def current(bot: Bot, message: StoredMessage) -> StoredMessage:
    return next(m for m in bot.api.messages_in(message.chat_id) if m.message_id == message.message_id)


async def test_release_asks_why_and_tells_the_coordinators(bot: Bot) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    wish = await claimed_in_group(bot, date(2026, 12, 5))
    alice, boss = api.user(ALICE, "Alice"), api.user(BOSS, "Li")
    details = d.last_private(alice)
    boss_before = len(d.private(boss))

    answer = await d.tap(alice, details, "放弃认领")
    assert answer is not None and not answer.show_alert
    asked = d.last_private(alice)
    assert wish.code in asked.text and asked.button_labels == REASONS
    assert all(len((b.callback_data or "").encode()) <= 64 for row in asked.buttons for b in row)
    assert (await s.wishes.get(wish.id)).status is WishStatus.CLAIMED  # nothing yet

    await d.tap(alice, asked, "联系不上受助人")
    assert (await s.wishes.get(wish.id)).status is WishStatus.OPEN
    assert "你已放弃" in current(bot, asked).text and current(bot, asked).button_labels == []
    assert BENEFICIARY.phone not in current(bot, details).text  # the details were taken back
    release = [e for e in await s.events.for_wish(wish.id) if e.action == "release"][-1]
    assert release.actor_id == ALICE and release.details["reason_kind"] == "unreachable"
    assert release.details["by_holder"] is True and "reason" not in release.details
    told = d.private(boss)[boss_before:]
    assert any("张丽 放弃了" in m.text and "原因：联系不上受助人" in m.text for m in told)
    # /history names the reason too.
    await d.send(boss, f"/history {wish.code}")
    assert "联系不上受助人" in d.last_private(boss).text
    # The question's buttons are stale now: a second tap changes nothing.
    again = await d.tap(alice, current(bot, asked), data=f"rr1:{wish.id}:nt")
    assert again is not None and again.show_alert
    assert len([e for e in await s.events.for_wish(wish.id) if e.action == "release"]) == 1


async def test_a_reason_chosen_in_english_reaches_a_chinese_coordinator_in_chinese(bot: Bot) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    wish = await claimed_in_group(bot, date(2026, 12, 5), holder_id=BOB)
    bob, boss = api.user(BOB, "Bob", language_code="en"), api.user(BOSS, "Li")
    await d.tap(bob, d.last_private(bob), "Release")
    asked = d.last_private(bob)
    assert asked.button_labels == [
        "couldn't reach the beneficiary",
        "no time",
        "the wish changed",
        "other reason",
        "Keep it after all",
    ]
    await d.tap(bob, asked, "no time")
    assert (await s.wishes.get(wish.id)).status is WishStatus.OPEN
    assert "Bob Chen 放弃了" in d.last_private(boss).text and "原因：没有时间" in d.last_private(boss).text


async def test_keep_it_changes_nothing(bot: Bot) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    wish = await claimed_in_group(bot, date(2026, 12, 5))
    alice = api.user(ALICE, "Alice")
    await d.tap(alice, d.last_private(alice), "放弃认领")
    asked = d.last_private(alice)
    await d.tap(alice, asked, "不放弃了")
    assert current(bot, asked).text == t("zh", "release.kept", code=wish.code)
    assert (await s.wishes.get(wish.id)).holders == (ALICE,)
    assert not [e for e in await s.events.for_wish(wish.id) if e.action == "release"]


async def test_other_asks_for_words_and_refuses_empty_or_endless_ones(bot: Bot) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    wish = await claimed_in_group(bot, date(2026, 12, 5))
    alice, boss = api.user(ALICE, "Alice"), api.user(BOSS, "Li")
    await d.tap(alice, d.last_private(alice), "放弃认领")
    asked = d.last_private(alice)
    await d.tap(alice, asked, "其他原因")
    assert current(bot, asked).text == t("zh", "release.ask_other", code=wish.code)
    await d.send(alice, "   ")
    assert d.last_private(alice).text == t("zh", "val.empty")
    await d.send(alice, "长" * (MAX_REASON + 1))
    assert d.last_private(alice).text == t("zh", "val.too_long", max=MAX_REASON)
    assert (await s.wishes.get(wish.id)).status is WishStatus.CLAIMED
    await d.send(alice, "家里老人住院了")
    assert (await s.wishes.get(wish.id)).status is WishStatus.OPEN
    assert "你已放弃" in d.last_private(alice).text
    release = [e for e in await s.events.for_wish(wish.id) if e.action == "release"][-1]
    assert release.details["reason_kind"] == "other" and release.details["reason"] == "家里老人住院了"
    assert "原因：家里老人住院了" in d.last_private(boss).text
    # The conversation is over: the next words are not taken as another reason.
    await d.send(alice, "你好")
    assert d.last_private(alice).text == t("zh", "help.not_understood")


async def test_other_then_cancel_keeps_the_wish(bot: Bot) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    wish = await claimed_in_group(bot, date(2026, 12, 5))
    alice = api.user(ALICE, "Alice")
    await d.tap(alice, d.last_private(alice), "放弃认领")
    await d.tap(alice, d.last_private(alice), "其他原因")
    await d.send(alice, "/cancel")
    await d.send(alice, "随便说说")
    assert (await s.wishes.get(wish.id)).holders == (ALICE,)


async def test_release_from_a_reminder_asks_too_and_the_reminder_keeps_the_rest(
    bot: Bot, clock: FakeClock
) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    p = await people(s, api)
    await bind_group(s, api)
    first = await claimed(s, p, due=date(2026, 11, 21))
    second = await claimed(s, p, due=date(2026, 11, 21))
    await run(bot, clock, "overdue", at(11, 23, 9))
    alice = api.user(ALICE, "Alice")
    listing = api.last_in(ALICE)
    await d.tap(alice, listing, f"放弃 {first.code}")
    assert len(current(bot, listing).button_labels) == 6  # untouched until a reason is given
    await d.tap(alice, d.last_private(alice), "没有时间")
    shown = current(bot, listing)
    assert all(first.code not in label for label in shown.button_labels)
    assert any(second.code in label for label in shown.button_labels)
    release = [e for e in await s.events.for_wish(first.id) if e.action == "release"][-1]
    assert release.details["reason_kind"] == "no_time"


async def test_the_branch_report_counts_releases_by_reason(bot: Bot) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    p = await people(s, api)
    await bind_group(s, api)
    alice, boss = api.user(ALICE, "Alice"), api.user(BOSS, "Li")
    for label in ("联系不上受助人", "联系不上受助人", "心愿有变化"):
        await claimed(s, p, due=date(2026, 12, 5))
        await d.settle()
        await d.tap(alice, d.last_private(alice), "放弃认领")
        await d.tap(alice, d.last_private(alice), label)
    # Typed on the wall: counted as "other"; taken back by a coordinator: counted apart.
    typed = await claimed(s, p, due=date(2026, 12, 5))
    await s.wall.release(p.alice, typed.id, "临时出差")
    taken = await claimed(s, p, due=date(2026, 12, 5), holder=p.bob)
    await s.wishes.release(p.boss, taken.id)
    await d.settle()
    await d.send(boss, "/branchreport 第一支部")
    shown = [line for m in d.private(boss) for line in m.text.split("\n")]
    line = next(x for x in shown if x.startswith("放弃认领（按原因）"))
    assert (
        line
        == "放弃认领（按原因）：联系不上受助人 2 次；心愿有变化 1 次；其他原因 1 次；社区工作人员收回 1 次"
    )

"""Auto-release of stale claims through the overdue pass: off by default; on, a claim overdue by
`auto_release_days` whose holder never answered the reminders goes back to open (card edited,
holder and coordinators told why, reason "auto" in the record), at the reminder hour only."""

from __future__ import annotations

from datetime import date

import pytest

from bot.clock import FakeClock
from bot.models import Wish, WishStatus
from tests.conftest import Bot
from tests.factories import BENEFICIARY
from tests.scheduling import (
    ALICE,
    BOSS,
    GROUP_A,
    at,
    claimed_in_group,
    people,
    run,
    set_community,
)

pytestmark = pytest.mark.passes_by_hand  # its settings: fast_settings (tests/conftest.py)


async def stale(bot: Bot) -> Wish:
    """Alice holds a wish due 2026-11-22, claimed on the 20th."""
    return await claimed_in_group(bot, date(2026, 11, 22))


async def test_off_by_default_nothing_is_released(bot: Bot, clock: FakeClock) -> None:
    s = bot.services
    wish = await stale(bot)
    assert (await s.communities.get(1)).auto_release_days == 0  # type: ignore[union-attr]
    for day in range(23, 31):
        await run(bot, clock, "overdue", at(11, day, 9))
    after = await s.wishes.get(wish.id)
    assert after.status is WishStatus.CLAIMED and after.holders == (ALICE,)
    assert not [e for e in await s.events.for_wish(wish.id) if e.action == "release"]


async def test_a_claim_overdue_with_the_reminders_unanswered_goes_back_to_open(
    bot: Bot, clock: FakeClock
) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    wish = await stale(bot)
    await set_community(s, auto_release_days=3)
    details = api.last_in(ALICE)
    assert BENEFICIARY.phone in details.text
    assert await run(bot, clock, "overdue", at(11, 23, 9)) == 1  # one day late: chased
    assert await run(bot, clock, "overdue", at(11, 24, 9)) == 1
    assert (await s.wishes.get(wish.id)).status is WishStatus.CLAIMED
    boss_before = len(api.messages_in(BOSS))

    assert await run(bot, clock, "overdue", at(11, 25, 9)) >= 1  # three days late
    after = await s.wishes.get(wish.id)
    assert after.status is WishStatus.OPEN and after.holders == () and after.holder_id is None
    # The card is open for claiming again, with no personal data.
    card = api.last_in(GROUP_A)
    assert wish.code in card.text and card.button_labels == ["🙋 认领"]
    assert BENEFICIARY.phone not in card.text
    # The holder is told why and loses the details; the coordinators are told too (no escalation
    # about a wish that is no longer held).
    told = api.last_in(ALICE).text
    assert wish.code in told and "逾期 3 天" in told and "2 次提醒" in told
    shown = next(m for m in api.messages_in(ALICE) if m.message_id == details.message_id)
    assert BENEFICIARY.phone not in shown.text
    to_boss = [m.text for m in api.messages_in(BOSS)[boss_before:]]
    assert any("自动放回" in x and "张丽" in x and wish.code in x for x in to_boss)
    assert not any("仍未报告送达" in x for x in to_boss)
    release = [e for e in await s.events.for_wish(wish.id) if e.action == "release"][-1]
    assert release.actor_id is None and release.details["reason_kind"] == "auto"
    assert release.details["overdue_days"] == 3 and release.details["reminders"] == 2
    # Running again (or later) releases nothing twice, and nobody is chased about it.
    chased = len(api.messages_in(ALICE))
    assert await run(bot, clock, "overdue", at(11, 25, 15)) == 0
    assert await run(bot, clock, "overdue", at(11, 26, 9)) == 0
    assert len(api.messages_in(ALICE)) == chased
    # The branch report counts it.
    await d.send(api.user(BOSS, "Li"), "/branchreport 第一支部")
    lines = [line for m in d.private(api.user(BOSS, "Li")) for line in m.text.split("\n")]
    assert "放弃认领（按原因）：逾期未回应，自动放回 1 次" in lines


async def test_no_release_when_the_holder_answered_the_reminder(bot: Bot, clock: FakeClock) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    wish = await stale(bot)
    await set_community(s, auto_release_days=3)
    await run(bot, clock, "overdue", at(11, 23, 9))
    # "Need more time", then no date after all: an answer all the same.
    alice = api.user(ALICE, "Alice")
    await d.tap(alice, api.last_in(ALICE), "需要延期")
    await d.send(alice, "/cancel")
    assert (await s.wishes.get(wish.id)).due_date == date(2026, 11, 22)
    for day in (24, 25, 26, 27):
        await run(bot, clock, "overdue", at(11, day, 9))
    after = await s.wishes.get(wish.id)
    assert after.status is WishStatus.CLAIMED and after.holders == (ALICE,)  # left to the coordinators


async def test_no_release_when_a_coordinator_chose_to_keep_chasing(bot: Bot, clock: FakeClock) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    wish = await stale(bot)
    await set_community(s, auto_release_days=4)
    for day in (23, 24, 25):
        await run(bot, clock, "overdue", at(11, day, 9))
    escalation = next(m for m in reversed(api.messages_in(BOSS)) if "继续催办" in "".join(m.button_labels))
    await d.tap(api.user(BOSS, "Li"), escalation, "继续催办")
    await run(bot, clock, "overdue", at(11, 26, 9))
    assert (await s.wishes.get(wish.id)).holders == (ALICE,)


async def test_quiet_hours_hold_an_auto_release_until_the_reminder_hour(bot: Bot, clock: FakeClock) -> None:
    s = bot.services
    wish = await stale(bot)
    await set_community(s, auto_release_days=3)
    for day in (23, 24):
        await run(bot, clock, "overdue", at(11, day, 9))
    # The bot was down at 09:00 on the 25th; it comes back late in the evening: quiet hours.
    assert await run(bot, clock, "overdue", at(11, 25, 22)) == 0
    assert await run(bot, clock, "overdue", at(11, 26, 7, 59)) == 0
    assert (await s.wishes.get(wish.id)).status is WishStatus.CLAIMED
    assert await run(bot, clock, "overdue", at(11, 26, 9)) >= 1
    assert (await s.wishes.get(wish.id)).status is WishStatus.OPEN


async def test_coordinators_turn_it_on_with_set(bot: Bot) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    await people(s, api)
    boss = api.user(BOSS, "Li")
    await d.send(boss, "/settings")
    assert "auto_release_days = 0" in d.last_private(boss).text
    await d.send(boss, "/set auto_release_days 5")
    assert (await s.communities.get(1)).auto_release_days == 5  # type: ignore[union-attr]
    await d.send(boss, "/set auto_release_days off")
    assert (await s.communities.get(1)).auto_release_days == 0  # type: ignore[union-attr]
    await d.send(boss, "/set auto_release_days 91")
    assert (await s.communities.get(1)).auto_release_days == 0  # type: ignore[union-attr]
    assert "0" in d.last_private(boss).text and "90" in d.last_private(boss).text
    audit = await s.events.by_action("community.setting")
    assert [e.details["value"] for e in audit if e.details["key"] == "auto_release_days"] == [5, 0]

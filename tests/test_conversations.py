"""Conversations refuse bad input step by step, change nothing until Submit, survive restarts."""

from __future__ import annotations

from bot.clock import FakeClock
from bot.models import WishStatus
from bot.settings import Settings
from tests.conftest import Bot, running
from tests.factories import COORDINATOR
from tests.fakes.telegram_api import FakeTelegram
from tests.test_flow import register


async def pending_count(bot: Bot) -> int:
    return await bot.services.wish_repo.count_by_status(1, WishStatus.PENDING)


async def test_each_step_reasks_with_the_reason(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss = api.user(COORDINATOR, "Li", language_code="en")
    await register(bot, boss, "Li Wei")
    await d.send(boss, "/newwish")
    await d.send(boss, "x" * 41)
    assert "Too long" in d.private(boss)[-2].text and "1/8" in d.last_private(boss).text
    await d.send(boss, "Wang Xiuying")
    await d.send(boss, "12345")
    assert "phone number looks wrong" in d.private(boss)[-2].text
    await d.send(boss, "13812345678")
    await d.send(boss, "   ")  # Telegram would not even deliver blank text; the fake trims it
    await d.send(boss, "Xingfu Road 8")
    # Typing where buttons are expected is refused without moving on.
    await d.send(boss, "old man")
    assert "button" in d.last_private(boss).text
    await d.tap(boss, d.private(boss)[-2], "elderly living alone")
    await d.send(boss, "An electric heater")
    await d.send(boss, "lots")
    assert "amount in yuan" in d.private(boss)[-2].text
    await d.send(boss, "-5")
    assert "between 0 and" in d.private(boss)[-2].text
    await d.tap(boss, d.last_private(boss), "Skip")
    await d.send(boss, "2020-01-01")
    assert "past" in d.private(boss)[-2].text
    await d.send(boss, "31/12/2026")
    assert "YYYY-MM-DD" in d.private(boss)[-2].text
    await d.send(boss, "2026-12-24")
    await d.send(boss, "not a photo")
    assert "send a photo" in d.last_private(boss).text
    await d.tap(boss, d.private(boss)[-2], "Skip")
    summary = d.last_private(boss)
    assert "Wang Xiuying" in summary.text and "2026-12-24" in summary.text and "Value" not in summary.text
    assert await pending_count(bot) == 0, "nothing is saved before Submit"
    await d.tap(boss, summary, "Submit")
    assert await pending_count(bot) == 1


async def test_cancel_at_any_step_saves_nothing(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    await d.send(boss, "/newwish")
    await d.send(boss, "王秀英")
    await d.send(boss, "/cancel")
    assert "已取消" in d.last_private(boss).text
    await d.send(boss, "13812345678")  # no longer in a conversation
    assert "没看懂" in d.last_private(boss).text
    assert await pending_count(bot) == 0
    assert await bot.services.drafts.load(boss.id, "newwish") is None


async def test_summary_cancel_button(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    await d.send(boss, "/newwish")
    for answer in ("王秀英", "13812345678", "幸福路 8 号"):
        await d.send(boss, answer)
    await d.tap(boss, d.last_private(boss), "留守儿童")
    await d.send(boss, "书包")
    await d.tap(boss, d.last_private(boss), "跳过")
    await d.tap(boss, d.last_private(boss), "7 天")
    await d.tap(boss, d.last_private(boss), "跳过")
    await d.tap(boss, d.last_private(boss), "取消")
    assert await pending_count(bot) == 0


async def test_draft_survives_a_restart(settings: Settings, clock: FakeClock) -> None:
    api = FakeTelegram()
    boss = api.user(COORDINATOR, "Li")
    async with running(settings, clock, api) as bot:
        await register(bot, boss, "李主任")
        await bot.driver.send(boss, "/newwish")
        await bot.driver.send(boss, "王秀英")
        await bot.driver.send(boss, "13812345678")
    async with running(settings, clock, api) as bot:
        d = bot.driver
        await d.send(boss, "幸福路 8 号")  # the address step, where we left off
        assert "类别" in d.last_private(boss).text
        await d.tap(boss, d.last_private(boss), "独居老人")
        await d.send(boss, "电暖器")
        await d.send(boss, "150")
        await d.tap(boss, d.last_private(boss), "30 天")
        await d.tap(boss, d.last_private(boss), "跳过")
        await d.tap(boss, d.last_private(boss), "提交")
        [wish] = await bot.services.wish_repo.list_by_status(1, WishStatus.PENDING)
        assert wish.beneficiary_phone == "13812345678" and wish.value_fen == 15000


async def test_members_cannot_use_coordinator_commands(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    alice = api.user(1, "Alice", language_code="en")
    await register(bot, alice, "Alice Zhang")
    for command in ("/newwish", "/pending", "/post W-0001", "/cancelwish W-0001"):
        await d.send(alice, command)
        assert "Only coordinators" in d.last_private(alice).text, command
    assert await bot.services.events.by_action("refused.command.newwish")


async def test_commands_in_the_wrong_chat(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss = api.user(COORDINATOR, "Li", language_code="en")
    await register(bot, boss, "Li Wei")
    group = api.group(-77, "Branch")
    await d.bot_added(group, boss)
    await d.send(boss, "/newwish", chat=group)
    assert "private chat" in api.last_in(-77).text
    await d.send(boss, "/bind")
    assert "in a group" in d.last_private(boss).text


async def test_register_refuses_bad_names(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    user = api.user(3, "U", language_code="en")
    await d.send(user, "/start")
    await d.send(user, "x")
    assert "real name" in d.last_private(user).text
    await d.send(user, "y" * 31)
    assert "real name" in d.last_private(user).text
    assert await bot.services.members.get(3) is None
    await d.send(user, "Zhao Liu")
    assert (await bot.services.members.get(3)) is not None

"""Release, dispute, reject, /mywishes, delivery photos, and buttons that lie."""

from __future__ import annotations

from bot.models import WishStatus
from tests.conftest import Bot
from tests.factories import COORDINATOR
from tests.fakes.telegram_api import FakeChat, FakeUser, StoredMessage
from tests.test_flow import GROUP_ID, NAME, PHONE, enter_wish, register, setup_group, verify_and_post


async def claimed(bot: Bot) -> tuple[FakeUser, FakeUser, FakeChat, int, StoredMessage]:
    api = bot.api
    boss, alice = api.user(COORDINATOR, "Li"), api.user(1, "Alice")
    await register(bot, boss, "李主任")
    await register(bot, alice, "张丽")
    group = await setup_group(bot, boss)
    wish_id = await enter_wish(bot, boss)
    card = await verify_and_post(bot, boss, wish_id)
    await bot.driver.tap(alice, card, "认领", chat=group)
    return boss, alice, group, wish_id, bot.driver.last_private(alice)


async def test_release_reopens_the_card_and_hides_the_details(bot: Bot) -> None:
    boss, alice, _, wish_id, details = await claimed(bot)
    d, api = bot.driver, bot.api
    await d.send(alice, "/mywishes")
    assert PHONE in d.last_private(alice).text
    await d.tap(alice, details, "放弃认领")
    await d.tap(alice, d.last_private(alice), "联系不上受助人")  # Release asks why first
    tapped = next(m for m in api.messages_in(alice.id) if m.message_id == details.message_id)
    assert PHONE not in tapped.text  # the details message she tapped was replaced
    assert api.last_in(GROUP_ID).button_labels == ["🙋 认领"]
    assert (await bot.services.wishes.get(wish_id)).status is WishStatus.OPEN
    await d.send(alice, "/mywishes")
    assert "没有认领" in d.last_private(alice).text
    assert "放弃了" in d.last_private(boss).text  # coordinators hear of it
    # The old details message's buttons no longer work for her.
    stale = await d.tap(alice, details, data=f"w1:dv:{wish_id}")
    assert stale is not None and stale.show_alert


async def test_dispute_sends_it_back_with_the_reason(bot: Bot) -> None:
    boss, alice, _, wish_id, details = await claimed(bot)
    d = bot.driver
    await d.tap(alice, details, "已送达")
    await d.send_photo(alice, file_id="delivery-photo", caption="放在门口了")
    report = d.last_private(boss)
    assert report.photo == "delivery-photo" and "放在门口了" in report.text
    await d.tap(boss, report, "有疑问")
    await d.send(boss, "老人说没收到")
    wish = await bot.services.wishes.get(wish_id)
    assert wish.status is WishStatus.CLAIMED and wish.holder_id == alice.id
    notice = d.last_private(alice)
    assert "老人说没收到" in notice.text and "已送达" in notice.button_labels[0]


async def test_reject_asks_a_reason_and_tells_nobody_in_groups(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    await setup_group(bot, boss)
    wish_id = await enter_wish(bot, boss)
    await d.send(boss, "/pending")
    await d.tap(boss, d.last_private(boss), "驳回")
    await d.send(boss, "/cancel")
    assert (await bot.services.wishes.get(wish_id)).status is WishStatus.PENDING
    await d.send(boss, "/pending")
    await d.tap(boss, d.last_private(boss), "驳回")
    await d.send(boss, "已由其他单位帮助")
    wish = await bot.services.wishes.get(wish_id)
    assert wish.status is WishStatus.REJECTED and wish.reason == "已由其他单位帮助"
    assert NAME not in "\n".join(api.everything_shown_in(GROUP_ID))


async def test_cancel_wish_command(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    await setup_group(bot, boss)
    wish_id = await enter_wish(bot, boss)
    await verify_and_post(bot, boss, wish_id)
    await d.send(boss, f"/cancelwish W-{wish_id:04d}")
    await d.send(boss, "受助人已搬走")
    assert (await bot.services.wishes.get(wish_id)).status is WishStatus.CANCELLED
    card = api.last_in(GROUP_ID)
    assert "已取消" in card.text and card.button_labels == []
    await d.send(boss, "/cancelwish")
    assert "W-0042" in d.last_private(boss).text  # tells how to write it


async def test_forged_and_stale_buttons_get_an_alert_and_an_audit_entry(bot: Bot) -> None:
    _boss, alice, group, wish_id, _details = await claimed(bot)
    d, api = bot.driver, bot.api
    mallory = api.user(66, "Mallory")
    await register(bot, mallory, "马六")
    for data in ("w1:cl:999999", "w1:dv:abc", "garbage", "w1:rl:" + str(wish_id), f"w1:cf:{wish_id}"):
        answer = await d.tap(mallory, api.last_in(GROUP_ID), data=data, chat=group)
        assert answer is not None and answer.show_alert, data
    wish = await bot.services.wishes.get(wish_id)
    assert wish.status is WishStatus.CLAIMED and wish.holder_id == alice.id
    audit = await bot.services.events.by_action("refused.button")
    # Release and Confirm are private-chat buttons: pressed in a group they are refused first.
    assert {e.details["data"] for e in audit} >= {"w1:dv:abc", "garbage", f"w1:rl:{wish_id}", f"w1:cf:{wish_id}"}
    assert await bot.services.events.by_action("refused.claim")


async def test_double_tap_on_verify_changes_once(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    wish_id = await enter_wish(bot, boss)
    await d.send(boss, "/pending")
    card = d.last_private(boss)
    first, second = await d.tap_all([(boss, card, "核查通过"), (boss, card, "核查通过")])
    assert first is not None and second is not None
    assert second.show_alert  # the second tap is told the wish is no longer pending
    verifies = [e for e in await bot.services.events.for_wish(wish_id) if e.action == "verify"]
    assert len(verifies) == 1


async def test_post_without_a_bound_group_says_so(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    wish_id = await enter_wish(bot, boss)
    await d.send(boss, "/pending")
    await d.tap(boss, d.last_private(boss), "核查通过")
    await d.send(boss, f"/post W-{wish_id:04d}")
    assert "/bind" in d.last_private(boss).text
    assert (await bot.services.wishes.get(wish_id)).status is WishStatus.VERIFIED

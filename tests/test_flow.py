"""The whole loop through Telegram: the real Application against the fake Bot API."""

from __future__ import annotations

from bot.models import WishStatus
from bot.people.organisation import SYSTEM
from tests.conftest import Bot
from tests.factories import BRANCH_NAME, COORDINATOR
from tests.fakes.telegram_api import FakeChat, FakeUser, StoredMessage

NAME, PHONE, ADDRESS = "王秀英", "13812345678", "幸福路 8 号 3 单元 502 室"
GROUP_ID = -1001234


async def register(bot: Bot, user: FakeUser, name: str, branch_id: int = 1) -> None:
    """A member joins through an invite link; a coordinator just gives their name."""
    token = ""
    if user.id != COORDINATOR:
        token = (await bot.services.org.create_invite(SYSTEM, branch_id)).token
    await bot.driver.send(user, f"/start {token}".strip())
    await bot.driver.send(user, name)
    assert await bot.services.members.get(user.id) is not None


async def enter_wish(bot: Bot, coordinator: FakeUser, *, photo: bool = False) -> int:
    d = bot.driver
    await d.send(coordinator, "/newwish")
    await d.send(coordinator, NAME)
    await d.send(coordinator, PHONE)
    await d.send(coordinator, ADDRESS)
    await d.tap(coordinator, d.last_private(coordinator), "独居老人")
    await d.send(coordinator, "电暖器一台")
    await d.send(coordinator, "200")
    await d.tap(coordinator, d.last_private(coordinator), "14 天")
    if photo:
        await d.send_photo(coordinator, file_id="photo-of-room")
    else:
        await d.tap(coordinator, d.last_private(coordinator), "跳过")
    summary = d.last_private(coordinator)
    assert NAME in summary.text and PHONE in summary.text
    await d.tap(coordinator, summary, "提交")
    pending = await bot.services.wish_repo.list_by_status(1, WishStatus.PENDING)
    assert pending, "Submit saved nothing"
    return pending[-1].id


async def setup_group(bot: Bot, coordinator: FakeUser) -> FakeChat:
    group = bot.api.group(GROUP_ID, "幸福社区第一支部")
    await bot.driver.bot_added(group, coordinator)
    await bot.driver.send(coordinator, "/bind", chat=group)
    await bot.driver.tap(coordinator, bot.api.last_in(GROUP_ID), BRANCH_NAME, chat=group)
    assert "绑定" in bot.api.last_in(GROUP_ID).text
    return group


async def verify_and_post(bot: Bot, coordinator: FakeUser, wish_id: int) -> StoredMessage:
    d = bot.driver
    await d.send(coordinator, "/pending")
    code = f"W-{wish_id:04d}"
    # The card's first line names its wish (a repeat-beneficiary note may name others).
    card = next(
        m for m in reversed(d.private(coordinator)) if code in m.text.split("\n")[0] and m.button_labels
    )
    await d.tap(coordinator, card, "核查通过")
    verified = next(m for m in bot.api.messages_in(coordinator.id) if m.message_id == card.message_id)
    await d.tap(coordinator, verified, "发布到群")
    group_card = bot.api.last_in(GROUP_ID)
    assert f"W-{wish_id:04d}" in group_card.text
    return group_card


async def test_whole_loop_coordinator_and_two_members(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss = api.user(COORDINATOR, "Li", language_code="zh-hans")
    alice = api.user(1, "Alice", language_code="zh-hans")
    bob = api.user(2, "Bob", language_code="en")
    await register(bot, boss, "李主任")
    await register(bot, alice, "张丽")
    await register(bot, bob, "Bob Chen")
    group = await setup_group(bot, boss)
    wish_id = await enter_wish(bot, boss)
    card = await verify_and_post(bot, boss, wish_id)

    # The group card: masked name and category, the wish, value, due date, one Claim button.
    assert "王**" in card.text and "独居老人" in card.text and "电暖器一台" in card.text
    assert "200" in card.text and "2026-12-04" in card.text
    assert card.button_labels == ["🙋 认领"]

    answer = await d.tap(alice, card, "认领", chat=group)
    assert answer is not None and "W-" in (answer.text or "")
    card = api.last_in(GROUP_ID)
    assert "张丽" in card.text and card.button_labels == []
    details = d.last_private(alice)
    assert NAME in details.text and PHONE in details.text and ADDRESS in details.text
    assert details.button_labels == ["✅ 已送达", "↩️ 放弃认领", "⏳ 需要延期", "🤝 转交他人"]

    # Bob is too late, and is told so at once.
    # Bob's client still shows the old card with its Claim button.
    late = await d.tap(bob, card, data=f"w1:cl:{wish_id}", chat=group)
    assert late is not None and late.show_alert and "already taken" in (late.text or "")

    # Alice delivers with a note; the coordinator confirms.
    await d.tap(alice, details, "已送达")
    await d.send(alice, "已送到老人家里，老人很满意")
    report = d.last_private(boss)
    assert "张丽" in report.text and "老人很满意" in report.text
    await d.tap(boss, report, "确认圆梦")
    wish = await bot.services.wishes.get(wish_id)
    assert wish.status is WishStatus.FULFILLED
    assert "已圆梦" in api.last_in(GROUP_ID).text
    assert "圆梦" in d.last_private(alice).text

    # Nothing personal ever reached the group.
    shown = "\n".join(api.everything_shown_in(GROUP_ID))
    for secret in (NAME, PHONE, ADDRESS, "13812345678"):
        assert secret not in shown


async def test_twenty_members_tap_claim_at_once(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    group = await setup_group(bot, boss)
    wish_id = await enter_wish(bot, boss)
    card = await verify_and_post(bot, boss, wish_id)
    members = [api.user(100 + i, f"M{i}") for i in range(20)]
    for m in members:
        await register(bot, m, f"志愿者{m.id}")
    answers = await d.tap_all([(m, card, "认领") for m in members])
    assert all(a is not None for a in answers)
    winners = [a for a in answers if a and "认领成功" in (a.text or "")]
    taken = [a for a in answers if a and "已被认领" in (a.text or "")]
    assert len(winners) == 1 and len(taken) == 19
    wish = await bot.services.wishes.get(wish_id)
    assert wish.status is WishStatus.CLAIMED
    holders = [m for m in members if m.id == wish.holder_id]
    assert len(holders) == 1
    # Only the holder got the private details.
    got_details = [m for m in members if any(PHONE in msg.text for msg in api.messages_in(m.id))]
    assert got_details == holders
    del group


async def test_unregistered_tapper_is_sent_to_the_bot(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    group = await setup_group(bot, boss)
    card = await verify_and_post(bot, boss, await enter_wish(bot, boss))
    stranger = api.user(555, "Stranger")
    answer = await d.tap(stranger, card, "认领", chat=group)
    assert answer is not None and answer.show_alert
    assert answer.url is not None and "start=claim_" in answer.url
    # Following the link: /start with the payload, register, and the wish is offered there.
    wish_id = int(answer.url.rsplit("_", 1)[1])
    await d.send(stranger, f"/start claim_{wish_id}")
    await d.send(stranger, "赵六")
    # No invite: a join request goes to the coordinators of the wish's community.
    assert "申请" in d.last_private(stranger).text
    request = d.last_private(boss)
    assert "赵六" in request.text
    await d.tap(boss, request, "批准")
    assert "已通过" in d.last_private(stranger).text
    # Now the same link offers the wish, ready to claim, without the beneficiary's details.
    await d.send(stranger, f"/start claim_{wish_id}")
    offered = d.last_private(stranger)
    assert "认领" in offered.button_labels[0] and NAME not in offered.text
    await d.tap(stranger, offered, "认领")
    assert (await bot.services.wishes.get(wish_id)).holder_id == stranger.id

"""/wishes through Telegram: a member's list of their community's open wishes, masked like the
group cards, paged and filtered; Claim and Join from it are the group card's claim."""

from __future__ import annotations

from datetime import date, timedelta

from bot.browse.buttons import ListCallback
from bot.models import Category, Wish
from bot.people.policies import Actor
from bot.texts import t
from bot.validation import VALUE_MAX_YUAN
from tests.conftest import Bot
from tests.factories import BENEFICIARY, COORDINATOR, draft
from tests.fakes.telegram_api import FakeUser, StoredMessage
from tests.test_flow import GROUP_ID, register, setup_group

TODAY = date(2026, 11, 20)  # the test clock's day in Shanghai


class Setup:
    def __init__(self, bot: Bot, boss: FakeUser, alice: FakeUser, bob: FakeUser, actor: Actor) -> None:
        self.bot, self.boss, self.alice, self.bob, self.actor = bot, boss, alice, bob, actor

    async def wish(
        self,
        description: str,
        *,
        category: str = Category.OTHER,
        value_yuan: int | None = 100,
        due_in: int = 20,
        post: bool = True,
    ) -> Wish:
        services = self.bot.services
        made = draft(
            description, due=TODAY + timedelta(days=due_in), value_fen=value_yuan and value_yuan * 100
        )
        wish = await services.wishes.create(self.actor, made.model_copy(update={"category": category}), 1)
        await services.wishes.verify(self.actor, wish.id)
        if post:
            await services.wishes.post(self.actor, wish.id)
        await self.bot.driver.settle()
        return wish


async def setup(bot: Bot) -> Setup:
    api = bot.api
    boss = api.user(COORDINATOR, "Li")
    alice = api.user(1, "Alice")
    bob = api.user(2, "Bob", language_code="en")
    await register(bot, boss, "李主任")
    await register(bot, alice, "张丽")
    await register(bot, bob, "Bob Chen")
    await setup_group(bot, boss)
    await bot.services.org.set_setting(
        await bot.services.directory.actor(COORDINATOR, "zh"), 1, "member_cap", "9"
    )
    return Setup(bot, boss, alice, bob, await bot.services.directory.actor(COORDINATOR, "zh"))


async def listed(bot: Bot, user: FakeUser, line: str = "/wishes") -> StoredMessage:
    await bot.driver.send(user, line)
    return bot.driver.last_private(user)


def current(bot: Bot, message: StoredMessage) -> StoredMessage:
    return next(m for m in bot.api.messages_in(message.chat_id) if m.message_id == message.message_id)


def codes(message: StoredMessage) -> list[str]:
    return [word for word in message.text.split() if word.startswith("W-")]


async def test_a_member_pages_through_the_open_wishes_masked_like_group_cards(bot: Bot) -> None:
    s = await setup(bot)
    made = [await s.wish(f"心愿{i}", due_in=10 + i) for i in range(7)]
    await s.wish("还没发布", post=False)
    taken = await s.wish("已被认领")
    await bot.services.wishes.claim(await bot.services.directory.actor(s.bob.id, "en"), taken.id)

    page = await listed(bot, s.alice)
    assert "共 7 个 · 第 1/2 页" in page.text
    assert codes(page) == [w.code for w in made[:5]]  # the soonest due first, like the wall
    assert "王** · 其他" in page.text and "心愿0" in page.text and "约 100 元" in page.text
    for secret in (BENEFICIARY.name, BENEFICIARY.phone, BENEFICIARY.address):
        assert secret not in page.text
    assert page.button_labels == [*(f"🙋 认领 {w.code}" for w in made[:5]), "下一页 ▶"]
    assert all(len((b.callback_data or "").encode()) <= 64 for row in page.buttons for b in row)

    await bot.driver.tap(s.alice, page, "下一页")
    page = current(bot, page)
    assert "第 2/2 页" in page.text and codes(page) == [w.code for w in made[5:]]
    assert page.button_labels[-1] == "◀ 上一页"
    await bot.driver.tap(s.alice, page, "上一页")
    assert codes(current(bot, page)) == [w.code for w in made[:5]]

    # In English for Bob, the same list.
    page = await listed(bot, s.bob)
    assert "7 in all · page 1/2" in page.text and "🙋 Claim" in page.button_labels[0]


async def test_filters_combine_in_either_language(bot: Bot) -> None:
    s = await setup(bot)
    await bot.driver.send(s.boss, "/categories add 独居青年 / Young people living alone")
    young = (await bot.services.categories.book(1)).custom()[0].key
    a = await s.wish("A", category=Category.ELDERLY_ALONE, value_yuan=50, due_in=5)
    b = await s.wish("B", category=Category.ELDERLY_ALONE, value_yuan=200, due_in=5)
    c = await s.wish("C", category=Category.VETERAN, value_yuan=50, due_in=30)
    d = await s.wish("D", category=young, value_yuan=80, due_in=3)
    e = await s.wish("E", category=Category.ELDERLY_ALONE, value_yuan=None, due_in=6)

    for line, expected in [
        ("/wishes 独居老人", [b, a, e]),
        ("/wishes <100", [d, a, c]),
        ("/wishes ≤200 独居老人", [b, a]),
        ("/wishes 独居老人 <100 7d", [a]),
        ("/wishes 7天", [d, b, a, e]),
        ("/wishes 独居青年", [d]),
        ("/wishes young people living alone <=80", [d]),
    ]:
        page = await listed(bot, s.alice, line)
        assert sorted(codes(page)) == sorted(w.code for w in expected), line
    page = await listed(bot, s.alice, "/wishes 独居老人 <100 7d")
    assert "筛选：独居老人、价值 ≤ 99.99 元、7 天内到期" in page.text
    data = ListCallback.unpack(page.buttons[0][0].callback_data)
    assert data is not None and (data.category, data.max_fen, data.due_within) == ("elderly_alone", 9999, 7)
    page = await listed(bot, s.bob, "/wishes Elderly living alone")
    assert f"Filters: {t('en', 'cat.elderly_alone')}" in page.text

    for line, says in [
        ("/wishes 老人", t("zh", "browse.unknown_word", word="老人")),
        ("/wishes 7d 14d", t("zh", "browse.twice")),
        ("/wishes <1000000", t("zh", "browse.bad_value", max=VALUE_MAX_YUAN)),
    ]:
        before = len(bot.driver.private(s.alice))
        page = await listed(bot, s.alice, line)
        assert page.text == says and len(bot.driver.private(s.alice)) == before + 1
    page = await listed(bot, s.alice, "/wishes 困难学生")
    assert "没有符合筛选条件" in page.text and page.button_labels == []


async def test_claiming_from_the_list_is_the_group_cards_claim(bot: Bot) -> None:
    s = await setup(bot)
    first = await s.wish("电暖器", due_in=3)
    second = await s.wish("书包", due_in=4)
    mine = await listed(bot, s.alice)
    late = await listed(bot, s.bob)
    card_before = bot.api.last_in(GROUP_ID)

    answer = await bot.driver.tap(s.alice, mine, f"认领 {first.code}")
    assert answer is not None and "认领成功" in (answer.text or "")
    events = [e.action for e in await bot.services.events.for_wish(first.id)]
    assert events.count("claim") == 1
    # The group card is edited as after a tap under it; the details come privately.
    cards = [m for m in bot.api.messages_in(GROUP_ID) if first.code in m.text]
    assert cards and "张丽" in cards[-1].text and cards[-1].button_labels == []
    assert BENEFICIARY.phone in "\n".join(m.text for m in bot.driver.private(s.alice))
    assert BENEFICIARY.phone not in "\n".join(bot.api.everything_shown_in(GROUP_ID))
    # The list is shown again without it.
    assert codes(current(bot, mine)) == [second.code]
    assert card_before is not None

    # Bob's older list still offers it: he is told at once that it is taken.
    answer = await bot.driver.tap(s.bob, late, f"Claim {first.code}")
    assert answer is not None and answer.show_alert and "taken" in (answer.text or "")
    assert (await bot.services.wishes.get(first.id)).holder_id == s.alice.id


async def test_joining_a_joint_wish_from_the_list(bot: Bot) -> None:
    s = await setup(bot)
    wish = await s.wish("修缮院子", value_yuan=None)
    await bot.services.wishes.set_needed_members(s.actor, wish.id, 2)
    page = await listed(bot, s.alice)
    assert page.button_labels == [f"🤝 加入 {wish.code}（0/2）"] and "需 2 人共同完成（已 0 人）" in page.text
    answer = await bot.driver.tap(s.alice, page, "加入")
    assert answer is not None and "1/2" in (answer.text or "")
    assert current(bot, page).button_labels == [f"🤝 加入 {wish.code}（1/2）"]
    page = await listed(bot, s.bob)
    await bot.driver.tap(s.bob, page, "Join")
    assert set((await bot.services.wishes.get(wish.id)).holders) == {s.alice.id, s.bob.id}
    assert "no wishes are open" in current(bot, page).text.lower()

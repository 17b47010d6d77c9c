"""Ways into the wish wall from Telegram: the menu button set at start-up, the button under the
welcome in a private chat, and the t.me link on group cards; and, without the settings, none
of them (bot/wall/links.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MenuButtonWebApp, WebAppInfo
from telegram.error import BadRequest

from bot.clock import FakeClock
from bot.models import Wish, WishStatus
from bot.people.policies import Actor
from bot.settings import Settings
from bot.wall.links import START_PARAM, app_link, card_link, may_open, welcome_buttons
from bot.wishes import cards
from tests.conftest import Bot, running
from tests.factories import COORDINATOR, wish_record
from tests.fakes.telegram.wire import MAX_CALLBACK_DATA_BYTES
from tests.fakes.telegram_api import FakeTelegram, StoredMessage
from tests.test_flow import ADDRESS, GROUP_ID, NAME, PHONE, enter_wish, register, setup_group, verify_and_post

WALL_URL = "https://bot.example.org/wall/"
WALL_APP = "wall"
BOT_USERNAME = "wishwall_test_bot"  # what the fake Bot API's getMe answers


@pytest.fixture
async def wall_bot(settings: Settings, clock: FakeClock, api: FakeTelegram) -> AsyncIterator[Bot]:
    configured = settings.model_copy(update={"wall_url": WALL_URL, "wall_app": WALL_APP})
    async with running(configured, clock, api) as started:
        yield started


def _web_app_buttons(message: StoredMessage) -> list[dict[str, object]]:
    return [b.raw for row in message.buttons for b in row if "web_app" in b.raw]


def _links(message: StoredMessage) -> list[str]:
    return [b.url for row in message.buttons for b in row if b.url]


def _callback_datas(message: StoredMessage) -> list[str]:
    return [b.callback_data for row in message.buttons for b in row if b.callback_data]


# --- the menu button ----------------------------------------------------------------------------


async def test_the_menu_button_of_private_chats_opens_the_wall_from_start_up(wall_bot: Bot) -> None:
    # Set by the application's post_init, next to the command menus, as `wishwall run` starts.
    calls = [c for c in wall_bot.api.calls if c.method == "setChatMenuButton"]
    assert len(calls) == 1 and calls[0].ok and "chat_id" not in calls[0].params
    assert wall_bot.api.menu_buttons[None] == {
        "type": "web_app",
        "text": "心愿墙",  # the default language's: one default button serves every chat
        "web_app": {"url": WALL_URL},
    }
    shown = await wall_bot.app.bot.get_chat_menu_button()
    assert shown == MenuButtonWebApp("心愿墙", WebAppInfo(WALL_URL))


async def test_without_the_settings_nothing_is_added(bot: Bot) -> None:
    """No menu button call, no button under the welcome, a group card with its Claim button
    alone: exactly the bot as it was."""
    api, d = bot.api, bot.driver
    assert not [c for c in api.calls if c.method == "setChatMenuButton"]
    boss = api.user(COORDINATOR, "Li")
    alice = api.user(1, "Alice")
    await register(bot, boss, "李主任")
    await register(bot, alice, "张丽")
    assert d.last_private(alice).buttons == []
    await d.send(alice, "/help")
    assert d.last_private(alice).buttons == []
    await setup_group(bot, boss)
    card = await verify_and_post(bot, boss, await enter_wish(bot, boss))
    assert card.button_labels == ["🙋 认领"] and _links(card) == []


# --- the welcome ---------------------------------------------------------------------------------


async def test_the_welcome_of_a_member_opens_the_wall_in_their_language(wall_bot: Bot) -> None:
    api, d = wall_bot.api, wall_bot.driver
    alice = api.user(1, "Alice", language_code="zh-hans")
    bob = api.user(2, "Bob", language_code="en")
    await register(wall_bot, alice, "张丽")  # joins through an invite: the welcome ends in /help
    await register(wall_bot, bob, "Bob Chen")
    assert _web_app_buttons(d.last_private(alice)) == [
        {"text": "📌 打开心愿墙", "web_app": {"url": WALL_URL}}
    ]
    assert _web_app_buttons(d.last_private(bob)) == [
        {"text": "📌 Open the wall", "web_app": {"url": WALL_URL}}
    ]
    # Coming back later: the same welcome, the same way in.
    await d.send(bob, "/start")
    assert "Welcome back" in d.private(bob)[-2].text
    assert _web_app_buttons(d.last_private(bob)) == [
        {"text": "📌 Open the wall", "web_app": {"url": WALL_URL}}
    ]


async def test_no_wall_button_for_whom_the_wall_would_turn_away_nor_in_a_group(wall_bot: Bot) -> None:
    api, d = wall_bot.api, wall_bot.driver
    boss = api.user(COORDINATOR, "Li")
    await register(wall_bot, boss, "李主任")
    # Registered, but in no branch yet: the wall would only say so.
    loner = api.user(5, "Loner")
    api.open_private(loner.id)
    await d.send(loner, "/start")
    await d.send(loner, "孤独者")
    assert all(not _web_app_buttons(m) for m in d.private(loner))
    # Suspended: the wall refuses them, so no button leads there.
    alice = api.user(1, "Alice")
    await register(wall_bot, alice, "张丽")
    await d.send(boss, f"/suspend {alice.id}")
    await d.send(alice, "/help")
    assert _web_app_buttons(d.last_private(alice)) == []
    # A group: /help there carries no Mini App button (Telegram refuses them outside private
    # chats, and the fake does too, so the help would not have arrived at all).
    group = await setup_group(wall_bot, boss)
    await d.send(boss, "/help", chat=group)
    assert api.last_in(GROUP_ID).buttons == []
    assert not [c for c in api.calls if c.method == "sendMessage" and not c.ok]


async def test_a_coordinator_gets_the_button_too(wall_bot: Bot) -> None:
    api, d = wall_bot.api, wall_bot.driver
    boss = api.user(COORDINATOR, "Li", language_code="en")
    await register(wall_bot, boss, "Director Li")
    await d.send(boss, "/help")
    assert _web_app_buttons(d.last_private(boss)) == [
        {"text": "📌 Open the wall", "web_app": {"url": WALL_URL}}
    ]


async def test_with_only_the_short_name_the_welcome_links_to_the_mini_app(
    settings: Settings, clock: FakeClock, api: FakeTelegram
) -> None:
    configured = settings.model_copy(update={"wall_app": WALL_APP})
    async with running(configured, clock, api) as bot:
        alice = api.user(1, "Alice", language_code="en")
        await register(bot, alice, "Alice")
        help_message = bot.driver.last_private(alice)
        assert _web_app_buttons(help_message) == []
        assert _links(help_message) == [f"https://t.me/{BOT_USERNAME}/{WALL_APP}"]
        # No address for the Mini App: no menu button is set either.
        assert not [c for c in api.calls if c.method == "setChatMenuButton"]


# --- group cards ---------------------------------------------------------------------------------


async def test_a_group_card_links_to_its_card_on_the_wall_and_to_nothing_personal(wall_bot: Bot) -> None:
    api, d = wall_bot.api, wall_bot.driver
    boss = api.user(COORDINATOR, "Li")
    alice = api.user(1, "Alice")
    await register(wall_bot, boss, "李主任")
    await register(wall_bot, alice, "张丽")
    group = await setup_group(wall_bot, boss)
    wish_id = await enter_wish(wall_bot, boss)
    card = await verify_and_post(wall_bot, boss, wish_id)
    code = f"W-{wish_id:04d}"

    assert card.button_labels == ["🙋 认领", "📌 打开心愿墙"]
    assert _web_app_buttons(card) == []  # a group takes no web_app button
    [link] = _links(card)
    assert link == f"https://t.me/{BOT_USERNAME}/{WALL_APP}?startapp={code}"
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "t.me", f"/{BOT_USERNAME}/{WALL_APP}")
    # The wish's code is the whole of what it carries, in the form Telegram takes.
    assert parse_qs(parts.query) == {"startapp": [code]}
    assert START_PARAM.fullmatch(code)
    for secret in (NAME, PHONE, ADDRESS, "王秀英", "13812345678", "独居"):
        assert secret not in link
    assert all(len(data.encode()) <= MAX_CALLBACK_DATA_BYTES for data in _callback_datas(card))

    # Claimed: the card no longer offers it, on the wall or in the group.
    await d.tap(alice, card, "认领", chat=group)
    card = api.last_in(GROUP_ID)
    assert "张丽" in card.text and card.buttons == []
    shown = "\n".join(api.everything_shown_in(GROUP_ID))
    for secret in (NAME, PHONE, ADDRESS):
        assert secret not in shown


async def test_a_joint_cards_link_stays_while_it_needs_members(wall_bot: Bot) -> None:
    api, d = wall_bot.api, wall_bot.driver
    boss = api.user(COORDINATOR, "Li")
    await register(wall_bot, boss, "李主任")
    group = await setup_group(wall_bot, boss)
    wish_id = await enter_wish(wall_bot, boss)
    await d.send(boss, f"/joint W-{wish_id:04d} 2")
    card = await verify_and_post(wall_bot, boss, wish_id)
    link = f"https://t.me/{BOT_USERNAME}/{WALL_APP}?startapp=W-{wish_id:04d}"
    assert card.button_labels == ["🤝 加入 (0/2)", "📌 打开心愿墙"]  # the group's language
    assert _links(card) == [link]
    people = [api.user(10 + i, f"M{i}") for i in range(2)]
    for person in people:
        await register(wall_bot, person, f"志愿者{person.id}")
    await d.tap(people[0], api.last_in(GROUP_ID), data=f"w1:cl:{wish_id}", chat=group)
    assert api.last_in(GROUP_ID).button_labels == ["🤝 加入 (1/2)", "📌 打开心愿墙"]
    assert _links(api.last_in(GROUP_ID)) == [link]
    await d.tap(people[1], api.last_in(GROUP_ID), data=f"w1:cl:{wish_id}", chat=group)
    assert api.last_in(GROUP_ID).buttons == []


# --- pure pieces ---------------------------------------------------------------------------------


def _wish(status: WishStatus = WishStatus.OPEN, wish_id: int = 42) -> Wish:
    held = status in (WishStatus.CLAIMED, WishStatus.DELIVERED)
    return wish_record(
        id=wish_id,
        status=status,
        holders=(1,) if held else (),
        beneficiary_name=NAME,
        beneficiary_phone=PHONE,
        beneficiary_address=ADDRESS,
        description="电暖器一台",
    )


def test_card_links_hold_telegrams_limits_for_any_code() -> None:
    for wish_id in (1, 42, 9999, 10_000, 2**31, 10**12 - 1):
        code = _wish(wish_id=wish_id).code
        link = card_link(WALL_APP, BOT_USERNAME, code)
        assert link is not None and link.endswith(f"?startapp={code}")
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,512}", code)
        rendered = cards.group_card(_wish(wish_id=wish_id), "zh", None, link)
        assert [b.url for row in rendered.buttons for b in row if b.url] == [link]
        assert all(
            len(b.callback_data.encode()) <= MAX_CALLBACK_DATA_BYTES
            for row in rendered.buttons
            for b in row
            if b.callback_data
        )
    # No registered Mini App, or no username yet: no link at all.
    assert card_link("", BOT_USERNAME, "W-0042") is None
    assert card_link(WALL_APP, None, "W-0042") is None
    with pytest.raises(ValueError):
        app_link(BOT_USERNAME, WALL_APP, "W 0042&x=1")


def test_only_claimable_cards_carry_the_link() -> None:
    link = card_link(WALL_APP, BOT_USERNAME, "W-0042")
    for status in WishStatus:
        rendered = cards.group_card(_wish(status), "en", "Alice", link)
        urls = [b.url for row in rendered.buttons for b in row if b.url]
        assert urls == ([link] if status is WishStatus.OPEN else []), status


def test_who_gets_the_welcome_button(settings: Settings) -> None:
    configured = settings.model_copy(update={"wall_url": WALL_URL})
    stranger = Actor(user_id=5)
    assert not may_open(stranger) and welcome_buttons(configured, BOT_USERNAME, stranger, "en") == ()
    admin_without_community = Actor(user_id=COORDINATOR, is_admin=True)
    assert not may_open(admin_without_community)
    coordinator = Actor(user_id=COORDINATOR, coordinator_of=frozenset({1}), current_community=1)
    assert may_open(coordinator)
    [[button]] = welcome_buttons(configured, BOT_USERNAME, coordinator, "en")
    assert button.web_app == WALL_URL and button.url is None and button.callback_data is None
    assert welcome_buttons(settings, BOT_USERNAME, coordinator, "en") == ()  # nothing configured


def test_the_settings_are_checked(settings: Settings) -> None:
    def with_(**values: str) -> Settings:
        return Settings(_env_file=None, bot_token="1:x", **values)  # type: ignore[call-arg]

    assert with_(wall_url="https://bot.example.org/wall").wall_url == "https://bot.example.org/wall/"
    assert with_(wall_url=" https://bot.example.org/wall/ ").wall_url == WALL_URL
    assert with_(wall_url="").wall_url == "" and with_(wall_app="").wall_app == ""
    assert with_(wall_app="wishwall_wall").wall_app == "wishwall_wall"
    for bad_url in (
        "http://bot.example.org/wall/",
        "bot.example.org/wall/",
        "https:///wall/",
        f"{WALL_URL}?x=1",
    ):
        with pytest.raises(ValidationError, match="WISHWALL_WALL_URL"):
            with_(wall_url=bad_url)
    for bad_app in ("ab", "wall app", "wall/app", "w" * 31, "墙墙墙"):
        with pytest.raises(ValidationError, match="WISHWALL_WALL_APP"):
            with_(wall_app=bad_app)


# --- the fake is as strict as Telegram here ------------------------------------------------------


async def test_the_fake_refuses_mini_app_buttons_in_groups_and_plain_http(bot: Bot) -> None:
    api = bot.api
    await bot.driver.bot_added(api.group(GROUP_ID, "幸福社区第一支部"), api.user(COORDINATOR, "Li"))
    web_app = InlineKeyboardMarkup([[InlineKeyboardButton("wall", web_app=WebAppInfo(WALL_URL))]])
    with pytest.raises(BadRequest, match=r"(?i)button_type_invalid"):
        await bot.app.bot.send_message(GROUP_ID, "card", reply_markup=web_app)
    user = api.user(1, "Alice")
    api.open_private(user.id)
    plain = InlineKeyboardMarkup([[InlineKeyboardButton("wall", web_app=WebAppInfo("http://x.org/wall/"))]])
    with pytest.raises(BadRequest, match=r"(?i)button_url_invalid"):
        await bot.app.bot.send_message(user.id, "hi", reply_markup=plain)
    await bot.app.bot.send_message(user.id, "hi", reply_markup=web_app)
    with pytest.raises(BadRequest):
        await bot.app.bot.set_chat_menu_button(menu_button=MenuButtonWebApp("wall", WebAppInfo("http://x/")))
    assert await bot.app.bot.set_chat_menu_button(chat_id=user.id, menu_button=None)

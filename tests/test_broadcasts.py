"""/broadcast and /broadcasts through the real application and the fake Bot API: a coordinator's
message to every active member of a branch, confirmed, delivered through the outbox within
quiet hours, and counted afterwards."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.people.organisation import SYSTEM
from tests.conftest import Bot
from tests.fakes.telegram_api import FakeTelegram, FakeUser, StoredMessage
from tests.scheduling import ALICE, BOB, BOSS, People, at, people, person, run

CAROL = 3  # in the second branch
NOTICE = "本周六上午九点在社区中心集中送达，请准时参加。"


pytestmark = pytest.mark.passes_by_hand  # its settings: fast_settings (tests/conftest.py)


async def two_branches(bot: Bot) -> tuple[People, FakeUser]:
    """Alice (zh) and Bob (en) in 第一支部, Carol in 第二支部; the coordinator is in neither."""
    s, api = bot.services, bot.api
    p = await people(s, api)
    await s.org.add_branch(SYSTEM, 1, "第二支部")
    await person(s, CAROL, "王芳", branch_id=2)
    api.user(CAROL, "Carol")
    api.open_private(CAROL)
    return p, api.user(BOSS, "Li")


def copies(api: FakeTelegram, chat_id: int, text: str = NOTICE) -> list[StoredMessage]:
    return [m for m in api.messages_in(chat_id) if text in (m.text or "")]


async def previewed(bot: Bot, boss: FakeUser, text: str = NOTICE) -> StoredMessage:
    """/broadcast, 第一支部, the text: returns the card with Send and Cancel."""
    d, api = bot.driver, bot.api
    await d.send(boss, "/broadcast")
    await d.tap(boss, api.last_in(BOSS), "第一支部")
    await d.send(boss, text)
    return api.last_in(BOSS)


async def test_broadcast_is_previewed_confirmed_delivered_and_counted(bot: Bot, clock: FakeClock) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    _, boss = await two_branches(bot)
    await d.send(boss, "/broadcast")
    choice = api.last_in(BOSS)
    assert choice.button_labels == ["第一支部", "第二支部"]
    await d.tap(boss, choice, "第一支部")
    assert "第一支部 2 名在册成员" in api.last_in(BOSS).text
    api.block(ALICE)  # she blocked the bot; the bot does not know yet
    await d.send(boss, NOTICE)
    view, card = api.messages_in(BOSS)[-2:]
    assert "第一支部 · 李主任 的通知" in view.text and NOTICE in view.text
    assert "2 名在册成员" in card.text and card.button_labels == ["📢 发送", "✖️ 取消"]
    assert copies(api, BOB) == []  # nothing goes before Send

    send_data = card.button("发送").callback_data
    await d.tap(boss, card, "发送")
    done = next(m for m in api.messages_in(BOSS) if m.message_id == card.message_id)
    assert "已排队发给第一支部的 2 名成员" in done.text and done.button_labels == []
    (bob_copy,) = copies(api, BOB)
    assert "a message from 李主任" in bob_copy.text  # in his language
    assert copies(api, CAROL) == []  # another branch
    tries = [c for c in api.calls_to("sendMessage") if c.params.get("chat_id") == ALICE and not c.ok]
    assert len(tries) == 1 and tries[0].error_code == 403

    await d.send(boss, "/broadcasts")
    assert "第一支部：1 · 1 · 0" in api.last_in(BOSS).text
    before = len(api.messages_in(BOSS))
    assert await run(bot, clock, "broadcast_report", clock.now()) == 1
    report = api.messages_in(BOSS)[before:]
    assert any("已送达 1 人，未能送达 1 人" in m.text and "张丽" in m.text for m in report)
    assert await run(bot, clock, "broadcast_report", clock.now()) == 0  # told once

    # The audit trail has it; a second tap of the old Send sends nothing more.
    (event,) = await s.events.by_action("broadcast")
    assert event.actor_id == BOSS and event.details["queued"] == 2 and event.details["branch"] == 1
    again = await d.tap(boss, done, data=send_data)
    assert again is not None and again.show_alert and "已失效" in (again.text or "")
    assert len(copies(api, BOB)) == 1 and len(await s.events.by_action("broadcast")) == 1


async def test_members_known_unreachable_are_counted_not_queued(bot: Bot, clock: FakeClock) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    _, boss = await two_branches(bot)
    await s.members.mark_unreachable(ALICE, clock.now())
    card = await previewed(bot, boss)
    assert "其中 1 人无法联系" in card.text
    await d.tap(boss, card, "发送")
    assert "有 1 名成员机器人无法联系，未发送" in api.last_in(BOSS).text
    assert [c for c in api.calls_to("sendMessage") if c.params.get("chat_id") == ALICE] == []
    await run(bot, clock, "broadcast_report", clock.now())
    assert "已送达 1 人，未能送达 1 人" in api.last_in(BOSS).text


async def test_quiet_hours_hold_the_messages_until_they_end(bot: Bot, clock: FakeClock) -> None:
    api, d = bot.api, bot.driver
    _, boss = await two_branches(bot)
    clock.set(at(11, 20, 22))
    await d.send(boss, "/broadcast 第一支部")  # the branch named: no buttons
    await d.send(boss, NOTICE)
    card = api.last_in(BOSS)
    assert "免打扰" in card.text and "08:00" in card.text
    await d.tap(boss, card, "发送")
    assert "将在 08:00 发出" in api.last_in(BOSS).text
    assert copies(api, BOB) == [] and copies(api, ALICE) == []
    await d.send(boss, "/broadcasts")
    assert "0 · 0 · 2" in api.last_in(BOSS).text
    assert await run(bot, clock, "broadcast_report", at(11, 20, 22, 30)) == 0  # still waiting

    clock.set(at(11, 21, 8))
    await d.settle()
    assert len(copies(api, BOB)) == 1 and len(copies(api, ALICE)) == 1
    assert await run(bot, clock, "broadcast_report", at(11, 21, 8, 5)) == 1
    assert "已送达 2 人，未能送达 0 人" in api.last_in(BOSS).text


async def test_a_member_cannot_broadcast_even_with_forged_buttons(bot: Bot) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    await two_branches(bot)
    alice = api.user(ALICE, "Alice")
    await d.send(alice, "/broadcast 第一支部")
    assert api.last_in(ALICE).text == "只有社区工作人员可以这样做。"
    branch = await d.tap(alice, api.last_in(ALICE), data="bb1:1")
    assert branch is not None and branch.show_alert and "社区工作人员" in (branch.text or "")
    await d.send(alice, NOTICE)  # not a conversation step for her
    send = await d.tap(alice, api.last_in(ALICE), data="bs1:ok:0123456789abcdef")
    assert send is not None and send.show_alert
    assert copies(api, BOB) == [] and await s.events.by_action("broadcast") == []
    assert [e.actor_id for e in await s.events.by_action("refused.broadcast")] == [ALICE]
    assert await s.events.by_action("refused.command.broadcast") != []


async def test_a_tampered_or_outdated_send_button_sends_nothing(bot: Bot) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    _, boss = await two_branches(bot)
    first = await previewed(bot, boss, "第一稿")
    forged = await d.tap(boss, first, data="bs1:ok:0123456789abcdef")
    assert forged is not None and forged.show_alert and "已失效" in (forged.text or "")
    garbage = await d.tap(boss, first, data="bs1:ok:not-hex")
    assert garbage is not None and garbage.show_alert
    # A second text replaces the first: the first preview's Send is outdated now.
    await d.send(boss, "第二稿")
    second = api.last_in(BOSS)
    outdated = await d.tap(boss, first, "发送")
    assert outdated is not None and outdated.show_alert
    assert copies(api, BOB, "第一稿") == [] and copies(api, BOB, "第二稿") == []
    await d.tap(boss, second, "发送")
    assert len(copies(api, BOB, "第二稿")) == 1 and copies(api, BOB, "第一稿") == []
    assert len(await s.events.by_action("broadcast")) == 1


async def test_overlong_text_wrong_files_photos_and_cancel(bot: Bot) -> None:
    api, d = bot.api, bot.driver
    _, boss = await two_branches(bot)
    await d.send(boss, "/broadcast 第一支部")
    await d.send(boss, "长" * 4000)
    assert "最多 3500 字，您的有 4000 字" in api.last_in(BOSS).text
    await d.send_document(boss, "名单.xlsx", b"PK\x03\x04", "application/vnd.ms-excel")
    assert "只能群发文字" in api.last_in(BOSS).text
    await d.send_photo(boss, file_id="flyer")
    assert "图片说明" in api.last_in(BOSS).text
    await d.send_photo(boss, file_id="flyer", caption="长" * 1000)
    assert "最多 900 字" in api.last_in(BOSS).text
    await d.send_photo(boss, file_id="flyer", caption="周六集合")
    view, card = api.messages_in(BOSS)[-2:]
    assert view.photo == "flyer" and "周六集合" in (view.text or "")
    await d.tap(boss, card, "发送")
    (photo,) = [m for m in api.messages_in(BOB) if m.photo == "flyer"]
    assert "周六集合" in (photo.text or "")

    # Cancel, by button and by /cancel: nothing is sent, and the old buttons are dead.
    card = await previewed(bot, boss, "不要发")
    send_data = card.button("发送").callback_data
    await d.tap(boss, card, "取消")
    assert "已取消群发" in api.last_in(BOSS).text
    await d.send(boss, "/broadcast 第一支部")
    await d.send(boss, "/cancel")
    assert api.last_in(BOSS).text == "已取消。"
    stale = await d.tap(boss, card, data=send_data)
    assert stale is not None and stale.show_alert
    assert copies(api, BOB, "不要发") == []
    await d.send(boss, "/broadcast 第九支部")
    assert "没有名为“第九支部”的支部" in api.last_in(BOSS).text and "第二支部" in api.last_in(BOSS).text

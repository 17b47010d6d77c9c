"""Handover through Telegram: a holder offers their claim to a named member of their branch or
through a forwarded link; the other accepts (the claim and the details move in one transition)
or declines; offers lapse after 48 hours; only who the offer is for may take it."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from bot.clock import FakeClock
from bot.errors import DomainError
from bot.models import Action, Wish, WishStatus
from bot.people.policies import allowed
from bot.reminders.jobs import run_all
from bot.services import Services
from bot.texts import t
from storage.handover import OfferStatus
from tests.conftest import Bot
from tests.factories import BENEFICIARY
from tests.fakes.telegram_api import FakeUser, StoredMessage
from tests.scheduling import (
    ALICE,
    BOB,
    BOSS,
    GROUP_A,
    at,
    bind_group,
    claimed_in_group,
    people,
    person,
    posted,
)
from tests.world import USERS, build_world

PERSONAL = (BENEFICIARY.name, BENEFICIARY.phone, BENEFICIARY.address)
CAROL, DAVE = 3, 4


pytestmark = pytest.mark.passes_by_hand  # its settings: fast_settings (tests/conftest.py)


def current(bot: Bot, message: StoredMessage) -> StoredMessage:
    """The message as its chat shows it now (after edits)."""
    return next(m for m in bot.api.messages_in(message.chat_id) if m.message_id == message.message_id)


def shows_personal(text: str) -> bool:
    return any(p in text for p in PERSONAL)


async def holding(bot: Bot) -> tuple[Wish, FakeUser, FakeUser, StoredMessage]:
    """Alice holds a posted wish; her private details message (with its buttons) is returned."""
    api = bot.api
    wish = await claimed_in_group(bot, date(2026, 12, 5))
    details = api.last_in(ALICE)
    assert shows_personal(details.text) and "🤝 转交他人" in details.button_labels
    return wish, api.user(ALICE, "Alice"), api.user(BOB, "Bob", language_code="en"), details


async def offer_to_bob(bot: Bot) -> tuple[Wish, FakeUser, FakeUser, StoredMessage, StoredMessage]:
    wish, alice, bob, details = await holding(bot)
    d = bot.driver
    await d.tap(alice, details, "转交他人")
    listing = d.last_private(alice)
    assert "Bob Chen" in listing.button_labels and "🔗 生成转交链接" in listing.button_labels
    await d.tap(alice, listing, "Bob Chen")
    assert "Bob Chen" in current(bot, listing).text and "有效" in current(bot, listing).text
    offer = d.last_private(bob)
    return wish, alice, bob, details, offer


async def test_a_named_member_accepts_and_the_claim_moves_with_its_details(bot: Bot) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    wish, alice, bob, details, offer = await offer_to_bob(bot)
    # The offer says what the wish is, in Bob's language, never whom it is for.
    assert "张丽" in offer.text and wish.code in offer.text and "电暖器一台" in offer.text
    assert not shows_personal(offer.text)
    assert offer.button_labels == ["✅ Accept", "✖️ Decline"]
    accept_data = offer.button("Accept").callback_data
    assert (await s.wishes.get(wish.id)).holders == (ALICE,)  # nothing moves before an answer
    assert "2026-11-22 10:00" in offer.text  # 48 hours, in the community's time zone

    answer = await d.tap(bob, offer, "Accept")
    assert answer is not None and not answer.show_alert and wish.code in (answer.text or "")
    after = await s.wishes.get(wish.id)
    assert after.status is WishStatus.CLAIMED and after.holders == (BOB,) and after.holder_id == BOB
    # The details: Bob has them now; Alice's copy was taken back and she was thanked.
    assert shows_personal(d.last_private(bob).text) and "took over" in d.last_private(bob).text
    assert not shows_personal(current(bot, details).text)
    assert any("已由 Bob Chen 接手" in m.text for m in api.messages_in(ALICE))
    assert not shows_personal(current(bot, offer).text)
    # The coordinators are told; the group card shows the new holder and no personal data.
    assert (
        "张丽 把 " + wish.code + " 转交给了 Bob Chen（点名转交）" in d.last_private(api.user(BOSS, "Li")).text
    )
    card = api.last_in(GROUP_A)
    assert "Bob Chen" in card.text and not any(shows_personal(x) for x in api.everything_shown_in(GROUP_A))
    events = [e for e in await s.events.for_wish(wish.id) if e.action == "handover"]
    assert [(e.actor_id, e.details["from"], e.details["to"]) for e in events] == [(BOB, ALICE, BOB)]
    # The details' buttons Alice still sees no longer work for her.
    stale = await d.tap(alice, current(bot, details), data=f"w1:dv:{wish.id}")
    assert stale is not None and stale.show_alert
    # Accepting twice changes nothing.
    again = await d.tap(bob, current(bot, offer), data=accept_data)
    assert again is not None and again.show_alert
    assert (await s.wishes.get(wish.id)).holders == (BOB,)


async def test_a_declined_offer_leaves_the_wish_with_its_holder(bot: Bot) -> None:
    s, d = bot.services, bot.driver
    wish, alice, bob, details, offer = await offer_to_bob(bot)
    accept_data = offer.button("Accept").callback_data
    answer = await d.tap(bob, offer, "Decline")
    assert answer is not None and not answer.show_alert
    assert "婉拒" in d.last_private(alice).text and "Bob Chen" in d.last_private(alice).text
    assert (await s.wishes.get(wish.id)).holders == (ALICE,)
    assert shows_personal(current(bot, details).text)  # still hers, details and all
    late = await d.tap(bob, current(bot, offer), data=accept_data)
    assert late is not None and late.show_alert and late.text == t("en", "handover.gone")
    assert (await s.wishes.get(wish.id)).holders == (ALICE,)
    assert [e.action for e in await s.events.for_wish(wish.id)][-1] == "handover_decline"


async def test_an_offer_lapses_after_48_hours_and_its_holder_is_told(bot: Bot, clock: FakeClock) -> None:
    s, d = bot.services, bot.driver
    wish, alice, bob, _details, offer = await offer_to_bob(bot)
    clock.advance(timedelta(hours=47, minutes=59))
    assert await s.wishes.handover.expire(clock.now()) == 0  # not yet
    clock.advance(timedelta(minutes=2))
    # Answered late (before any sweep ran): refused all the same.
    late = await d.tap(bob, offer, "Accept")
    assert late is not None and late.show_alert and late.text == t("en", "handover.expired")
    assert (await s.wishes.get(wish.id)).holders == (ALICE,)
    # The scheduler's tick lapses it and tells Alice, once.
    await run_all(s, clock.now())
    await d.settle()
    assert "48 小时内没有回复" in d.last_private(alice).text and "Bob Chen" in d.last_private(alice).text
    told = len(d.private(alice))
    assert await s.wishes.handover.expire(clock.now()) == 0
    await d.settle()
    assert len(d.private(alice)) == told
    token = (offer.button("Accept").callback_data or "").split(":")[1]
    stored = await s.wishes.handover._offers.get(token)
    assert stored is not None and stored.status is OfferStatus.EXPIRED


async def test_a_lapsed_offer_waits_out_quiet_hours_before_its_notice(bot: Bot, clock: FakeClock) -> None:
    s, d = bot.services, bot.driver
    clock.set(at(11, 20, 21, 30))  # offered in the evening: it lapses at 21:30 two days later
    _wish, alice, _bob, _details, _offer = await offer_to_bob(bot)
    told = len(d.private(alice))
    for when, lapsed in ((at(11, 22, 21, 31), 0), (at(11, 23, 7, 59), 0), (at(11, 23, 8, 0), 1)):
        clock.set(when)  # quiet from 21:00 to 08:00
        assert await s.wishes.handover.expire(when) == lapsed
    await d.settle()
    assert len(d.private(alice)) == told + 1


async def test_a_forwarded_link_goes_to_exactly_one_of_two_who_accept_at_once(bot: Bot) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    wish, alice, _bob, details = await holding(bot)
    await person(s, CAROL, "陈静")
    await person(s, DAVE, "刘洋")
    carol, dave = api.user(CAROL, "Carol"), api.user(DAVE, "Dave")
    await d.tap(alice, details, "转交他人")
    await d.tap(alice, d.last_private(alice), "生成转交链接")
    shown = d.last_private(alice).text
    link = next(word for word in shown.split() if word.startswith("https://t.me/"))
    payload = link.split("?start=")[1]
    assert link.startswith("https://t.me/wishwall_test_bot?start=ho_") and len(payload.encode()) <= 64
    cards = []
    for user in (carol, dave):
        await d.send(user, f"/start {payload}")
        card = d.last_private(user)
        assert wish.code in card.text and "张丽" in card.text and not shows_personal(card.text)
        cards.append(card)
    first, second = await d.tap_all([(carol, cards[0], "接受"), (dave, cards[1], "接受")])
    assert first is not None and second is not None
    after = await s.wishes.get(wish.id)
    assert (
        after.status is WishStatus.CLAIMED and len(after.holders) == 1 and after.holders[0] in (CAROL, DAVE)
    )
    winner, loser = (carol, dave) if after.holders == (CAROL,) else (dave, carol)
    answers = {CAROL: first, DAVE: second}
    assert not answers[winner.id].show_alert and answers[loser.id].show_alert
    assert answers[loser.id].text == t("zh", "handover.gone")
    assert shows_personal(d.last_private(winner).text)
    assert not any(shows_personal(m.text) for m in d.private(loser))
    assert len([e for e in await s.events.for_wish(wish.id) if e.action == "handover"]) == 1
    assert "通过转发的链接" in d.last_private(api.user(BOSS, "Li")).text


async def test_a_link_is_refused_to_anyone_not_an_active_member_of_the_community(bot: Bot) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    world = await build_world(s)
    holder = await s.directory.actor(USERS["member_a"], "zh")
    offer, _ = await s.wishes.handover.offer(holder, world.claimed, None)
    await d.settle()
    outsider = api.user(USERS["member_b"], "member_b")  # a member of the other community
    await d.send(outsider, f"/start ho_{offer.token}")
    assert d.last_private(outsider).text == t("zh", "err.other_community")
    forged = await d.tap(outsider, d.last_private(outsider), data=f"ha1:{offer.token}:y")
    assert forged is not None and forged.show_alert
    assert (await s.wishes.get(world.claimed)).holders == (USERS["member_a"],)
    assert await s.events.by_action("refused.take_over")
    # Someone new follows it: they register and are asked to join, never shown the wish.
    stranger = api.user(555, "Newcomer")
    await d.send(stranger, f"/start ho_{offer.token}")
    await d.send(stranger, "赵新")
    assert not any(f"W-{world.claimed:04d}" in m.text for m in d.private(stranger))
    # The holder themselves: told it is their own offer.
    me = api.user(USERS["member_a"], "member_a")
    await d.send(me, f"/start ho_{offer.token}")
    assert d.last_private(me).text == t("zh", "handover.own_offer")
    # A coordinator with no branch may not take a claim over either.
    boss = api.user(USERS["coord_a"], "coord_a")
    await d.send(boss, f"/start ho_{offer.token}")
    assert d.last_private(boss).text == t("zh", "err.no_membership")
    stored = await s.wishes.handover._offers.get(offer.token)
    assert stored is not None and stored.status is OfferStatus.PENDING


async def test_a_named_offer_is_only_for_the_member_named(bot: Bot) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    wish, _alice, _bob, _details, offer = await offer_to_bob(bot)
    await person(s, CAROL, "陈静")
    carol = api.user(CAROL, "Carol")
    await d.send(carol, "/help")
    data = offer.button("Accept").callback_data
    answer = await d.tap(carol, d.last_private(carol), data=data)
    assert answer is not None and answer.show_alert and answer.text == t("zh", "handover.not_for_you")
    await d.send(carol, f"/start ho_{(data or '').split(':')[1]}")
    assert d.last_private(carol).text == t("zh", "handover.not_for_you", code=wish.code)
    assert (await s.wishes.get(wish.id)).holders == (ALICE,)
    assert not any(shows_personal(m.text) for m in d.private(carol))


async def test_a_new_offer_replaces_the_pending_one(bot: Bot) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    wish, alice, bob, details, offer = await offer_to_bob(bot)
    await d.tap(alice, details, "转交他人")
    await d.tap(alice, d.last_private(alice), "生成转交链接")
    late = await d.tap(bob, offer, "Accept")
    assert late is not None and late.show_alert and late.text == t("en", "handover.gone")
    assert (await s.wishes.get(wish.id)).holders == (ALICE,)
    assert api.last_in(ALICE).text.startswith("请把下面的链接转发")


async def test_the_branch_list_pages_and_buttons_that_lie_get_a_short_answer(bot: Bot) -> None:
    s, d = bot.services, bot.driver
    wish, alice, bob, details = await holding(bot)
    for n in range(10):  # with Bob, 11 others in the branch: two pages of 8
        await person(s, 100 + n, f"成员{n:02d}")
    await d.tap(alice, details, "转交他人")
    listing = d.last_private(alice)
    names = [label for label in listing.button_labels if label.startswith(("成员", "Bob"))]
    assert len(names) == 8 and "1/2" in listing.button_labels and "下一页 ▶" in listing.button_labels
    await d.tap(alice, listing, "下一页")
    second = current(bot, listing)
    rest = [label for label in second.button_labels if label.startswith(("成员", "Bob"))]
    assert len(rest) == 3 and not set(rest) & set(names) and "◀ 上一页" in second.button_labels
    assert all(len((b.callback_data or "").encode()) <= 64 for row in second.buttons for b in row)
    # Forged and stale: another member's list, oneself, a stranger, garbage, a page far away.
    for data, key in (
        (f"ho1:pk:{wish.id}:{ALICE}", "handover.self"),
        (f"ho1:pk:{wish.id}:424242", "handover.not_member"),
        (f"ho1:pk:{wish.id}:abc", "err.stale_button"),
        (f"ho1:zz:{wish.id}:0", "err.stale_button"),
        (f"ha1:{'x' * 16}:y", "handover.gone"),
        (f"ha1:{'x' * 15}:y", "err.stale_button"),
        ("ho1:pk:" + "9" * 60, "err.stale_button"),
    ):
        answer = await d.tap(alice, second, data=data)
        assert answer is not None and answer.show_alert, data
        assert answer.text == t("zh", key, name="424242"), (data, answer.text)
    far = await d.tap(alice, second, data=f"ho1:pg:{wish.id}:999")
    assert far is not None and not far.show_alert and "2/2" in current(bot, second).button_labels
    # Bob, who holds nothing, cannot offer Alice's wish.
    await d.send(bob, "/help")
    theirs = await d.tap(bob, d.last_private(bob), data=f"ho1:ln:{wish.id}:0")
    assert theirs is not None and theirs.show_alert
    assert await s.events.by_action("refused.handover")
    assert (await s.wishes.get(wish.id)).holders == (ALICE,)


async def test_a_full_hand_cannot_take_over_and_the_offer_stays_open(bot: Bot) -> None:
    s, d = bot.services, bot.driver
    wish, _alice, bob, _details, offer = await offer_to_bob(bot)
    boss = await s.directory.actor(BOSS, "zh")
    bob_actor = await s.directory.actor(BOB, "en")
    for _ in range(2):  # the community's cap is 2
        other = await posted(s, boss, date(2026, 12, 9))
        assert (await s.wishes.claim(bob_actor, other.id)).holders == (BOB,)
    answer = await d.tap(bob, offer, "Accept")
    assert answer is not None and answer.show_alert and "2" in (answer.text or "")
    assert (await s.wishes.get(wish.id)).holders == (ALICE,)
    token = (offer.button("Accept").callback_data or "").split(":")[1]
    stored = await s.wishes.handover._offers.get(token)
    assert stored is not None and stored.status is OfferStatus.PENDING


async def test_a_joint_wish_has_no_handover(bot: Bot) -> None:
    s, api, d = bot.services, bot.api, bot.driver
    p = await people(s, api)
    await bind_group(s, api)
    wish = await posted(s, p.boss, date(2026, 12, 5))
    await s.wishes.set_needed_members(p.boss, wish.id, 2)
    await s.wishes.claim(p.alice, wish.id)
    await d.settle()
    alice = api.user(ALICE, "Alice")
    assert "🤝 转交他人" not in d.last_private(alice).button_labels
    answer = await d.tap(alice, d.last_private(alice), data=f"w1:ho:{wish.id}")
    assert (
        answer is not None and answer.show_alert and answer.text == t("zh", "handover.joint", code=wish.code)
    )


async def test_the_policy_rows_for_handover(services: Services) -> None:
    world = await build_world(services)
    wish = await services.wishes.get(world.claimed)
    got = {}
    for role in ("admin", "coord_a", "coord_b", "member_a", "member_b", "stranger"):
        actor = await world.actor(services, role)
        got[role] = (allowed(actor, Action.HANDOVER, wish, 1), allowed(actor, Action.TAKE_OVER, wish, 1))
    # Only the holder offers; only an active member of the community takes over.
    assert got == {
        "admin": (False, False),
        "coord_a": (False, False),
        "coord_b": (False, False),
        "member_a": (True, True),
        "member_b": (False, False),
        "stranger": (False, False),
    }


async def test_many_accepts_of_one_link_at_once_make_one_holder(services: Services) -> None:
    """The race decided in the database: eight members answer one link in the same instant."""
    world = await build_world(services)
    holder = await services.directory.actor(USERS["member_a"], "zh")
    offer, _ = await services.wishes.handover.offer(holder, world.claimed, None)
    takers = [await person(services, 200 + n, f"成员{n}") for n in range(8)]
    results = await asyncio.gather(
        *(services.wishes.handover.accept(taker, offer.token) for taker in takers), return_exceptions=True
    )
    won = [r for r in results if isinstance(r, Wish)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 1 and len(lost) == 7 and all(e.key == "handover.gone" for e in lost)
    after = await services.wishes.get(world.claimed)
    assert after.holders == won[0].holders and after.holders[0] in {t.user_id for t in takers}
    handovers = [e for e in await services.events.for_wish(world.claimed) if e.action == "handover"]
    assert len(handovers) == 1

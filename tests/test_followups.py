"""Follow-up visits (回访): appointing visitors, recording a follow-up through Telegram, the
waiting list, and everything that must be refused on the way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.models import MembershipStatus, Wish, WishStatus
from bot.people.organisation import SYSTEM
from bot.texts import t
from storage.followups import Outcome
from tests.conftest import Bot
from tests.factories import BENEFICIARY, COORDINATOR, draft
from tests.fakes.telegram_api import FakeUser
from tests.scheduling import ALICE, BOB, People, bind_group, claimed, people

DUE = date(2026, 11, 30)


@dataclass
class Stage:
    boss: FakeUser
    alice: FakeUser  # delivered the wish
    bob: FakeUser  # a member, made a visitor by the tests that need one (English)
    people: People
    wish: Wish  # fulfilled


async def fulfilled(bot: Bot) -> Wish:
    """One more wish of community 1, claimed and delivered by Alice, confirmed by the coordinator."""
    services = bot.services
    boss = await services.directory.actor(COORDINATOR, "zh")
    alice = await services.directory.actor(ALICE, "zh")
    wish = await services.wishes.create(boss, draft(), 1)
    await services.wishes.verify(boss, wish.id)
    await services.wishes.post(boss, wish.id)
    await services.wishes.claim(alice, wish.id)
    await services.wishes.deliver(alice, wish.id)
    wish = await services.wishes.confirm(boss, wish.id)
    await bot.driver.settle()
    return wish


async def stage(bot: Bot) -> Stage:
    api = bot.api
    users = (
        api.user(COORDINATOR, "Li"),
        api.user(ALICE, "Alice"),
        api.user(BOB, "Bob", language_code="en"),
    )
    for user in users:
        api.open_private(user.id)
    p = await people(bot.services)
    await bind_group(bot.services, api)
    wish = await fulfilled(bot)
    assert wish.status is WishStatus.FULFILLED
    return Stage(*users, people=p, wish=wish)


async def appoint_bob(bot: Bot, s: Stage) -> None:
    await bot.driver.send(s.boss, f"/visitor add {BOB}")
    assert "Bob Chen（2）现在是回访员了" in bot.driver.last_private(s.boss).text


# --- the whole way, as a visitor -------------------------------------------------------------


async def test_a_visitor_records_a_follow_up_from_the_list(bot: Bot) -> None:
    s = await stage(bot)
    d, api, services = bot.driver, bot.api, bot.services
    await appoint_bob(bot, s)
    assert "You are now a visitor" in d.last_private(s.bob).text
    # Fulfilled today: not due yet, so only `/followups all` lists it.
    await d.send(s.bob, "/followups")
    assert "Nothing is waiting" in d.last_private(s.bob).text
    services.clock.advance(timedelta(days=15))
    await d.send(s.bob, "/followups")
    listing = d.last_private(s.bob)
    assert "Waiting for a follow-up (fulfilled 14 or more days ago): 1" in listing.text
    assert s.wish.code in listing.text and "王**" in listing.text and "张丽" in listing.text
    assert BENEFICIARY.name not in listing.text and BENEFICIARY.phone not in listing.text
    await d.tap(s.bob, listing, f"Follow up {s.wish.code}")
    question = d.last_private(s.bob)
    assert "1/3" in question.text and question.button_labels == [
        "Satisfied",
        "Partly satisfied",
        "Not satisfied",
    ]
    await d.tap(s.bob, question, "Satisfied")
    assert "2/3" in d.last_private(s.bob).text
    await d.send(s.bob, "老人说电暖器很好用，谢谢大家")
    assert "3/3" in d.last_private(s.bob).text
    assert await services.followups.of_wish(await services.directory.actor(COORDINATOR, "zh"), s.wish) is None
    await d.send_photo(s.bob, file_id="thank-you-letter")
    assert d.last_private(s.bob).text == f"Follow-up of {s.wish.code} recorded: Satisfied. Thank you!"

    boss_actor = await services.directory.actor(COORDINATOR, "zh")
    followup = await services.followups.of_wish(boss_actor, s.wish)
    assert followup is not None
    assert (followup.outcome, followup.note, followup.photo_file_id, followup.visitor_id) == (
        Outcome.SATISFIED,
        "老人说电暖器很好用，谢谢大家",
        "thank-you-letter",
        BOB,
    )
    # The coordinators get the note and the letter, privately.
    notice = d.last_private(s.boss)
    assert notice.photo == "thank-you-letter"
    assert "Bob Chen 记录了" in notice.text and "满意" in notice.text and "很好用" in notice.text
    # The member who delivered it hears the thanks, without what was said.
    thanks = d.last_private(s.alice)
    assert "表示满意" in thanks.text and "很好用" not in thanks.text and thanks.photo is None
    # Nothing of it in the group.
    assert not [text for text in api.everything_shown_in(-100101) if "很好用" in text or "回访" in text]
    # In the audit trail, without the note's words.
    [event] = await services.events.by_action("followup")
    assert (event.actor_id, event.wish_id) == (BOB, s.wish.id)
    assert event.details == {"outcome": "satisfied", "has_note": True, "has_photo": True}
    # Done: nothing waits any more, and a second follow-up is refused.
    await d.send(s.bob, "/followups all")
    assert d.last_private(s.bob).text == "Every fulfilled wish has its follow-up."
    await d.send(s.bob, f"/followup {s.wish.code}")
    assert (
        f"{s.wish.code} was followed up on 2026-12-05 by Bob Chen: Satisfied." == d.last_private(s.bob).text
    )


async def test_a_coordinator_records_one_by_command_skipping_note_and_photo(bot: Bot) -> None:
    s = await stage(bot)
    d, services = bot.driver, bot.services
    await d.send(s.boss, f"/followup {s.wish.code}")
    await d.tap(s.boss, d.last_private(s.boss), "不满意")
    await d.tap(s.boss, d.last_private(s.boss), "跳过")
    await d.tap(s.boss, d.last_private(s.boss), "跳过")
    assert d.last_private(s.boss).text == f"已记录 {s.wish.code} 的回访：不满意。谢谢！"
    followup = await services.followups.of_wish(await services.directory.actor(COORDINATOR, "zh"), s.wish)
    assert followup is not None and followup.outcome is Outcome.NOT and followup.note is None
    # Not satisfied: no thanks go to the member.
    assert not [m for m in d.private(s.alice) if "表示满意" in (m.text or "")]


async def test_followup_days_is_a_community_setting(bot: Bot) -> None:
    s = await stage(bot)
    d = bot.driver
    await d.send(s.boss, "/set followup_days 3")
    assert "followup_days" in d.last_private(s.boss).text
    assert (await bot.services.communities.get(1)).followup_days == 3  # type: ignore[union-attr]
    await d.send(s.boss, "/followups")
    assert "没有等待回访的心愿" in d.last_private(s.boss).text
    bot.services.clock.advance(timedelta(days=4))
    await d.send(s.boss, "/followups")
    assert "等待回访（圆梦满 3 天仍未回访）：1 个" in d.last_private(s.boss).text
    await d.send(s.boss, "/set followup_days 0")
    assert "1 到 365" in d.last_private(s.boss).text


async def test_wishes_fulfilled_before_follow_ups_began_are_not_waited_for(bot: Bot) -> None:
    """The migration marks what was fulfilled before it: an upgraded program is not told to
    visit every beneficiary it ever served, nor given a rate of 0% for them."""
    s = await stage(bot)
    async with bot.services.db.transaction() as conn:
        await conn.execute("UPDATE communities SET followups_since = (SELECT MAX(fulfilled_at) FROM wishes)")
    bot.services.clock.advance(timedelta(days=15))
    later = await fulfilled(bot)
    bot.services.clock.advance(timedelta(days=15))
    await bot.driver.send(s.boss, "/followups")
    listing = bot.driver.last_private(s.boss)
    assert later.code in listing.text and s.wish.code not in listing.text
    figures = await bot.services.followups.figures(
        await bot.services.followups.community(1), bot.services.clock.now()
    )
    assert (figures.done, figures.waiting) == (0, 1)
    # It can still be followed up by hand.
    await bot.driver.send(s.boss, f"/followup {s.wish.code}")
    assert "1/3" in bot.driver.last_private(s.boss).text


# --- refused: who, which wish, what was sent ---------------------------------------------------


async def test_members_who_are_not_visitors_are_refused_and_audited(bot: Bot) -> None:
    s = await stage(bot)
    d = bot.driver
    for line in ("/followups", f"/followup {s.wish.code}"):
        await d.send(s.alice, line)
        assert d.last_private(s.alice).text == t("zh", "fu.visitors_only")
    refused = await bot.services.events.by_action("refused.follow_up")
    assert [e.actor_id for e in refused] == [ALICE, ALICE]
    # A forged button from the list does not start anything either.
    answer = await d.tap(s.alice, d.last_private(s.alice), data=f"fu1:go:{s.wish.id}")
    assert answer is not None and answer.show_alert and answer.text == t("zh", "fu.visitors_only")
    # And stepping buttons outside a follow-up are stale.
    answer = await d.tap(s.alice, d.last_private(s.alice), data=f"fu1:sat:{s.wish.id}")
    assert answer is not None and answer.show_alert and answer.text == t("zh", "err.stale_button")
    assert (
        await bot.services.followups.of_wish(await bot.services.directory.actor(COORDINATOR, "zh"), s.wish)
        is None
    )


async def test_a_suspended_visitor_may_no_longer_follow_up(bot: Bot) -> None:
    s = await stage(bot)
    await appoint_bob(bot, s)
    boss = await bot.services.directory.actor(COORDINATOR, "zh")
    await bot.services.org.set_member_status(boss, BOB, MembershipStatus.SUSPENDED)
    await bot.driver.settle()  # the notice of the suspension first
    await bot.driver.send(s.bob, f"/followup {s.wish.code}")
    assert bot.driver.last_private(s.bob).text == t("en", "err.suspended")
    await bot.driver.send(s.boss, "/visitor")
    assert "Bob Chen · 2（已暂停或移除，暂不能回访）" in bot.driver.last_private(s.boss).text


async def test_wrong_wishes_are_refused(bot: Bot) -> None:
    s = await stage(bot)
    d, services = bot.driver, bot.services
    await appoint_bob(bot, s)
    await d.send(s.bob, "/followup")
    assert d.last_private(s.bob).text == "Name the wish, e.g. /followup W-0042"
    await d.send(s.bob, "/followup W-9999")
    assert d.last_private(s.bob).text == t("en", "err.not_found", code="W-9999")
    # Not fulfilled yet.
    open_one = await claimed(services, s.people, DUE)
    await d.send(s.bob, f"/followup {open_one.code}")
    assert d.last_private(s.bob).text == (
        f"{open_one.code} is claimed: a follow-up comes after the wish is fulfilled"
        " (its delivery confirmed by a coordinator)."
    )
    # Another community's wish, even fulfilled.
    await services.org.create_community(SYSTEM, "和平社区")
    other = await services.wishes.create(SYSTEM, draft("别的社区的心愿"), 2)
    await d.send(s.bob, f"/followup {other.code}")
    assert d.last_private(s.bob).text == t("en", "err.other_community")
    assert [e.wish_id for e in await services.events.by_action("refused.follow_up")] == [other.id]


async def test_bad_answers_are_asked_again_and_change_nothing(bot: Bot) -> None:
    s = await stage(bot)
    d, services = bot.driver, bot.services
    boss_actor = await services.directory.actor(COORDINATOR, "zh")
    await d.send(s.boss, f"/followup {s.wish.code}")
    question = d.last_private(s.boss)
    await d.send(s.boss, "满意")  # typed instead of tapped
    assert d.last_private(s.boss).text == t("zh", "fu.outcome_expected")
    await d.tap(s.boss, question, "基本满意")
    # The outcome button again, now that the note is asked: stale.
    again = await d.tap(s.boss, question, "满意")
    assert again is not None and again.show_alert
    await d.send(s.boss, "很" * 501)
    assert d.private(s.boss)[-2].text == t("zh", "val.too_long", max=500)
    assert "2/3" in d.last_private(s.boss).text
    await d.send(s.boss, "电暖器有点吵")
    # The wrong kind of file, then a photo too big.
    await d.send_document(s.boss, "letter.pdf", b"%PDF-1.4 thanks", "application/pdf")
    assert d.last_private(s.boss).text == t("zh", "fu.photo_expected")
    await d.send(s.boss, "没有照片")
    assert d.last_private(s.boss).text == t("zh", "fu.photo_expected")
    await d.send_photo(s.boss, content=b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024))
    assert d.private(s.boss)[-2].text == t("zh", "fu.photo_size", max=5)
    assert "3/3" in d.last_private(s.boss).text
    # A button of another wish's follow-up (forged) changes nothing of this one.
    forged = await d.tap(s.boss, d.last_private(s.boss), data=f"fu1:skip:{s.wish.id + 1}")
    assert forged is not None and forged.show_alert
    assert await services.followups.of_wish(boss_actor, s.wish) is None
    await d.tap(s.boss, d.last_private(s.boss), "跳过")
    followup = await services.followups.of_wish(boss_actor, s.wish)
    assert followup is not None
    assert (followup.outcome, followup.note, followup.photo_file_id) == (Outcome.PARTLY, "电暖器有点吵", None)


async def test_cancel_leaves_without_recording(bot: Bot) -> None:
    s = await stage(bot)
    d = bot.driver
    await d.send(s.boss, f"/followup {s.wish.code}")
    await d.tap(s.boss, d.last_private(s.boss), "满意")
    await d.send(s.boss, "/cancel")
    assert "已取消" in d.last_private(s.boss).text
    await d.send(s.boss, "随便说点什么")
    assert "没看懂" in d.last_private(s.boss).text
    assert await bot.services.events.by_action("followup") == []


# --- visitors ---------------------------------------------------------------------------------


async def test_appointing_and_removing_visitors(bot: Bot) -> None:
    s = await stage(bot)
    d, services = bot.driver, bot.services
    await d.send(s.boss, "/visitor")
    assert d.last_private(s.boss).text == t("zh", "fu.no_visitors")
    await appoint_bob(bot, s)
    await d.send(s.boss, f"/visitor add {BOB}")
    assert d.last_private(s.boss).text == "Bob Chen（2）已经是回访员。"
    await d.send(s.boss, "/visitor")
    assert d.last_private(s.boss).text == "回访员（1 人）：\nBob Chen · 2"
    assert (await services.directory.actor(BOB, "en")).visitor_of == frozenset({1})
    await d.send(s.boss, f"/visitor remove {BOB}")
    assert d.last_private(s.boss).text == "Bob Chen（2）不再是回访员，已通知本人。"
    assert d.last_private(s.bob).text == "You are no longer a visitor of 幸福社区."
    await d.send(s.boss, f"/visitor remove {BOB}")
    assert d.last_private(s.boss).text == "Bob Chen（2）不是回访员。"
    events = [(e.action, e.details) for e in await services.events.by_action("visitor.appoint")]
    events += [(e.action, e.details) for e in await services.events.by_action("visitor.dismiss")]
    assert events == [("visitor.appoint", {"user": BOB}), ("visitor.dismiss", {"user": BOB})]
    # Once removed, Bob may not follow up.
    await d.send(s.bob, f"/followup {s.wish.code}")
    assert d.last_private(s.bob).text == t("en", "fu.visitors_only")


async def test_only_members_of_the_community_can_be_visitors(bot: Bot) -> None:
    s = await stage(bot)
    d, services = bot.driver, bot.services
    await d.send(s.boss, "/visitor add 99")
    assert d.last_private(s.boss).text == t("zh", "fu.not_member", user_id=99)
    await d.send(s.boss, "/visitor add abc")
    assert d.last_private(s.boss).text == t("zh", "arg.user_id")
    await d.send(s.boss, "/visitor add")
    assert d.last_private(s.boss).text == t("zh", "fu.usage_visitor")
    boss = await services.directory.actor(COORDINATOR, "zh")
    await services.org.set_member_status(boss, BOB, MembershipStatus.SUSPENDED)
    await d.send(s.boss, f"/visitor add {BOB}")
    assert d.last_private(s.boss).text == t("zh", "fu.not_active", user_id=BOB)
    # Members may not appoint anyone (the command table says so before the service is asked).
    await d.send(s.alice, f"/visitor add {ALICE}")
    assert d.last_private(s.alice).text == t("zh", "err.coordinators_only")
    # A coordinator of another community may not appoint this one's members.
    await services.org.create_community(SYSTEM, "和平社区")
    await services.org.appoint(SYSTEM, 2, 12)
    await services.members.register(12, "和平社区主任", "zh", services.clock.now())
    other = bot.api.user(12, "Other")
    # The appointment's notice goes through the outbox: delivered first, so that it is not
    # the last message when the reply below is looked for.
    await d.settle()
    await d.send(other, f"/visitor add {ALICE}")
    assert d.last_private(other).text == t("zh", "fu.not_member", user_id=ALICE)
    assert await services.events.by_action("visitor.appoint") == []


async def test_help_shows_follow_ups_to_coordinators_and_visitors(bot: Bot) -> None:
    s = await stage(bot)
    d = bot.driver
    await d.send(s.bob, "/help")
    assert "/followups" not in d.last_private(s.bob).text
    await appoint_bob(bot, s)
    await d.send(s.bob, "/help")
    assert "You are a visitor" in d.last_private(s.bob).text
    await d.send(s.boss, "/help")
    assert "/visitor" in d.last_private(s.boss).text

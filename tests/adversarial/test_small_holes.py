"""The smaller holes: links across communities, forged Claims, invisible names, a throttled answer."""

from __future__ import annotations

from bot.models import WishStatus
from bot.texts import t
from tests.conftest import Bot
from tests.factories import draft
from tests.world import GROUP_A, GROUP_B, USERS, B, build_world


async def test_a_claim_link_shows_no_card_of_another_community(bot: Bot) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    await build_world(services)
    boss_b = await services.directory.actor(USERS["coord_b"], "zh")
    other = await services.wishes.create(boss_b, draft("和平社区的心愿"), B)
    await services.wishes.verify(boss_b, other.id)
    await services.wishes.post(boss_b, other.id)
    member = api.user(USERS["member_a"], "member_a")
    await d.send(member, f"/start claim_{other.id}")
    shown = [m.text or "" for m in d.private(member)]
    assert not any("和平社区的心愿" in text for text in shown)
    assert t("zh", "err.other_community") in shown


async def test_a_claim_forged_in_another_group_is_refused_and_audited(bot: Bot) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    group_b = api.group(GROUP_B, "B群")
    world = await build_world(services)
    member = api.user(USERS["member_a"], "member_a")  # a member of A, sitting in B's group too
    await d.send(member, "/help", chat=group_b)
    answer = await d.tap(member, api.last_in(GROUP_B), data=f"w1:cl:{world.open}", chat=group_b)
    assert answer is not None and answer.show_alert
    assert answer.text == t("zh", "err.wrong_chat", code=f"W-{world.open:04d}")
    assert (await services.wishes.get(world.open)).status is WishStatus.OPEN
    refused = await services.events.by_action("refused.claim")
    assert [(e.actor_id, e.wish_id) for e in refused] == [(member.id, world.open)]


async def test_a_claim_of_a_wish_that_does_not_exist_is_audited(bot: Bot) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    group = api.group(GROUP_A, "A群")
    await build_world(services)
    member = api.user(USERS["member_a"], "member_a")
    await d.settle()
    answer = await d.tap(member, api.last_in(GROUP_A), data="w1:cl:999999", chat=group)
    assert answer is not None and answer.show_alert
    refused = await services.events.by_action("refused.claim")
    assert [e.actor_id for e in refused] == [member.id]


async def test_a_name_of_invisible_characters_is_refused(bot: Bot) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    newcomer = api.user(555, "x")
    await d.send(newcomer, "/start")
    await d.send(newcomer, "\u200b\u200c\u200d\u2060\ufeff")
    assert d.last_private(newcomer).text == t("zh", "val.name")
    assert await services.members.get(555) is None
    await d.send(newcomer, "\u200b李\u200b明")
    member = await services.members.get(555)
    assert member is not None and member.full_name == "李明"


async def test_a_throttled_answer_does_not_undo_or_misreport_the_claim(bot: Bot) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    group = api.group(GROUP_A, "A群")
    world = await build_world(services)
    member = api.user(USERS["member_a"], "member_a")
    await d.settle()
    card = next(m for m in api.messages_in(GROUP_A) if f"W-{world.open:04d}" in (m.text or ""))
    api.fail_next("answerCallbackQuery", 429, "Too Many Requests: retry after 30", {"retry_after": 30})
    await d.tap(member, card, "认领", chat=group)
    assert (await services.wishes.get(world.open)).status is WishStatus.CLAIMED
    generic = t("zh", "err.generic")
    assert all(a.text != generic for a in api.answers)
    assert all(m.text != generic for m in d.private(member))

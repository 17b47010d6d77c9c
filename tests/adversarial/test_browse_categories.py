"""/wishes and /categories against the wrong people, the wrong chats and forged buttons: each gets
a short answer in their language and changes nothing; nobody sees another community's wishes."""

from __future__ import annotations

import pytest

from bot.models import CategoryNames, MembershipStatus
from bot.people.organisation import SYSTEM
from bot.texts import t
from tests.conftest import Bot
from tests.factories import BENEFICIARY, member
from tests.fakes.telegram_api import FakeUser
from tests.world import GROUP_A, USERS, World, build_world

SUSPENDED, LONER = 24, 25  # a suspended member of A; registered, in no branch


async def setup(bot: Bot) -> tuple[World, dict[str, FakeUser]]:
    api, services = bot.api, bot.services
    api.group(GROUP_A, "A群")
    people = {
        name: api.user(uid, name) for name, uid in {**USERS, "suspended": SUSPENDED, "loner": LONER}.items()
    }
    for user in people.values():
        api.open_private(user.id)
    world = await build_world(services)
    await member(services, SUSPENDED, "赵六", 1)
    boss = await services.directory.actor(USERS["coord_a"], "zh")
    await services.org.set_member_status(boss, SUSPENDED, MembershipStatus.SUSPENDED)
    await services.members.register(LONER, "孤雁", "zh", services.clock.now())
    await bot.driver.settle()
    return world, people


@pytest.mark.parametrize(
    ("role", "key"),
    [
        ("stranger", "err.members_only"),
        ("loner", "err.no_membership"),
        ("suspended", "err.suspended"),
    ],
)
async def test_wishes_needs_an_active_membership(bot: Bot, role: str, key: str) -> None:
    _, people = await setup(bot)
    await bot.driver.send(people[role], "/wishes")
    assert bot.driver.last_private(people[role]).text == t("zh", key)


async def test_wishes_shows_each_their_own_community_and_only_in_private(bot: Bot) -> None:
    world, people = await setup(bot)
    d = bot.driver
    await d.send(people["member_b"], "/wishes")
    assert f"W-{world.open:04d}" not in d.last_private(people["member_b"]).text  # community A's
    await d.send(people["coord_b"], "/wishes")
    assert "和平社区" in d.last_private(people["coord_b"]).text
    await d.send(people["member_a"], "/wishes")
    listing = d.last_private(people["member_a"])
    assert f"W-{world.open:04d}" in listing.text
    group = bot.api.chat(GROUP_A)
    await d.send(people["member_a"], "/wishes", chat=group)
    assert bot.api.last_in(GROUP_A).text == t("zh", "err.private_only")
    # The list shows what a group card shows (member_a's own chat holds her claims' details).
    shown = "\n".join([listing.text, *bot.api.everything_shown_in(GROUP_A)])
    for secret in (BENEFICIARY.name, BENEFICIARY.phone, BENEFICIARY.address):
        assert secret not in shown


async def test_forged_list_buttons_get_a_short_answer_and_change_nothing(bot: Bot) -> None:
    world, people = await setup(bot)
    d, services = bot.driver, bot.services
    other = await services.categories.add(SYSTEM, 2, CategoryNames(zh="乙类", en="Kind B"))
    alice, bee = people["member_a"], people["member_b"]
    await d.send(alice, "/wishes")
    page = d.last_private(alice)
    for data in (
        f"ls1:p:0:0:{other.key}:-1:-1",  # another community's category
        "ls1:p:0:0:DROP TABLE:-1:-1",
        "ls1:p:0:5000:-:-1:-1",
        "ls1:x:0:0:-:-1:-1",
        "ls1:" + "9" * 70,
    ):
        answer = await d.tap(alice, page, data=data)
        assert answer is not None and answer.show_alert and answer.text == t("zh", "err.stale_button"), data
    # A page past the end shows the last one.
    answer = await d.tap(alice, page, data="ls1:p:0:999:-:-1:-1")
    assert answer is not None and not answer.show_alert
    # Community B's member presses a claim for community A's wish (forged under their own list).
    await d.send(bee, "/wishes")
    answer = await d.tap(bee, d.last_private(bee), data=f"ls1:c:{world.open}:0:-:-1:-1")
    assert answer is not None and answer.show_alert and answer.text == t("zh", "err.other_community")
    # A list button pressed in a group is refused before anything runs.
    group = bot.api.chat(GROUP_A)
    card = next(m for m in reversed(bot.api.messages_in(GROUP_A)) if m.from_bot)
    answer = await d.tap(alice, card, data=f"ls1:c:{world.open}:0:-:-1:-1", chat=group)
    assert answer is not None and answer.text == t("zh", "err.private_only")
    assert (await services.wishes.get(world.open)).holder_id is None
    assert len(await services.events.by_action("refused.claim")) >= 1


async def test_categories_is_for_coordinators_of_the_community_in_private(bot: Bot) -> None:
    _, people = await setup(bot)
    d, services = bot.driver, bot.services
    mine = await services.categories.add(SYSTEM, 1, CategoryNames(zh="甲类", en="Kind A"))
    number = mine.number
    await d.send(people["member_a"], "/categories")
    assert d.last_private(people["member_a"]).text == t("zh", "err.coordinators_only")
    await d.send(people["coord_a"], "/categories", chat=bot.api.chat(GROUP_A))
    assert bot.api.last_in(GROUP_A).text == t("zh", "err.private_only")
    # Community B's coordinator names A's category by its number: not theirs, not found.
    for line in (f"/categories hide {number}", f"/categories rename {number} 改 / Changed"):
        await d.send(people["coord_b"], line)
        assert d.last_private(people["coord_b"]).text == t("zh", "cats.no_such", number=number)
    await d.send(people["coord_b"], "/categories")
    listing = d.last_private(people["coord_b"])
    for data in (f"ct1:hide:{number}", f"ct1:ren:{number}", "ct1:nuke:1", "ct1:hide:-1"):
        answer = await d.tap(people["coord_b"], listing, data=data)
        assert answer is not None and answer.show_alert, data
    # A member forging the coordinators' buttons.
    await d.send(people["member_a"], "/help")
    answer = await d.tap(people["member_a"], d.last_private(people["member_a"]), data="ct1:add:0")
    assert answer is not None and answer.text == t("zh", "err.coordinators_only")
    entry = (await services.categories.book(1)).entry(mine.key)
    assert entry is not None and not entry.hidden and entry.names == CategoryNames(zh="甲类", en="Kind A")
    assert await services.events.by_action("category.hide") == []


@pytest.mark.parametrize(
    "names",
    ["长" * 31 + " / Long", "甲 / " + "x" * 31, "甲 / " + "x" * 5000, "\u200b / x", "甲 /", "/"],
)
async def test_oversized_or_empty_names_are_refused(bot: Bot, names: str) -> None:
    _, people = await setup(bot)
    d = bot.driver
    await d.send(people["coord_a"], f"/categories add {names}")
    text = d.last_private(people["coord_a"]).text
    assert len(text) < 300 and "幸福社区" not in text  # an error, not the list
    assert (await bot.services.categories.book(1)).custom() == []

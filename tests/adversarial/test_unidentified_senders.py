"""Anonymous group admins and channels are nobody the bot can identify: no role, no data."""

from __future__ import annotations

import pytest

from bot.texts import t
from tests.conftest import Bot
from tests.factories import BENEFICIARY
from tests.world import GROUP_A, USERS, build_world

PERSONAL = (BENEFICIARY.name, BENEFICIARY.phone, BENEFICIARY.address)
UNBOUND = -1009


def leaks(texts: list[str]) -> list[str]:
    return [text for text in texts if any(p in text for p in PERSONAL)]


@pytest.mark.parametrize("as_channel", [False, True], ids=["anonymous-admin", "channel"])
@pytest.mark.parametrize("chat_id", [GROUP_A, UNBOUND], ids=["bound", "unbound"])
@pytest.mark.parametrize(
    "text",
    ["/wish W-0004", "/wish@{bot} W-0004", "/post W-0002", "/bind", "/report", "/history W-0004", "/export"],
)
async def test_commands_written_as_a_chat_get_no_rights_and_no_data(
    bot: Bot, as_channel: bool, chat_id: int, text: str
) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    world = await build_world(services)
    # The coordinator of A and a super-admin sit in the group, as anonymous admins do.
    group = api.group(chat_id, "群")
    for role in ("coord_a", "admin"):
        api.make_admin(chat_id, USERS[role])
    channel = api.channel(-100777, "频道") if as_channel else None
    await d.settle()  # the world's own cards are out before the intruder writes
    before = [await services.wishes.get(i) for i in (world.verified, world.claimed)]
    events_before = len(await services.events.by_action("post"))
    await d.send_as_chat(text.format(bot=bot.app.bot.username), group, channel=channel)
    shown = api.everything_shown_in(chat_id)
    assert leaks(shown) == []
    answer = [m for m in api.messages_in(chat_id) if m.from_bot][-1]
    assert answer.text == t("zh", "err.anonymous")
    assert [await services.wishes.get(i) for i in (world.verified, world.claimed)] == before
    assert len(await services.events.by_action("post")) == events_before


async def test_plain_messages_written_as_a_chat_are_ignored(bot: Bot) -> None:
    await build_world(bot.services)
    group = bot.api.group(GROUP_A, "A群")
    await bot.driver.settle()
    before = len(bot.api.calls)
    await bot.driver.send_as_chat("大家好", group)
    assert bot.api.calls[before:] == []  # nothing answered, nothing looked up


async def test_wish_of_another_community_is_refused(bot: Bot) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    world = await build_world(services)
    coord_b = api.user(USERS["coord_b"], "coord_b")
    await d.send(coord_b, f"/wish W-{world.claimed:04d}")
    shown = [m.text or "" for m in d.private(coord_b)]
    assert leaks(shown) == []
    assert t("zh", "err.other_community") in shown[-1]
    refused = await services.events.by_action("refused.view_details")
    assert [e.actor_id for e in refused] == [USERS["coord_b"]]


@pytest.mark.parametrize("role", ["coord_a", "admin"])
async def test_wish_shows_details_to_the_communitys_coordinators(bot: Bot, role: str) -> None:
    world = await build_world(bot.services)
    user = bot.api.user(USERS[role], role)
    await bot.driver.send(user, f"/wish W-{world.claimed:04d}")
    assert leaks([m.text or "" for m in bot.driver.private(user)])

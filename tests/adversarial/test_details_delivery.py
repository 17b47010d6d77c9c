"""Delivery details reach only a current holder, and every copy of them can be taken back."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.models import OutboxStatus
from storage.wishes import WishRepo
from tests.conftest import Bot, drain_outbox
from tests.factories import BENEFICIARY
from tests.world import GROUP_A, USERS, build_world

MEMBER = USERS["member_a"]


def visible_details(bot: Bot, user_id: int) -> list[str]:
    return [
        m.text or ""
        for m in bot.api.messages_in(user_id)
        if not m.deleted and m.from_bot and BENEFICIARY.phone in (m.text or "")
    ]


async def _setup(bot: Bot):  # type: ignore[no-untyped-def]
    bot.api.group(GROUP_A, "A群")
    bot.api.open_private(bot.api.user(MEMBER, "member_a").id)
    world = await build_world(bot.services)
    await bot.driver.settle()
    return world


async def test_details_queued_before_a_release_never_reach_the_ex_holder(bot: Bot) -> None:
    services = bot.services
    world = await _setup(bot)
    holder = await services.directory.actor(MEMBER, "zh")
    boss = await services.directory.actor(USERS["coord_a"], "zh")
    before = len(visible_details(bot, MEMBER))
    assert services.sender is not None
    await services.sender.stop()  # the bot is down, or the row is leased after a restart
    await services.wishes.claim(holder, world.open, group_chat=GROUP_A)
    await services.wishes.release(boss, world.open)  # the claim ends before the row is sent
    services.sender.start()
    await drain_outbox(bot.app)
    assert len(visible_details(bot, MEMBER)) == before
    # The row was closed as moot, not sent.
    superseded = await services.db.reader.execute_fetchall(
        "SELECT COUNT(*) FROM outbox WHERE status = ? AND chat_id = ?", (OutboxStatus.SUPERSEDED.value, MEMBER)
    )
    assert next(iter(superseded))[0] >= 1


async def test_details_show_the_wish_and_the_holders_language_as_they_are_when_sent(bot: Bot) -> None:
    services = bot.services
    world = await _setup(bot)
    holder = await services.directory.actor(MEMBER, "zh")
    assert services.sender is not None
    await services.sender.stop()  # a storm's details wait their turn at one message a second
    await services.wishes.claim(holder, world.open, group_chat=GROUP_A)
    await services.members.touch(MEMBER, "en")  # the member switched to English meanwhile
    services.sender.start()
    await drain_outbox(bot.app)
    code = f"W-{world.open:04d}"
    (shown,) = [t for t in visible_details(bot, MEMBER) if code in t]
    assert "Thank you for claiming" in shown and BENEFICIARY.address in shown
    # Tracked like any copy of the details: the release takes it back.
    await services.wishes.release(await services.directory.actor(USERS["coord_a"], "zh"), world.open)
    await drain_outbox(bot.app)
    assert [t for t in visible_details(bot, MEMBER) if code in t] == []


async def test_details_of_unknown_fate_after_a_crash_are_taken_back(
    bot: Bot, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, api = bot.services, bot.api
    world = await _setup(bot)
    holder = await services.directory.actor(MEMBER, "zh")
    boss = await services.directory.actor(USERS["coord_a"], "zh")
    real_track = WishRepo.track_detail_message
    crashed = asyncio.Event()

    async def crash_once(self: WishRepo, *args: Any, **kw: Any) -> None:
        # Telegram has the message, but the bot dies before it writes down which one it was.
        if not crashed.is_set():
            crashed.set()
            raise RuntimeError("killed")
        await real_track(self, *args, **kw)

    monkeypatch.setattr(WishRepo, "track_detail_message", crash_once)
    await services.wishes.claim(holder, world.open, group_chat=GROUP_A)
    await drain_outbox(bot.app)
    assert crashed.is_set()
    # After the "restart", the row is sent again; whatever reached the member is known now.
    clock.advance(timedelta(minutes=10))
    await drain_outbox(bot.app)
    code = f"W-{world.open:04d}"
    assert [t for t in visible_details(bot, MEMBER) if code in t]
    await services.wishes.release(boss, world.open)
    await drain_outbox(bot.app)
    assert [t for t in visible_details(bot, MEMBER) if code in t] == []
    assert api.calls_to("editMessageText")

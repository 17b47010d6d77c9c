"""Builders for scheduler tests: people, groups and wishes made directly, time set by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.models import Wish
from bot.people.policies import Actor
from bot.reminders.jobs import run_pass
from bot.services import Services
from tests.conftest import Bot
from tests.conftest import fast_settings as fast_settings
from tests.factories import COORDINATOR, draft, seed_community
from tests.fakes.telegram_api import FakeTelegram

SH = ZoneInfo("Asia/Shanghai")
BOSS, ALICE, BOB = COORDINATOR, 1, 2
GROUP_A, GROUP_B = -100101, -100202


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """An instant in 2026, Shanghai time."""
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


@dataclass
class People:
    boss: Actor
    alice: Actor
    bob: Actor


async def person(services: Services, user_id: int, name: str, lang: str = "zh", branch_id: int = 1) -> Actor:
    now = services.clock.now()
    await services.members.register(user_id, name, lang, now)
    async with services.db.transaction() as conn:
        await services.memberships.join(
            conn, user_id=user_id, community_id=1, branch_id=branch_id, phone=None, now=now
        )
    return await services.directory.actor(user_id, lang)


async def people(services: Services, api: FakeTelegram | None = None) -> People:
    """The coordinator (registered, so the bot can write to them), Alice (zh) and Bob (en)."""
    await seed_community(services)
    await services.members.register(BOSS, "李主任", "zh", services.clock.now())
    found = People(
        boss=await services.directory.actor(BOSS, "zh"),
        alice=await person(services, ALICE, "张丽"),
        bob=await person(services, BOB, "Bob Chen", "en"),
    )
    if api is not None:
        for uid, name in ((BOSS, "Li"), (ALICE, "Alice"), (BOB, "Bob")):
            api.user(uid, name, language_code="en" if uid == BOB else "zh-hans")
            api.open_private(uid)
    return found


async def bind_group(
    services: Services,
    api: FakeTelegram | None,
    chat_id: int = GROUP_A,
    title: str = "第一支部群",
    branch_id: int = 1,
) -> None:
    await services.groups.bind(chat_id, 1, title, "zh", BOSS, services.clock.now(), branch_id=branch_id)
    if api is not None:
        api.group(chat_id, title)
        api.bot_joined(chat_id)


async def posted(
    services: Services, boss: Actor, due: date, chats: list[int] | None = None, **kw: Any
) -> Wish:
    wish = await services.wishes.create(boss, draft(due=due, **kw), 1)
    await services.wishes.verify(boss, wish.id)
    return await services.wishes.post(boss, wish.id, chats)


async def claimed(services: Services, p: People, due: date, holder: Actor | None = None) -> Wish:
    wish = await posted(services, p.boss, due)
    return await services.wishes.claim(holder or p.alice, wish.id)


async def claimed_in_group(bot: Bot, due: date, holder_id: int = ALICE) -> Wish:
    """The usual start: `people`, group A bound, one wish posted there and claimed (by Alice
    unless told), and what that sent delivered, so the holder has the details message."""
    s = bot.services
    p = await people(s, bot.api)
    await bind_group(s, bot.api)
    wish = await claimed(s, p, due, holder={ALICE: p.alice, BOB: p.bob}[holder_id])
    await bot.driver.settle()
    return wish


async def run(bot: Bot, clock: FakeClock, name: str, when: datetime) -> int:
    """One pass of a job at the given instant, then wait until the bot has sent what it queued."""
    clock.set(when)
    queued = await run_pass(bot.services, name, clock.now())
    await bot.driver.settle()
    return queued


async def set_community(services: Services, **values: int) -> None:
    async with services.db.transaction() as conn:
        for name, value in values.items():
            await services.communities.set_setting(conn, 1, name, value)

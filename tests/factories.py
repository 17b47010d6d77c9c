"""Small builders shared by tests."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import Any

from bot.clock import FakeClock
from bot.models import Beneficiary, Category, Figures, Wish, WishDraft, WishStatus
from bot.people.organisation import SYSTEM
from bot.people.policies import Actor
from bot.reports.model import BranchRow, WeeklyReport
from bot.services import Services
from bot.settings import Settings
from bot.timing import IsoWeek

COORDINATOR = 9001
BENEFICIARY = Beneficiary(name="王秀英", phone="13812345678", address="幸福路 8 号 3 单元 502 室")


def wish_record(
    *, holders: tuple[int, ...] = (), made: datetime = datetime(2026, 11, 20, tzinfo=UTC), **fields: Any
) -> Wish:
    """A wish as storage reads it, for tests of code that takes one without a database: open,
    or claimed by `holders` (its first leads) since `made`; `fields` replace any column."""
    held = bool(holders)
    record: dict[str, Any] = {
        "id": 42,
        "community_id": 1,
        "branch_id": 1,
        "status": WishStatus.CLAIMED if held else WishStatus.OPEN,
        "beneficiary_name": BENEFICIARY.name,
        "beneficiary_phone": BENEFICIARY.phone,
        "beneficiary_address": BENEFICIARY.address,
        "category": Category.ELDERLY_ALONE,
        "description": "电暖器一台",
        "value_fen": 20000,
        "due_date": date(2026, 12, 4),
        "photo_file_id": None,
        "created_by": COORDINATOR,
        "created_at": made,
        "holder_id": holders[0] if held else None,
        "claimed_at": made if held else None,
        "delivered_at": None,
        "delivery_note": None,
        "delivery_photo_id": None,
        "fulfilled_at": None,
        "reason": None,
        "updated_at": made,
        "holders": holders,
    }
    return Wish(**{**record, **fields})


def draft(
    description: str = "电暖器一台", due: date = date(2026, 12, 31), value_fen: int | None = 20000
) -> WishDraft:
    return WishDraft(
        beneficiary=BENEFICIARY,
        category=Category.ELDERLY_ALONE,
        description=description,
        value_fen=value_fen,
        due_date=due,
    )


COMMUNITY_NAME = "幸福社区"
BRANCH_NAME = "第一支部"


async def seed_community(services: Services) -> None:
    """Community 1 with branch 1, as an operator would set it up with the CLI."""
    if not await services.communities.all():
        await services.org.create_community(SYSTEM, COMMUNITY_NAME)
        await services.org.add_branch(SYSTEM, 1, BRANCH_NAME)


async def coordinator(services: Services, user_id: int = COORDINATOR) -> Actor:
    return await services.directory.actor(user_id, "zh")


async def member(services: Services, user_id: int, name: str | None = None, branch_id: int = 1) -> Actor:
    """A registered member of a branch (default: community 1's default branch), made directly."""
    now = services.clock.now()
    await services.members.register(user_id, name or f"志愿者{user_id}", "zh", now)
    branch = await services.branches.get(branch_id)
    assert branch is not None
    async with services.db.transaction() as conn:
        await services.memberships.join(
            conn, user_id=user_id, community_id=branch.community_id, branch_id=branch_id, phone=None, now=now
        )
    return await services.directory.actor(user_id, "zh")


def run_cli(settings: Settings, clock: FakeClock, *argv: str) -> int:
    """`wishwall ARGV` on the test's database and clock, with the environment put back after."""
    from bot.cli import main

    env = {"WISHWALL_DB": settings.db, "WISHWALL_ADMINS": str(COORDINATOR), "WISHWALL_BOT_TOKEN": "x"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return main(list(argv), clock=clock)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def weekly_report() -> WeeklyReport:
    """Week 47 of 2026 in one branch: 4 due, 1 fulfilled, no earlier figures."""
    return WeeklyReport(
        community_id=1,
        community_name=COMMUNITY_NAME,
        week=IsoWeek(year=2026, week=47),
        this=Figures(due=4, due_fulfilled=1),
        previous=Figures(),
        branches=[BranchRow(branch_id=1, name=BRANCH_NAME, figures=Figures(due=4, due_fulfilled=1))],
        history=[(f"2026-W{w}", None) for w in range(40, 47)] + [("2026-W47", 0.25)],
    )

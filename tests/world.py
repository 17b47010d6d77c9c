"""A two-community world for access-control and privacy tests, built straight in the database."""

from __future__ import annotations

from dataclasses import dataclass

from bot.people.organisation import SYSTEM
from bot.people.policies import Actor
from bot.services import Services
from tests.factories import COORDINATOR, draft, member

A, B = 1, 2
BRANCH_A, BRANCH_B = 1, 2
GROUP_A, GROUP_B = -1001, -1002
ROLES = ("admin", "coord_a", "coord_b", "member_a", "member_b", "stranger")
USERS = {"admin": COORDINATOR, "coord_a": 11, "coord_b": 12, "member_a": 21, "member_b": 22, "stranger": 99}


@dataclass
class World:
    pending: int
    verified: int
    open: int
    claimed: int  # held by member_a
    delivered: int  # held by member_a

    async def actor(self, services: Services, role: str) -> Actor:
        return await services.directory.actor(USERS[role], "zh")


async def build_world(services: Services) -> World:
    """Community A (id 1, from seed_community) and B, a coordinator and a member in each."""
    now = services.clock.now()
    org = services.org
    await org.create_community(SYSTEM, "和平社区")
    await org.add_branch(SYSTEM, B, "和平一支部")
    await org.set_setting(SYSTEM, A, "member_cap", "5")  # member_a holds two already
    await org.appoint(SYSTEM, A, USERS["coord_a"])
    await org.appoint(SYSTEM, B, USERS["coord_b"])
    for role in ("coord_a", "coord_b"):
        await services.members.register(USERS[role], f"{role}", "zh", now)
    await member(services, USERS["member_a"], "张丽", BRANCH_A)
    await member(services, USERS["member_b"], "王强", BRANCH_B)
    await services.groups.bind(GROUP_A, A, "A群", "zh", USERS["coord_a"], now, branch_id=BRANCH_A)
    await services.groups.bind(GROUP_B, B, "B群", "zh", USERS["coord_b"], now, branch_id=BRANCH_B)
    boss = await services.directory.actor(USERS["coord_a"], "zh")
    holder = await services.directory.actor(USERS["member_a"], "zh")
    w = services.wishes
    ids = [(await w.create(boss, draft(f"心愿{i}"), A)).id for i in range(5)]
    for wish_id in ids[1:]:
        await w.verify(boss, wish_id)
    for wish_id in ids[2:]:
        await w.post(boss, wish_id)
    await w.claim(holder, ids[3])
    await w.claim(holder, ids[4])
    await w.deliver(holder, ids[4])
    return World(*ids)

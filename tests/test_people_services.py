"""The organisation's core services on their own (no Telegram): what handlers ask of them, and
that each says no by itself to someone who may not ask, whatever the handler checked first."""

from __future__ import annotations

import pytest

from bot.errors import NotAllowed, NotFound
from bot.people.organisation import SYSTEM
from bot.services import Services
from tests.factories import BRANCH_NAME, COMMUNITY_NAME, COORDINATOR, coordinator, member
from tests.world import GROUP_A, USERS, A, B, build_world


async def test_overview_and_branch_lines_count_and_refuse(services: Services) -> None:
    await build_world(services)
    core = services.core
    lines = await core.communities.overview(await coordinator(services))
    assert [(c.community.name, c.branches, c.coordinators) for c in lines] == [
        (COMMUNITY_NAME, 1, 1),
        ("和平社区", 1, 1),
    ]
    coord_a = await services.directory.actor(USERS["coord_a"], "zh")
    with pytest.raises(NotAllowed):
        await core.communities.overview(coord_a)
    assert [(b.branch.name, b.members) for b in await core.communities.branch_lines(coord_a, A)] == [
        (BRANCH_NAME, 1)
    ]
    with pytest.raises(NotAllowed):
        await core.communities.branch_lines(coord_a, B)


async def test_member_touch_and_refusals_are_recorded(services: Services) -> None:
    people = services.core.people
    assert await people.member(7) is None
    await member(services, 7, "张丽")
    found = await people.member(7)
    assert found is not None and found.full_name == "张丽"
    await services.members.mark_unreachable(7, services.clock.now())
    await people.touch(7, "en")
    touched = await people.member(7)
    assert touched is not None and touched.lang == "en" and touched.unreachable_at is None
    await people.refused(7, "refused.button", {"data": "x"})
    [event] = await services.events.by_action("refused.button")
    assert event.actor_id == 7 and event.details == {"data": "x"}


async def test_a_request_is_shown_only_to_its_community(services: Services) -> None:
    await build_world(services)
    people = services.core.people
    await services.members.register(31, "王强", "zh", services.clock.now())
    request = await people.file_request(31, A)
    boss = await services.directory.actor(COORDINATOR, "zh")
    shown, branches = await people.request_to_decide(boss, request.id)
    assert shown.id == request.id and [b.id for b in branches] == [1]
    with pytest.raises(NotAllowed):
        await people.request_to_decide(await services.directory.actor(USERS["coord_b"], "zh"), request.id)
    with pytest.raises(NotFound):
        await people.request_to_decide(boss, 999)


async def test_bound_is_only_an_active_binding(services: Services) -> None:
    await build_world(services)
    groups = services.core.groups
    bound = await groups.bound(GROUP_A)
    assert bound is not None and bound.community_id == A
    assert await groups.bound(-4040) is None
    assert await groups.unbind(SYSTEM, GROUP_A)
    assert await groups.bound(GROUP_A) is None
    assert not await groups.unbind(SYSTEM, GROUP_A)

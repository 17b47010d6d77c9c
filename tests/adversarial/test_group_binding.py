"""Binding a group: only its administrators, and never away from another community."""

from __future__ import annotations

from bot.texts import t
from tests.conftest import Bot
from tests.world import BRANCH_A, BRANCH_B, GROUP_A, USERS, build_world


async def test_another_communitys_coordinator_cannot_take_a_bound_group(bot: Bot) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    await build_world(services)
    group = api.group(GROUP_A, "A群")
    coord_b = api.user(USERS["coord_b"], "coord_b")
    api.make_admin(GROUP_A, coord_b.id)  # even an admin of the group
    await d.settle()
    await d.send(coord_b, "/bind", chat=group)
    assert api.last_in(GROUP_A).text == t("zh", "groups.bound_elsewhere")
    # The forged tap (B's branch, in A's group) is refused and audited.
    answer = await d.tap(coord_b, api.last_in(GROUP_A), data=f"b1:bind:{BRANCH_B}", chat=group)
    assert answer is not None and answer.show_alert
    assert answer.text == t("zh", "groups.bound_elsewhere")
    bound = await services.groups.get(GROUP_A)
    assert bound is not None and bound.community_id == 1 and bound.branch_id == BRANCH_A
    refused = await services.events.by_action("refused.bind")
    assert [(e.actor_id, e.details["why"]) for e in refused] == [(coord_b.id, "bound_elsewhere")]


async def test_binding_needs_a_group_administrator(bot: Bot) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    await build_world(services)
    group = api.group(-1500, "新群")
    coord_a = api.user(USERS["coord_a"], "coord_a")
    await d.send(coord_a, "/bind", chat=group)  # a plain member of the group
    assert api.last_in(-1500).text == t("zh", "groups.not_group_admin")
    answer = await d.tap(coord_a, api.last_in(-1500), data=f"b1:bind:{BRANCH_A}", chat=group)
    assert answer is not None and answer.text == t("zh", "groups.not_group_admin")
    assert await services.groups.get(-1500) is None
    api.make_admin(-1500, coord_a.id)
    await d.send(coord_a, "/bind", chat=group)
    await d.tap(coord_a, api.last_in(-1500), "第一支部", chat=group)
    bound = await services.groups.get(-1500)
    assert bound is not None and bound.active and bound.branch_id == BRANCH_A


async def test_forged_bind_taps_are_audited(bot: Bot) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    await build_world(services)
    group = api.group(-1500, "新群")
    member = api.user(USERS["member_a"], "member_a")
    coord_a = api.user(USERS["coord_a"], "coord_a")
    api.make_admin(-1500, coord_a.id)
    await d.send(coord_a, "/bind", chat=group)
    answer = await d.tap(member, api.last_in(-1500), "第一支部", chat=group)
    assert answer is not None and answer.show_alert
    answer = await d.tap(coord_a, api.last_in(-1500), data="b1:bind:999999", chat=group)
    assert answer is not None and answer.show_alert
    refused = await services.events.by_action("refused.bind")
    assert [(e.actor_id, e.details["why"]) for e in refused] == [
        (member.id, "err.coordinators_only"),
        (coord_a.id, "no_branch"),
    ]
    assert await services.groups.get(-1500) is None


async def test_a_super_admin_may_move_a_group_and_the_old_community_is_told(bot: Bot) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    await build_world(services)
    group = api.group(GROUP_A, "A群")
    admin = api.user(USERS["admin"], "admin")
    coord_a = api.user(USERS["coord_a"], "coord_a")
    await d.send(coord_a, "/help")
    api.make_admin(GROUP_A, admin.id)
    await d.send(admin, "/use 和平社区")
    await d.send(admin, "/bind", chat=group)
    await d.tap(admin, api.last_in(GROUP_A), "和平一支部", chat=group)
    bound = await services.groups.get(GROUP_A)
    assert bound is not None and bound.community_id == 2
    assert t("zh", "notice.group_rebound", title="A群") in [m.text for m in d.private(coord_a)]
    taken = await services.events.by_action("group.taken")
    assert [(e.community_id, e.actor_id) for e in taken] == [(1, admin.id)]

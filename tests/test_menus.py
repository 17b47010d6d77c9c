"""The command menu each person sees matches what they may do, and follows their roles."""

from __future__ import annotations

import json

from bot.people.policies import COMMAND_RULES, Need, command_refusal, group_menu, menu_for_role
from tests.conftest import Bot
from tests.factories import COORDINATOR
from tests.fakes.telegram_api import FakeTelegram
from tests.world import USERS, build_world


def published(api: FakeTelegram, scope: dict[str, object], lang: str | None = None) -> list[str] | None:
    """The commands the last setMyCommands gave this scope (None: deleted or never set)."""
    key = json.dumps(scope, sort_keys=True)
    found = None
    for call in api.calls:
        if call.method not in ("setMyCommands", "deleteMyCommands") or not call.ok:
            continue
        if json.dumps(call.params.get("scope") or {"type": "default"}, sort_keys=True) != key:
            continue
        if (call.params.get("language_code") or None) != lang:
            continue
        found = [c["command"] for c in call.params["commands"]] if call.method == "setMyCommands" else None
    return found


def test_each_role_menu_lists_exactly_what_that_role_may_use_in_private() -> None:
    for role in (Need.MEMBER, Need.COORDINATOR, Need.ADMIN):
        for name in menu_for_role(role):
            rule = COMMAND_RULES[name]
            assert rule.menu
            needs = {
                Need.MEMBER: {Need.ANYONE, Need.MEMBER},
                Need.COORDINATOR: {Need.ANYONE, Need.MEMBER, Need.COORDINATOR},
            }
            assert rule.need in needs.get(role, set(Need))
    assert "newwish" not in menu_for_role(Need.MEMBER) and "community" not in menu_for_role(Need.COORDINATOR)
    assert (
        set(menu_for_role(Need.MEMBER))
        < set(menu_for_role(Need.COORDINATOR))
        <= set(menu_for_role(Need.ADMIN))
    )
    assert "bind" in group_menu(administrators=True) and "bind" not in group_menu(administrators=False)


async def test_menus_published_at_start_follow_the_table(bot: Bot) -> None:
    api = bot.api
    for lang in (None, "en"):
        assert published(api, {"type": "all_private_chats"}, lang) == menu_for_role(Need.MEMBER)
        assert published(api, {"type": "all_group_chats"}, lang) == group_menu(administrators=False)
        assert published(api, {"type": "all_chat_administrators"}, lang) == group_menu(administrators=True)
    await bot.driver.settle()
    # The super-admin (from WISHWALL_ADMINS) has a menu of their own.
    assert published(api, {"type": "chat", "chat_id": COORDINATOR}) == menu_for_role(Need.ADMIN)


async def test_menus_follow_appointments_and_dismissals(bot: Bot) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    await build_world(services)
    admin = api.user(COORDINATOR, "admin")
    newcomer = api.user(USERS["member_a"], "member_a")
    api.open_private(newcomer.id)
    await d.send(admin, f"/coordinator add 幸福社区 {newcomer.id}")
    assert published(api, {"type": "chat", "chat_id": newcomer.id}) == menu_for_role(Need.COORDINATOR)
    # Every command in it is one they may now use in private.
    actor = await services.directory.actor(newcomer.id, "zh")
    assert all(command_refusal(name, actor, True) is None for name in menu_for_role(Need.COORDINATOR))
    await d.send(admin, f"/coordinator remove 幸福社区 {newcomer.id}")
    assert published(api, {"type": "chat", "chat_id": newcomer.id}) is None  # back to the members' menu


async def test_a_suspended_members_menu_is_the_default(bot: Bot) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    await build_world(services)
    coord = api.user(USERS["coord_a"], "coord_a")
    member = api.user(USERS["member_a"], "member_a")
    api.open_private(member.id)
    await d.send(coord, f"/suspend {member.id}")
    assert any(
        call.method == "deleteMyCommands" and call.params.get("scope", {}).get("chat_id") == member.id
        for call in api.calls
    )

"""Every wall route, played by every role with valid initData: no answer ever carries a
beneficiary's name, phone or address unless the chat would show it to them too, which on the
wall means two places only: `mine`, for the member holding the wish, while they hold it; and
`dashboard`, for the coordinators of the wish's community (and super-admins), whom /wish and the
verification card show them to. Community B has wishes of its own, with another beneficiary, so
that a coordinator of one community asking for the other's dashboard is tried for real.

And what the wall's changes send through the outbox obeys the chat's rule (tests/adversarial/
test_matrix.py): details only in the private chats of those the policy lets see them.
"""

from __future__ import annotations

import io
import json
from typing import Any

import aiohttp
import pytest

from bot.models import Beneficiary
from tests.adversarial.test_matrix import PERSONAL, leaks
from tests.conftest import Bot
from tests.factories import draft
from tests.test_wall_api import MEMBER_C, PNG, SUSPENDED, setup
from tests.wall_client import wall
from tests.world import GROUP_A, GROUP_B, USERS, World

ROLES = {
    "admin": USERS["admin"],
    "coord_a": USERS["coord_a"],
    "coord_b": USERS["coord_b"],
    "holder": USERS["member_a"],
    "non_holder": MEMBER_C,
    "suspended": SUSPENDED,
    "stranger": USERS["stranger"],
}
# Community B's beneficiary, and the communities whose dashboard details each role may see (the
# chat's rule: its coordinators, and super-admins, who coordinate everywhere).
BENEFICIARY_B = Beneficiary(name="陈桂兰", phone="13900001111", address="和平街 2 号 1 单元 101 室")
PERSONAL_B = (BENEFICIARY_B.name, BENEFICIARY_B.phone, BENEFICIARY_B.address)
DASHBOARD_DETAILS = {"admin": {1, 2}, "coord_a": {1}, "coord_b": {2}}
LISTS = ("overdue", "pending", "verified")


async def wishes_in_b(bot: Bot) -> list[int]:
    """A pending and a verified wish of community B, for another beneficiary."""
    services = bot.services
    boss = await services.directory.actor(USERS["coord_b"], "zh")
    item = draft("轮椅一辆").model_copy(update={"beneficiary": BENEFICIARY_B})
    pending = await services.wishes.create(boss, item, 2)
    verified = await services.wishes.create(boss, item, 2)
    await services.wishes.verify(boss, verified.id)
    await bot.driver.settle()
    return [pending.id, verified.id]


def check_dashboard(role: str, body: dict[str, Any], details: dict[int, tuple[str, ...]]) -> int:
    """Details on a dashboard only for a community the role coordinates, on every card of its
    lists, each its own wish's; the number of cards that carried them."""
    allowed = body["community"]["id"] in DASHBOARD_DETAILS.get(role, set())
    cards = [card for name in LISTS for card in body[name]]
    for card in cards:
        if not allowed:
            assert card["details"] is None, (role, card)
            continue
        expected = details[card["id"]]
        assert card["details"] == {"name": expected[0], "phone": expected[1], "address": expected[2]}
    return len(cards) if allowed else 0


def calls(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    """Each route with the arguments that reach it furthest, reads again after the changes."""
    reads: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/wall/api/me", {}),
        ("GET", "/wall/api/wishes", {}),
        ("GET", "/wall/api/wishes?q=%E7%8E%8B", {}),  # 王: the surname is not searchable
        ("GET", "/wall/api/wishes?q=138", {}),  # nor the phone
        ("GET", "/wall/api/wishes?q=%E5%B9%B8%E7%A6%8F%E8%B7%AF", {}),  # nor the address
        ("GET", "/wall/api/wishes?sort=new&limit=100", {}),
        ("GET", "/wall/api/mine", {}),
        ("GET", "/wall/api/dashboard", {}),
        ("GET", "/wall/api/dashboard?community=1", {}),
        ("GET", "/wall/api/dashboard?community=2", {}),
        ("GET", "/wall/api/members", {}),
        ("GET", "/wall/api/members?community=1", {}),
        ("GET", "/wall/api/balance", {}),
        ("GET", "/wall/api/balance?community=2", {}),
    ]
    # The coordinators' actions first, while the claimed wish is still held (the claim sheet is a
    # file, not JSON: tests/test_wall_coord_adversarial.py reads it for every role).
    changes: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", f"/wall/api/wishes/{world.pending}/verify", {}),
        ("POST", f"/wall/api/wishes/{world.pending}/reject", {"json": {"reason": "信息不实"}}),
        ("POST", f"/wall/api/wishes/{world.verified}/post", {"json": {"branch": 1}}),
        ("POST", "/wall/api/balance", {"json": {"community": 1, "plan": "0" * 32}}),
        ("POST", f"/wall/api/wishes/{world.claimed}/keep-chasing", {}),
        ("POST", f"/wall/api/wishes/{world.claimed}/reassign", {"json": {"member": MEMBER_C}}),
        ("POST", f"/wall/api/wishes/{world.claimed}/reassign", {}),
    ]
    for wish_id in (world.pending, world.verified, world.claimed, world.delivered, world.open):
        changes.append(("POST", f"/wall/api/wishes/{wish_id}/claim", {}))
    for wish_id in (world.claimed, world.delivered, world.open):
        changes.append(("POST", f"/wall/api/wishes/{wish_id}/extend", {"json": {"date": "2027-01-05"}}))
    # Multipart as the page sends it (a photo makes aiohttp encode it so): a delivery the holder
    # may make, so that for them it goes through and its notices are checked below.
    for wish_id in (world.claimed, world.open):
        note = aiohttp.FormData()
        note.add_field("note", "已送到")
        note.add_field("hours", "3")
        note.add_field("photo", io.BytesIO(PNG), filename="door.png", content_type="image/png")
        changes.append(("POST", f"/wall/api/wishes/{wish_id}/deliver", {"data": note}))
    for wish_id in (world.claimed, world.delivered):
        release = f"/wall/api/wishes/{wish_id}/release"
        changes.append(("POST", release, {"json": {"kind": "auto"}}))  # never a person's choice
        changes.append(("POST", release, {"json": {"kind": "other", "reason": "有事"}}))
    changes.append(("POST", "/wall/api/wishes/W-0999/claim", {}))
    return reads + changes + reads


@pytest.mark.parametrize("role", list(ROLES))
async def test_no_wall_answer_carries_personal_data_to_anyone_who_may_not_see_it(bot: Bot, role: str) -> None:
    world = await setup(bot)
    in_b = await wishes_in_b(bot)
    services, user_id = bot.services, ROLES[role]
    shown_to_holder = shown_on_dashboard = 0
    in_a = (world.pending, world.verified, world.open, world.claimed, world.delivered)
    details = {wish_id: PERSONAL for wish_id in in_a} | {wish_id: PERSONAL_B for wish_id in in_b}
    async with wall(bot.app) as w:
        for method, path, kwargs in calls(world):
            status, body = await w.call(method, path, user_id, **kwargs)
            assert status < 500, (path, body)
            text = json.dumps(body, ensure_ascii=False)
            if path.startswith("/wall/api/dashboard") and status == 200:
                shown_on_dashboard += check_dashboard(role, body, details)
                # Nothing of the other community's beneficiary rides along.
                other = PERSONAL_B if body["community"]["id"] == 1 else PERSONAL
                assert not any(p in text for p in other), (role, path)
                continue
            assert not any(p in text for p in PERSONAL_B), (role, path, body)
            if not any(p in text for p in PERSONAL):
                continue
            # Only `mine`, and only with the wishes they hold right now.
            assert path == "/wall/api/mine", (role, path, body)
            for card in body["wishes"]:
                wish = await services.wishes.get(card["id"])
                assert user_id in wish.holders and wish.status.value in ("claimed", "delivered"), (role, card)
            shown_to_holder += 1
    await bot.driver.settle()
    # The wall's changes sent details only to holders, never to a group or anyone else.
    allowed = {USERS["coord_a"], USERS["admin"], USERS["member_a"], MEMBER_C}
    assert [chat for chat, _ in leaks(bot.api) if chat not in allowed] == []
    for group in (GROUP_A, GROUP_B):
        shown = bot.api.everything_shown_in(group)
        assert not [text for text in shown if any(p in text for p in PERSONAL_B)], group
    delivered = await services.wishes.get(world.claimed)
    if role == "holder":  # the one delivery the matrix lets through (the holder's, multipart)
        assert delivered.status.value == "delivered"
    if role in ("holder", "non_holder"):
        assert shown_to_holder > 0  # the scan above saw the details where they belong
    else:
        assert shown_to_holder == 0
    # Coordinators saw them on their own community's dashboard; nobody else on any.
    assert (shown_on_dashboard > 0) is (role in DASHBOARD_DETAILS), (role, shown_on_dashboard)

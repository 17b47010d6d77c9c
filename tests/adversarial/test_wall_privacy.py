"""Every wall route, played by every role with valid initData: no answer ever carries a
beneficiary's name, phone or address unless the chat would show it to them too, which on the
wall means one place only: `mine`, for the member holding the wish, while they hold it.

And what the wall's changes send through the outbox obeys the chat's rule (tests/adversarial/
test_matrix.py): details only in the private chats of those the policy lets see them.
"""

from __future__ import annotations

import io
import json
from typing import Any

import aiohttp
import pytest

from tests.adversarial.test_matrix import PERSONAL, leaks
from tests.conftest import Bot
from tests.test_wall_api import MEMBER_C, PNG, SUSPENDED, setup
from tests.wall_client import wall
from tests.world import USERS, World

ROLES = {
    "admin": USERS["admin"],
    "coord_a": USERS["coord_a"],
    "coord_b": USERS["coord_b"],
    "holder": USERS["member_a"],
    "non_holder": MEMBER_C,
    "suspended": SUSPENDED,
    "stranger": USERS["stranger"],
}


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
    services, user_id = bot.services, ROLES[role]
    shown_to_holder = 0
    async with wall(bot.app) as w:
        for method, path, kwargs in calls(world):
            status, body = await w.call(method, path, user_id, **kwargs)
            assert status < 500, (path, body)
            text = json.dumps(body, ensure_ascii=False)
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
    delivered = await services.wishes.get(world.claimed)
    if role == "holder":  # the one delivery the matrix lets through (the holder's, multipart)
        assert delivered.status.value == "delivered"
    if role in ("holder", "non_holder"):
        assert shown_to_holder > 0  # the scan above saw the details where they belong
    else:
        assert shown_to_holder == 0

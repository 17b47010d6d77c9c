"""Removing a member: every wish they hold is settled in one transaction, details taken back."""

from __future__ import annotations

import pytest

from bot.models import MembershipStatus, WishStatus
from bot.texts import t
from bot.wishes import claims
from tests.conftest import Bot
from tests.factories import BENEFICIARY, draft, member
from tests.world import GROUP_A, USERS, build_world

MEMBER = USERS["member_a"]


async def _world_with_people(bot: Bot):  # type: ignore[no-untyped-def]
    api, services = bot.api, bot.services
    api.group(GROUP_A, "A群")
    people = {role: api.user(uid, role) for role, uid in USERS.items()}
    for user in people.values():
        api.open_private(user.id)
    world = await build_world(services)
    # A joint wish held by member_a and one more member of A.
    await member(services, 23, "李强", 1)
    api.open_private(api.user(23, "li").id)
    boss = await services.directory.actor(USERS["coord_a"], "zh")
    joint = await services.wishes.create(boss, draft("帮帮团心愿"), 1)
    await services.wishes.verify(boss, joint.id)
    await services.wishes.set_needed_members(boss, joint.id, 2)
    await services.wishes.post(boss, joint.id)
    await services.wishes.claim(await services.directory.actor(MEMBER, "zh"), joint.id)
    await services.wishes.claim(await services.directory.actor(23, "zh"), joint.id)
    await bot.driver.settle()
    return world, joint.id, people


def _shows_details(text: str | None) -> bool:
    return text is not None and BENEFICIARY.phone in text


async def test_removal_settles_every_held_wish_and_takes_the_details_back(bot: Bot) -> None:
    services, d = bot.services, bot.driver
    world, joint, people = await _world_with_people(bot)
    assert any(_shows_details(m.text) for m in d.private(people["member_a"]))
    await d.send(people["coord_a"], f"/removemember {MEMBER}")
    assert d.last_private(people["coord_a"]).text is not None
    claimed, delivered = await services.wishes.get(world.claimed), await services.wishes.get(world.delivered)
    assert claimed.status is WishStatus.OPEN and claimed.holders == ()
    assert delivered.status is WishStatus.DELIVERED  # the coordinators decide
    shared = await services.wishes.get(joint)
    assert shared.status is WishStatus.CLAIMED and shared.holders == (23,)
    membership = await services.memberships.get(MEMBER)
    assert membership is not None and membership.status is MembershipStatus.REMOVED
    # Nothing the removed member can still read shows a beneficiary's details.
    assert not any(_shows_details(m.text) for m in d.private(people["member_a"]) if not m.deleted)
    # The coordinators are told, and asked to decide on the delivered one.
    texts = [m.text or "" for m in d.private(people["coord_a"])]
    codes = f"W-{world.claimed:04d}, W-{joint:04d}"
    notice = t("zh", "org.member_removed_notice", name="张丽", reopened=codes, awaiting=f"W-{world.delivered:04d}")
    assert notice in texts
    decision = next(m for m in d.private(people["coord_a"]) if "重新开放" in " ".join(m.button_labels))
    answer = await d.tap(people["coord_a"], decision, "重新开放")
    assert answer is not None and not answer.show_alert
    reopened = await services.wishes.get(world.delivered)
    assert reopened.status is WishStatus.OPEN and reopened.holder_id is None and reopened.delivered_at is None
    # Running it again changes nothing and says so.
    await d.send(people["coord_a"], f"/removemember {MEMBER}")
    assert d.last_private(people["coord_a"]).text == t("zh", "org.member_already_removed", user_id=MEMBER)


async def test_confirm_after_removal_fulfils_the_wish(bot: Bot) -> None:
    services, d = bot.services, bot.driver
    world, _, people = await _world_with_people(bot)
    await d.send(people["coord_a"], f"/removemember {MEMBER}")
    decision = next(m for m in d.private(people["coord_a"]) if "重新开放" in " ".join(m.button_labels))
    await d.tap(people["coord_a"], decision, "确认圆梦")
    assert (await services.wishes.get(world.delivered)).status is WishStatus.FULFILLED


async def test_a_failing_removal_changes_nothing(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    services, d = bot.services, bot.driver
    world, joint, people = await _world_with_people(bot)
    before = [await services.wishes.get(i) for i in (world.claimed, world.delivered, joint)]
    events = len(await services.events.for_wish(world.claimed))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(claims, "leave_change", broken)  # the joint wish's step fails
    await d.send(people["coord_a"], f"/removemember {MEMBER}")
    errors = bot.expect_errors()
    assert [type(e) for e in errors] == [RuntimeError]
    assert [await services.wishes.get(i) for i in (world.claimed, world.delivered, joint)] == before
    assert len(await services.events.for_wish(world.claimed)) == events
    membership = await services.memberships.get(MEMBER)
    assert membership is not None and membership.status is MembershipStatus.ACTIVE

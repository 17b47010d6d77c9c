"""The coordinators' dashboard on the wall: the same figures as /stats and the weekly report,
for the coordinators of the community only; its lists' cards carry the beneficiary's details
exactly when the chat's policy shows them to the asker."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.models import Action, Wish
from bot.people.policies import Actor
from bot.wall import dashboard
from tests.conftest import Bot
from tests.factories import BENEFICIARY
from tests.test_wall_api import MEMBER_C, SUSPENDED, code, setup
from tests.wall_client import wall
from tests.world import USERS


async def test_a_coordinator_sees_where_the_communitys_wishes_stand(bot: Bot) -> None:
    world = await setup(bot)
    clock = bot.services.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(days=46))  # 2027-01-05: the claimed wish (due 2026-12-31) is late
    boss = await bot.services.directory.actor(USERS["coord_a"], "zh")
    await bot.services.wishes.confirm(boss, world.delivered)
    async with wall(bot.app) as w:
        status, body = await w.get("/wall/api/dashboard", USERS["coord_a"], lang="en")
    assert status == 200, body
    assert body["community"] == {"id": 1, "name": "幸福社区"} and body["today"] == "2027-01-05"
    assert body["counts"] == {"pending": 1, "verified": 1, "open": 1, "claimed": 1, "delivered": 0, "overdue": 1}
    assert body["this_week"] == {"label": "2027-W01", "due": 0, "due_fulfilled": 0, "completion_rate": None}
    weeks = body["weeks"]
    assert [week["label"] for week in weeks] == [f"2026-W{n}" for n in range(46, 54)]
    # Week 53 of 2026 (Dec 28 to Jan 3) had every wish due on Dec 31: one fulfilled (on Jan 5,
    # after the week ended, so not in time), none cancelled, the claimed one late at its end.
    last = weeks[-1]
    assert (last["due"], last["due_fulfilled"], last["completion_rate"]) == (5, 0, 0.0)
    assert last["branches"][0]["name"] == "第一支部"
    assert "Completion rate" in body["formula"]
    (late,) = body["overdue"]
    assert late["code"] == code(world.claimed) and late["holders"] == ["张丽"] and late["days_late"] == 5
    assert late["masked_name"] == "王**"
    assert [card["id"] for card in body["pending"]] == [world.pending]


async def test_only_the_communitys_coordinators_see_its_dashboard(bot: Bot) -> None:
    await setup(bot)
    async with wall(bot.app) as w:
        status, body = await w.get("/wall/api/dashboard?community=1", USERS["coord_b"])
        assert (status, body["error"]) == (403, "forbidden")
        status, body = await w.get("/wall/api/dashboard", USERS["coord_b"])
        assert status == 200 and body["community"]["id"] == 2 and body["pending"] == []
        status, body = await w.get("/wall/api/dashboard?community=2", USERS["admin"])
        assert status == 200 and body["community"]["name"] == "和平社区"
        status, body = await w.get("/wall/api/dashboard?community=99", USERS["admin"])
        assert (status, body["error"]) == (404, "not_found")
        for someone in (USERS["member_a"], MEMBER_C, SUSPENDED, USERS["stranger"]):
            for query in ("", "?community=1"):
                status, body = await w.get(f"/wall/api/dashboard{query}", someone)
                assert (status, body["error"]) == (403, "forbidden"), (someone, query)
        for bad in ("?community=abc", "?community=0", "?community=1&community=2", "?branch=1"):
            status, body = await w.get(f"/wall/api/dashboard{bad}", USERS["coord_a"])
            assert (status, body["error"]) == (400, "bad_request"), bad


async def test_the_dashboards_lists_show_the_details_to_the_communitys_coordinators_only(bot: Bot) -> None:
    world = await setup(bot)
    clock = bot.services.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(days=46))  # the claimed wish is overdue
    shown = {"name": BENEFICIARY.name, "phone": BENEFICIARY.phone, "address": BENEFICIARY.address}
    async with wall(bot.app) as w:
        status, body = await w.get("/wall/api/dashboard?community=1", USERS["coord_a"], lang="en")
        assert status == 200, body
        listed = {name: [card["id"] for card in body[name]] for name in ("overdue", "pending", "verified")}
        assert listed == {"overdue": [world.claimed], "pending": [world.pending], "verified": [world.verified]}
        for name in listed:
            (card,) = body[name]
            assert card["details"] == shown and card["masked_name"] == "王**", name
        # The chat shows them to super-admins too, so does the wall.
        _, by_admin = await w.get("/wall/api/dashboard?community=1", USERS["admin"])
        assert by_admin["pending"][0]["details"] == shown
        # Another community's coordinator: refused, and their own dashboard has none of A's.
        status, refused = await w.get("/wall/api/dashboard?community=1", USERS["coord_b"])
        assert (status, refused["error"]) == (403, "forbidden")
        assert BENEFICIARY.phone not in json.dumps(refused, ensure_ascii=False)
        _, own = await w.get("/wall/api/dashboard", USERS["coord_b"])
        assert own["community"]["id"] == 2 and own["overdue"] == own["pending"] == own["verified"] == []
        # The members' wall keeps its masked cards, for a coordinator browsing it as well.
        status, browsed = await w.get("/wall/api/wishes", USERS["coord_a"])
        assert status == 200 and browsed["wishes"] and all("details" not in c for c in browsed["wishes"])
        assert BENEFICIARY.phone not in json.dumps(browsed, ensure_ascii=False)


async def test_the_details_follow_the_view_details_policy_on_every_request(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard asks the chat's policy (VIEW_DETAILS) for each wish: where it says no, the
    card stays masked although the asker may see the dashboard."""
    world = await setup(bot)
    asked: list[tuple[Action, int]] = []

    def refusing(actor: Actor, action: Action, wish: Wish | None, community_id: int) -> bool:
        asked.append((action, wish.id if wish else 0))
        return False

    async with wall(bot.app) as w:
        _, before = await w.get("/wall/api/dashboard", USERS["coord_a"])
        monkeypatch.setattr(dashboard, "allowed", refusing)
        status, after = await w.get("/wall/api/dashboard", USERS["coord_a"])
    assert before["pending"][0]["details"] is not None
    assert status == 200
    assert [card["details"] for card in after["pending"] + after["verified"]] == [None, None]
    assert sorted(asked) == [(Action.VIEW_DETAILS, wish_id) for wish_id in sorted((world.pending, world.verified))]
    assert BENEFICIARY.phone not in json.dumps(after, ensure_ascii=False)

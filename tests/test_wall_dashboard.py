"""The coordinators' dashboard on the wall: the same figures as /stats and the weekly report,
for the coordinators of the community only, and masked cards only."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from tests.conftest import Bot
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

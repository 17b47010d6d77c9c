"""Coordinators at the wall: the dashboard's lists and what each lets them do (verify, reject,
post, auto-balance, extend, reassign, keep chasing, the claim sheet), through the bot's own web
server against the fake Bot API: the chat's services, policies and outbox underneath."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook

from bot.clock import FakeClock
from bot.models import Action, WishStatus
from bot.people.organisation import SYSTEM
from bot.people.policies import allowed
from bot.texts import t
from tests.conftest import Bot
from tests.factories import BENEFICIARY, draft, member
from tests.test_wall_api import MEMBER_C, SUSPENDED, code, setup
from tests.wall_client import Wall, wall
from tests.world import GROUP_A, USERS, World

COORD = USERS["coord_a"]


async def late(bot: Bot) -> World:
    """The world on 2027-01-05: the claimed wish (due 2026-12-31) is five days late."""
    world = await setup(bot)
    clock = bot.services.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(days=46))
    return world


async def set_community(bot: Bot, community_id: int, **values: int) -> None:
    services = bot.services
    async with services.db.transaction() as conn:
        for name, value in values.items():
            await services.communities.set_setting(conn, community_id, name, value)


async def sheet(w: Wall, user_id: int, query: str) -> tuple[int, str, dict[str, str], bytes]:
    async with w.client.get(f"/wall/api/claim-sheet{query}", headers=w.header(user_id)) as response:
        return response.status, response.content_type, dict(response.headers), await response.read()


def cells(content: bytes) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(content))
    return [
        [str(c) for c in row if c is not None]
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
    ]


async def test_the_dashboard_says_what_each_list_allows(bot: Bot) -> None:
    world = await late(bot)
    await set_community(bot, 1, four_eyes=1)
    async with wall(bot.app) as w:
        status, body = await w.get("/wall/api/dashboard", COORD, lang="en")
        _, admin = await w.get("/wall/api/dashboard?community=1", USERS["admin"], lang="en")
    assert status == 200, body
    (overdue,) = body["overdue"]
    # A coordinator may move it up to a year ahead, never into the past.
    assert overdue["extend"] == {"earliest": "2027-01-05", "latest": "2028-01-06"}
    (pending,) = body["pending"]
    assert pending["id"] == world.pending and pending["own"] is True and pending["repeat"] is not None
    assert pending["repeat"]["earlier"] and pending["repeat"]["name_only"] is False
    assert admin["pending"][0]["own"] is False  # someone else entered it: theirs to verify
    assert body["four_eyes"] is True
    assert [card["id"] for card in body["verified"]] == [world.verified]
    assert body["post_branches"] == [{"id": 1, "name": "第一支部"}]


async def test_verify_and_the_four_eyes_rule(bot: Bot) -> None:
    world = await setup(bot)
    await set_community(bot, 1, four_eyes=1)
    target = f"/wall/api/wishes/{code(world.pending)}/verify"
    async with wall(bot.app) as w:
        status, body = await w.post(target, COORD, lang="en")
        assert (status, body["error"]) == (403, "forbidden")
        assert body["message"] == t("en", "err.four_eyes")
        assert (await bot.services.wishes.get(world.pending)).status is WishStatus.PENDING
        refused = [
            e for e in await bot.services.events.for_wish(world.pending) if e.action == "refused.verify"
        ]
        assert [(e.actor_id, e.details) for e in refused] == [(COORD, {"why": "four_eyes"})]
        status, body = await w.post(target, USERS["admin"], lang="en")
        assert status == 200, body
        assert body["wish"]["status"] == "verified" and body["message"] == f"{code(world.pending)} verified"
        status, body = await w.post(target, USERS["admin"])
        assert (status, body["error"]) == (409, "wrong_state")


async def test_reject_needs_a_reason_and_tells_the_creator(bot: Bot) -> None:
    world = await setup(bot)
    target = f"/wall/api/wishes/{code(world.pending)}/reject"
    async with wall(bot.app) as w:
        for body in ({}, {"reason": "   "}, {"reason": "x" * 501}, {"reason": 5}):
            status, answer = await w.post(target, USERS["admin"], json=body)
            assert (status, answer["error"]) == (400, "bad_request"), body
        assert (await bot.services.wishes.get(world.pending)).status is WishStatus.PENDING
        status, answer = await w.post(target, USERS["admin"], json={"reason": "地址不实"}, lang="en")
    assert status == 200 and answer["wish"]["status"] == "rejected"
    assert answer["message"] == f"{code(world.pending)} rejected."
    await bot.driver.settle()
    # The creator (coord_a) hears why, as from the chat.
    assert "地址不实" in bot.api.last_in(COORD).text


async def test_post_to_every_group_or_to_one_branch(bot: Bot) -> None:
    world = await setup(bot)
    services = bot.services
    boss = await services.directory.actor(COORD, "zh")
    other = await services.wishes.create(boss, draft("第二个"), 1)
    await services.wishes.verify(boss, other.id)
    async with wall(bot.app) as w:
        status, body = await w.post(f"/wall/api/wishes/{code(world.verified)}/post", COORD, lang="en")
        assert status == 200, body
        assert (
            body["wish"]["status"] == "open"
            and body["message"] == f"{code(world.verified)} posted to the groups"
        )
        # A branch without a group of its own, and a branch of another community: nowhere to go.
        await services.org.add_branch(SYSTEM, 1, "第二支部")
        for branch in (3, 2):
            status, body = await w.post(f"/wall/api/wishes/{other.id}/post", COORD, json={"branch": branch})
            assert (status, body["error"]) == (400, "bad_request"), branch
        status, body = await w.post(f"/wall/api/wishes/{other.id}/post", COORD, json={"branch": 1})
        assert status == 200, body
    await bot.driver.settle()
    assert [p.chat_id for p in await services.wish_repo.posts(other.id)] == [GROUP_A]
    assert "第二个" in bot.api.last_in(GROUP_A).text


async def test_keep_chasing_only_a_claimed_wish(bot: Bot) -> None:
    world = await late(bot)
    async with wall(bot.app) as w:
        status, body = await w.post(f"/wall/api/wishes/{code(world.claimed)}/keep-chasing", COORD, lang="en")
        assert status == 200, body
        assert "stays with 张丽" in body["message"]
        status, body = await w.post(f"/wall/api/wishes/{code(world.open)}/keep-chasing", COORD)
        assert (status, body["error"]) == (409, "wrong_state")
    events = [e.action for e in await bot.services.events.for_wish(world.claimed)]
    assert events[-1] == "keep_chasing"
    assert (await bot.services.wishes.get(world.claimed)).holders == (USERS["member_a"],)


async def test_a_coordinator_extends_through_the_same_route_as_the_holder(bot: Bot) -> None:
    world = await late(bot)
    target = f"/wall/api/wishes/{code(world.claimed)}/extend"
    async with wall(bot.app) as w:
        for day in ("2027-01-04", "2028-01-07"):  # yesterday; past the coordinators' year
            status, body = await w.post(target, COORD, json={"date": day})
            assert (status, body["error"]) == (400, "bad_request"), day
        status, body = await w.post(target, COORD, json={"date": "2027-02-01"}, lang="en")
    assert status == 200, body
    assert body["message"] == t(
        "en", "extend.done_coordinator", code=code(world.claimed), due="2027-02-01", holder="张丽"
    )
    await bot.driver.settle()
    assert "2027-02-01" in bot.api.last_in(USERS["member_a"]).text


async def test_reassign_to_another_member_moves_the_details_with_the_claim(bot: Bot) -> None:
    world = await late(bot)
    services, api = bot.services, bot.api
    target = f"/wall/api/wishes/{code(world.claimed)}/reassign"
    async with wall(bot.app) as w:
        status, body = await w.post(target, COORD, json={"member": MEMBER_C, "date": "2027-01-20"}, lang="en")
    assert status == 200, body
    assert body["message"] == t("en", "desk.reassigned", code=code(world.claimed), name="李四")
    assert body["wish"]["status"] == "claimed" and body["wish"]["due_date"] == "2027-01-20"
    wish = await services.wishes.get(world.claimed)
    assert wish.holders == (MEMBER_C,) and wish.holder_id == MEMBER_C
    (event,) = [e for e in await services.events.for_wish(world.claimed) if e.action == "reassign"]
    assert event.actor_id == COORD and event.from_status is None and event.to_status is None
    assert event.details == {
        "from": [USERS["member_a"]],
        "to": MEMBER_C,
        "due": {"from": "2026-12-31", "to": "2027-01-20"},
    }
    await bot.driver.settle()
    given = api.last_in(MEMBER_C).text
    assert "coord_a" in given and BENEFICIARY.phone in given and code(world.claimed) in given
    former = [m.text for m in api.messages_in(USERS["member_a"])]
    assert t("zh", "notice.details_removed", code=code(world.claimed)) in former
    assert t("zh", "desk.notice_taken_away", code=code(world.claimed)) in former
    card = next(m for m in api.messages_in(GROUP_A) if code(world.claimed) in m.text)
    assert "李四" in card.text and "张丽" not in card.text  # the group card names the new holder
    # The new holder sees it (with its details) on their own wall; the former one does not.
    async with wall(bot.app) as w:
        _, mine = await w.get("/wall/api/mine", MEMBER_C)
        _, theirs = await w.get("/wall/api/mine", USERS["member_a"])
    assert [c["id"] for c in mine["wishes"]] == [world.claimed]
    assert world.claimed not in [c["id"] for c in theirs["wishes"]]


async def test_reassign_without_a_member_puts_it_back_to_open_like_the_escalation(bot: Bot) -> None:
    world = await late(bot)
    async with wall(bot.app) as w:
        status, body = await w.post(f"/wall/api/wishes/{code(world.claimed)}/reassign", COORD, lang="en")
        assert status == 200, body
        assert body["message"] == t("en", "chase.reassigned", code=code(world.claimed), holder="张丽")
        status, body = await w.post(
            f"/wall/api/wishes/{code(world.open)}/reassign", COORD, json={"date": "2027-02-01"}
        )
        assert (status, body["error"]) == (400, "bad_request")
    assert (await bot.services.wishes.get(world.claimed)).status is WishStatus.OPEN
    (event,) = [e for e in await bot.services.events.for_wish(world.claimed) if e.action == "release"]
    assert event.details == {"holders": [USERS["member_a"]], "by_holder": False}


async def test_reassign_refusals_change_nothing(bot: Bot) -> None:
    world = await late(bot)
    services = bot.services
    await member(services, 25, "王五", 1)
    await set_community(bot, 1, member_cap=1)
    boss = await services.directory.actor(COORD, "zh")
    extra = await services.wishes.create(boss, draft("另一个"), 1)
    await services.wishes.verify(boss, extra.id)
    await services.wishes.post(boss, extra.id)
    await services.wishes.claim(await services.directory.actor(25, "zh"), extra.id)
    before = await services.wishes.get(world.claimed)
    target = f"/wall/api/wishes/{code(world.claimed)}/reassign"
    async with wall(bot.app) as w:
        for member_id, status_code, error in (
            (USERS["stranger"], 400, "bad_request"),  # not a member at all
            (USERS["member_b"], 400, "bad_request"),  # a member of the other community
            (SUSPENDED, 400, "bad_request"),
            (COORD, 400, "bad_request"),  # coordinators claim only as members of a branch
            (USERS["member_a"], 409, "refused"),  # holds it already
            (25, 409, "refused"),  # at the community's cap (one)
        ):
            status, body = await w.post(target, COORD, json={"member": member_id}, lang="en")
            assert (status, body["error"]) == (status_code, error), (member_id, body)
            assert body["message"]
        status, body = await w.post(target, COORD, json={"member": 25}, lang="en")
        assert "王五 already holds 1" in body["message"]
        status, body = await w.post(
            f"/wall/api/wishes/{code(world.open)}/reassign", COORD, json={"member": MEMBER_C}
        )
        assert (status, body["error"]) == (409, "wrong_state")
    assert await services.wishes.get(world.claimed) == before
    refused = [e for e in await services.events.for_wish(world.claimed) if e.action == "refused.reassign"]
    assert len(refused) == 4


async def test_members_to_reassign_to_are_the_active_ones(bot: Bot) -> None:
    await setup(bot)
    async with wall(bot.app) as w:
        status, body = await w.get("/wall/api/members", COORD)
        assert status == 200, body
        assert body["members"] == [
            {"id": MEMBER_C, "name": "李四", "branch": "第一支部", "held": 0},
            {"id": USERS["member_a"], "name": "张丽", "branch": "第一支部", "held": 2},
        ]
        for who, query in (
            (USERS["member_a"], ""),
            (USERS["member_a"], "?community=1"),
            (USERS["coord_b"], "?community=1"),
        ):
            status, body = await w.get(f"/wall/api/members{query}", who)
            assert (status, body["error"]) == (403, "forbidden"), (who, query)


async def test_auto_balance_posts_exactly_the_plan_shown(bot: Bot) -> None:
    world = await setup(bot)
    services = bot.services
    boss = await services.directory.actor(COORD, "zh")
    async with wall(bot.app) as w:
        status, plan = await w.get("/wall/api/balance", COORD)
        assert status == 200, plan
        assert plan["total"] == 1 and plan["shares"] == [
            {"branch_id": 1, "name": "第一支部", "members": 2, "count": 1, "codes": [code(world.verified)]}
        ]
        # Another wish verified meanwhile: the plan shown is not the plan any more.
        extra = await services.wishes.create(boss, draft("后来的"), 1)
        await services.wishes.verify(boss, extra.id)
        status, body = await w.post("/wall/api/balance", COORD, json={"community": 1, "plan": plan["plan"]})
        assert (status, body["error"]) == (409, "refused")
        assert (await services.wishes.get(world.verified)).status is WishStatus.VERIFIED
        _, plan = await w.get("/wall/api/balance?community=1", COORD)
        status, body = await w.post(
            "/wall/api/balance", COORD, json={"community": 1, "plan": plan["plan"]}, lang="en"
        )
        assert status == 200, body
        assert (body["posted"], body["skipped"]) == (2, 0)
        status, body = await w.get("/wall/api/balance", COORD, lang="en")
        assert (status, body["message"]) == (409, t("en", "balance.nothing"))
    for wish_id in (world.verified, extra.id):
        assert (await services.wishes.get(wish_id)).status is WishStatus.OPEN


async def test_the_claim_sheet_full_and_public_for_coordinators_only(bot: Bot) -> None:
    await setup(bot)
    async with wall(bot.app) as w:
        status, kind, headers, content = await sheet(w, COORD, "")
        assert status == 200 and kind == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert (
            headers["Content-Disposition"]
            == 'attachment; filename="wishwall-claims-2026-01-01_2026-12-31.xlsx"'
        )
        assert headers["Cache-Control"] == "no-store" and headers["X-Wishwall-Count"] == "5"
        full = " ".join(" ".join(row) for row in cells(content))
        assert BENEFICIARY.name in full and BENEFICIARY.phone in full and BENEFICIARY.address in full
        status, _, headers, content = await sheet(w, COORD, "?public=1&period=2026H2&community=1")
        assert status == 200 and headers["Content-Disposition"].endswith('2026-07-01_2026-12-31-public.xlsx"')
        public = " ".join(" ".join(row) for row in cells(content))
        assert "心愿1" in public and BENEFICIARY.phone not in public and BENEFICIARY.name not in public
        for who in (USERS["member_a"], MEMBER_C, USERS["coord_b"], USERS["stranger"]):
            for query in ("", "?community=1", "?community=1&public=1"):
                if who == USERS["coord_b"] and not query:
                    continue  # their own community's sheet
                status, answer = await w.get(f"/wall/api/claim-sheet{query}", who)
                assert (status, answer["error"]) == (403, "forbidden"), (who, query)
        for bad in (
            "?public=yes",
            "?period=soon",
            "?period=" + "2" * 30,
            "?community=x",
            "?public=1&public=0",
        ):
            status, answer = await w.get(f"/wall/api/claim-sheet{bad}", COORD)
            assert (status, answer["error"]) == (400, "bad_request"), bad
    exports = await bot.services.events.by_action("export")
    assert [(e.actor_id, e.details) for e in exports] == [
        (COORD, {"from": "2026-01-01", "to": "2026-12-31", "public": False}),
        (COORD, {"from": "2026-07-01", "to": "2026-12-31", "public": True}),
    ]


async def test_a_coordinator_of_two_communities_acts_in_the_one_chosen(bot: Bot) -> None:
    await setup(bot)
    services = bot.services
    admin = await services.directory.actor(USERS["admin"], "zh")
    b_wish = await services.wishes.create(admin, draft("和平的心愿"), 2)
    async with wall(bot.app) as w:
        status, body = await w.get("/wall/api/dashboard?community=2", USERS["admin"])
        assert status == 200 and [c["id"] for c in body["pending"]] == [b_wish.id]
        status, body = await w.post(f"/wall/api/wishes/{b_wish.id}/verify", USERS["admin"])
        assert status == 200, body
        status, body = await w.get("/wall/api/dashboard?community=2", USERS["admin"])
        assert body["pending"] == [] and [c["id"] for c in body["verified"]] == [b_wish.id]
        assert body["counts"]["verified"] == 1 and body["post_branches"] == [{"id": 2, "name": "和平一支部"}]


async def test_reassigning_is_a_coordinators_action_in_the_policy(bot: Bot) -> None:
    world = await setup(bot)
    wish = await bot.services.wishes.get(world.claimed)
    got = {}
    for role in ("admin", "coord_a", "coord_b", "member_a", "member_b", "stranger"):
        got[role] = allowed(await world.actor(bot.services, role), Action.REASSIGN, wish, 1)
    # The holder may release their own wish, but never give it to someone else.
    assert got == {
        "admin": True,
        "coord_a": True,
        "coord_b": False,
        "member_a": False,
        "member_b": False,
        "stranger": False,
    }

"""Who may do what: the whole matrix of roles and actions, in the core and through Telegram."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from bot.models import Action, WishStatus
from bot.people.policies import allowed
from bot.services import Services
from tests.conftest import Bot
from tests.world import GROUP_A, ROLES, USERS, World, build_world

Y, N = True, False
# Expected outcome per action, for roles in ROLES order:
#                 admin coord_a coord_b member_a member_b stranger
MATRIX: dict[Action, tuple[bool, ...]] = {
    Action.CREATE: (Y, Y, N, N, N, N),
    Action.VERIFY: (Y, Y, N, N, N, N),
    Action.REJECT: (Y, Y, N, N, N, N),
    Action.POST: (Y, Y, N, N, N, N),
    Action.CLAIM: (N, N, N, Y, N, N),  # coordinators claim only if they also join a branch
    Action.RELEASE: (Y, Y, N, Y, N, N),  # the holder, or a coordinator taking it back
    Action.DELIVER: (N, N, N, Y, N, N),  # only the holder
    Action.CONFIRM: (Y, Y, N, N, N, N),
    Action.DISPUTE: (Y, Y, N, N, N, N),
    Action.CANCEL: (Y, Y, N, N, N, N),
    Action.EXPORT: (Y, Y, N, N, N, N),
    Action.INVITE: (Y, Y, N, N, N, N),
    Action.BIND: (Y, Y, N, N, N, N),
    Action.BROWSE: (Y, Y, N, Y, N, N),  # the wish wall: the community's members and coordinators
    # Follow-ups: coordinators, and members appointed as visitors (tests/test_followups_access.py).
    Action.FOLLOW_UP: (Y, Y, N, N, N, N),
    Action.SUBSCRIBE: (N, N, N, Y, N, N),  # the daily digest: members of the community's branches
    Action.BROADCAST: (Y, Y, N, N, N, N),
}


def target(world: World, action: Action) -> int | None:
    return {
        Action.VERIFY: world.pending,
        Action.REJECT: world.pending,
        Action.POST: world.verified,
        Action.CLAIM: world.open,
        Action.RELEASE: world.claimed,
        Action.DELIVER: world.claimed,
        Action.CONFIRM: world.delivered,
        Action.DISPUTE: world.delivered,
        Action.CANCEL: world.open,
    }.get(action)


async def test_policy_matrix_in_the_core(services: Services) -> None:
    world = await build_world(services)
    got: dict[Action, tuple[bool, ...]] = {}
    for action in MATRIX:
        wish_id = target(world, action)
        wish = await services.wishes.get(wish_id) if wish_id else None
        row = []
        for role in ROLES:
            actor = await world.actor(services, role)
            row.append(allowed(actor, action, wish, 1))  # every action is on community A
        got[action] = tuple(row)
    assert got == MATRIX


# Through Telegram: each role tries each wish action on community A's wishes, and the
# database says whether it happened. A refusal must always be answered, never be silent.
WISH_ACTIONS = [a for a in MATRIX if target(World(1, 2, 3, 4, 5), a) is not None]
CASES = [(action, role) for action in WISH_ACTIONS for role in ROLES]


@pytest.mark.parametrize(("action", "role"), CASES, ids=[f"{a.value}-{r}" for a, r in CASES])
async def test_policy_matrix_through_telegram(bot: Bot, action: Action, role: str) -> None:
    services, d, api = bot.services, bot.driver, bot.api
    world = await build_world(services)
    wish_id = target(world, action)
    assert wish_id is not None
    before = await services.wishes.get(wish_id)
    user = api.user(USERS[role], role)
    group = api.group(GROUP_A, "A群")
    await d.send(user, "/help")  # opens the private chat, as a real user would have
    code = f"W-{wish_id:04d}"
    button = {
        Action.VERIFY: "vf",
        Action.REJECT: "rj",
        Action.CLAIM: "cl",
        Action.RELEASE: "rl",
        Action.DELIVER: "dv",
        Action.CONFIRM: "cf",
        Action.DISPUTE: "dp",
    }.get(action)
    answer = None
    if action is Action.POST:
        await d.send(user, f"/post {code}")
    elif action is Action.CANCEL:
        await d.send(user, f"/cancelwish {code}")
        await d.send(user, "受助人已搬走")
    elif action is Action.CLAIM:
        answer = await d.tap(user, api.last_in(GROUP_A), data=f"w1:cl:{wish_id}", chat=group)
    else:
        answer = await d.tap(user, d.last_private(user), data=f"w1:{button}:{wish_id}")
        if action in (Action.REJECT, Action.DISPUTE):
            await d.send(user, "信息不实")
        elif action is Action.RELEASE and "没有时间" in d.last_private(user).button_labels:
            await d.tap(user, d.last_private(user), "没有时间")  # Release asks why first
        elif action is Action.DELIVER:
            last = d.last_private(user)
            # Only a holder is asked for a note; the last message may be an earlier notice.
            if "跳过" in last.button_labels:
                await d.tap(user, last, "跳过")
    after = await services.wishes.get(wish_id)
    expected = MATRIX[action][ROLES.index(role)]
    assert (after.status != before.status) == expected, (action, role, before.status, after.status)
    if not expected:
        told = (answer is not None and answer.show_alert) or bool(d.private(user))
        assert told, "a refusal must be answered"
        assert after == before


async def test_refusals_are_audited(bot: Bot) -> None:
    services, d, api = bot.services, bot.driver, bot.api
    world = await build_world(services)
    intruder = api.user(USERS["coord_b"], "coord_b")
    await d.send(intruder, "/help")
    answer = await d.tap(intruder, d.last_private(intruder), data=f"w1:vf:{world.pending}")
    assert answer is not None and answer.show_alert
    refused = await services.events.by_action("refused.verify")
    assert [e.actor_id for e in refused] == [USERS["coord_b"]]
    assert (await services.wishes.get(world.pending)).status is WishStatus.PENDING


@pytest.mark.parametrize("role", ROLES)
async def test_export_through_telegram(bot: Bot, role: str) -> None:
    """Only community A's coordinators (and super-admins) get A's claim sheet."""
    services, d, api = bot.services, bot.driver, bot.api
    await build_world(services)
    user = api.user(USERS[role], role)
    await d.send(user, "/export")
    documents = [m.document for m in d.private(user) if m.document is not None]
    expected = MATRIX[Action.EXPORT][ROLES.index(role)]
    wishes_of_a = set()
    for document in documents:
        sheet = load_workbook(io.BytesIO(api.file_content(document.file_id)), read_only=True).worksheets[0]
        cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None}
        wishes_of_a |= cells & {f"心愿{i}" for i in range(5)}  # the world's wish descriptions
    # Coordinator B exports community B's (empty) sheet: never A's wishes.
    assert bool(wishes_of_a) == expected, role
    if not documents:
        assert d.private(user), "a refusal must be answered"

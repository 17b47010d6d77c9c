"""Every command and wish button, played by every role in every kind of chat.

The invariant checked after each run: a beneficiary's name, phone or address was shown (as a
message, an edit, a button, an alert or inside a sent file) only in the private chat of someone
the policy lets see it: a coordinator of the wish's community, a super-admin, or the member
holding the claim. Never in a group, never to anyone else. And nothing ended in the error handler.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from bot.people.policies import COMMAND_RULES
from tests.conftest import Bot
from tests.factories import BENEFICIARY, member
from tests.fakes.telegram_api import FakeTelegram, StoredMessage
from tests.world import GROUP_A, USERS, World, build_world

SUSPENDED = 24
ROLE_IDS = {**USERS, "suspended": SUSPENDED}
ROLES = ["admin", "coord_a", "coord_b", "member_a", "suspended", "stranger", "anonymous", "channel"]
CHATS = ["private", "bound", "unbound"]
UNBOUND = -1009
# Who may ever be shown community A's beneficiaries: its coordinator, the super-admin, the holder.
ALLOWED_CHATS = {USERS["coord_a"], USERS["admin"], USERS["member_a"]}
PERSONAL = (BENEFICIARY.name, BENEFICIARY.phone, BENEFICIARY.address)


def command_lines(world: World) -> list[str]:
    claimed, delivered = f"W-{world.claimed:04d}", f"W-{world.delivered:04d}"
    args = {
        "wish": claimed,
        "history": claimed,
        "cancelwish": f"W-{world.open:04d}",
        "post": f"W-{world.verified:04d}",
        "joint": f"W-{world.verified:04d} 2",
        "forget": delivered,
        "suspend": str(USERS["member_b"]),
        "reinstate": str(SUSPENDED),
        "removemember": str(USERS["member_b"]),
        "coordinator": f"add 幸福社区 {USERS['stranger']}",
        "community": "",
        "use": "幸福社区",
        "set": "member_cap 3",
        "export": "",
        "branchreport": "第一支部",
        "myrecord": "",
        "report": "",
        "invite": "第一支部",
        "branch": "",
        "hours": f"W-{delivered} 3",  # the holder's restatement; a coordinator's correction
        "leaderboard": "community year",
        "set_privacy": "hide",
        "points": "reapply 2026",
        "followup": f"W-{world.delivered:04d}",  # delivered, not yet fulfilled: refused for everyone
        "visitor": f"add {USERS['member_a']}",
        "subscribe": "独居老人",
        "broadcast": "第一支部",
        "wishes": "独居老人 <300 60d",  # the open wish, masked, with a Claim button
        "categories": "add 独居青年 / Young people living alone",
    }
    lines = []
    for name in COMMAND_RULES:
        lines.append(f"/{name} {args.get(name, '')}".strip())
        lines.append("/cancel")  # leaves whatever conversation the command opened
    lines.append("/notacommand")
    return lines


def button_data(world: World) -> list[str]:
    taps = []
    for action, wish in [
        ("vf", world.pending),
        ("rj", world.pending),
        ("ps", world.verified),
        ("cl", world.open),
        ("rl", world.claimed),
        ("dv", world.claimed),
        ("cf", world.delivered),
        ("dp", world.delivered),
        ("ro", world.delivered),
    ]:
        taps.append(f"w1:{action}:{wish}")
    taps += [f"m1:ex:{world.claimed}", f"m1:ra:{world.claimed}", f"fg1:{world.delivered}:y", "b1:bind:2"]
    taps += [f"m1:md:{world.claimed}"]  # Need more time under the holder's details message
    # Service hours: a member's, a coordinator's confirm-with (edits the card it is pressed under).
    taps += [f"h1:m:{world.delivered}:30", f"h1:c:{world.delivered}:45", "pv1:y"]
    taps += [f"fu1:go:{world.delivered}", f"fu1:sat:{world.delivered}"]  # a follow-up's, forged
    taps += ["bb1:1", "bs1:ok:0123456789abcdef"]  # a broadcast's branch and Send, forged
    # /wishes' page turn and claim, /categories' buttons: forged, and pressed wherever the role is.
    taps += ["ls1:p:0:0:-:-1:-1", f"ls1:c:{world.open}:0:elderly_alone:-1:-1", "ct1:hide:1", "ct1:add:0"]
    # Handover and release reasons: the holder's list, a link, a forged answer; Keep, then a reason.
    taps += [f"w1:ho:{world.claimed}", f"ho1:pg:{world.claimed}:0", f"ho1:ln:{world.claimed}:0"]
    taps += [f"ho1:pk:{world.claimed}:{USERS['member_b']}", "ha1:AAAAAAAAAAAAAAAA:y"]
    taps += [f"rr1:{world.claimed}:kp", f"rr1:{world.claimed}:ot", f"rr1:{world.claimed}:nt"]
    return taps


def _document_text(api: FakeTelegram, message: StoredMessage) -> str:
    if message.document is None:
        return ""
    content = api.file_content(message.document.file_id)
    if zipfile.is_zipfile(io.BytesIO(content)):
        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
        )
    return content.decode("utf-8", errors="replace")


def leaks(api: FakeTelegram) -> list[tuple[int, str]]:
    """(chat, text) for everything with personal data shown outside the allowed private chats."""
    found = []
    for chat_id in api.chats_with_messages():
        if chat_id in ALLOWED_CHATS:
            continue
        shown = api.everything_shown_in(chat_id)
        shown += [_document_text(api, m) for m in api.messages_in(chat_id) if m.from_bot]
        found += [(chat_id, text) for text in shown if any(p in text for p in PERSONAL)]
    for answer in api.answers:
        if answer.text and any(p in answer.text for p in PERSONAL):
            found.append((0, answer.text))  # alerts are shown to whoever tapped: never details
    return found


CASES = [
    (role, chat)
    for role in ROLES
    for chat in CHATS
    if not (role in ("anonymous", "channel") and chat == "private")  # they only exist in groups
]


@pytest.mark.parametrize(("role", "chat"), CASES, ids=[f"{r}-{c}" for r, c in CASES])
async def test_no_answer_carries_personal_data_to_anyone_who_may_not_see_it(
    bot: Bot, role: str, chat: str
) -> None:
    services, api, d = bot.services, bot.api, bot.driver
    groups = {"bound": api.group(GROUP_A, "A群"), "unbound": api.group(UNBOUND, "闲聊群")}
    people = {name: api.user(uid, name) for name, uid in ROLE_IDS.items()}
    for user in people.values():
        api.open_private(user.id)
    world = await build_world(services)
    await member(services, SUSPENDED, "赵六", 1)
    suspender = await services.directory.actor(USERS["coord_a"], "zh")
    await services.org.set_member_status(suspender, SUSPENDED, __import__("bot.models").models.MembershipStatus.SUSPENDED)
    for group in groups.values():
        for name in ("admin", "coord_a", "coord_b"):
            api.make_admin(group.id, ROLE_IDS[name])
    await d.settle()
    assert leaks(api) == []  # the world itself is clean

    target = None if chat == "private" else groups[chat]
    for line in command_lines(world):
        if role in ("anonymous", "channel"):
            assert target is not None
            channel = api.channel(-100777, "频道") if role == "channel" else None
            await d.send_as_chat(line, target, channel=channel)
        else:
            await d.send(people[role], line, chat=target)
    if role not in ("anonymous", "channel"):
        source_chat = ROLE_IDS[role] if target is None else target.id
        for data in button_data(world):
            bot_messages = [m for m in api.messages_in(source_chat) if m.from_bot and not m.deleted]
            if not bot_messages:
                continue
            await d.tap(people[role], bot_messages[-1], data=data, chat=target)
            d.api.messages_in(source_chat)  # the tap's own answer is checked with the rest below
    assert leaks(api) == []

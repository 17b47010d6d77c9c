"""The wall's routes for a coordinator's action on one wish: Verify, Reject, Post, Keep chasing,
Reassign. Each calls what the chat's button or command calls (handlers/wishes/review.py,
handlers/wishes/posting.py' /post, handlers/reminders.py), so the policy, the four-eyes rule,
the outbox and the audit trail are the chat's. Extend is the members' route (`extend`), which
a coordinator may call too, as the escalation's Extend does.

A body is a JSON object with no field but those named; numbers are JSON numbers.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.errors import InvalidInput
from bot.models import Wish
from bot.texts import t
from bot.wall import cards
from bot.wall.query import ID_MAX, parse_day
from handlers.web.wall.common import Caller, api, json_object, ok, wish_id


def whole_field(body: dict[str, Any], name: str) -> int | None:
    """An optional id in a JSON body: a whole number (not true/false, not text) in range."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ID_MAX:
        raise InvalidInput("wall.bad_whole", name=name, low=1, high=ID_MAX)
    return value


async def card(caller: Caller, wish: Wish) -> dict[str, Any]:
    names = {b.id: b.name for b in await caller.core.wall.branches_of(wish.community_id)}
    return cards.wall_card(wish, caller.lang, names).model_dump(mode="json")


async def _done(caller: Caller, wish: Wish, message: str) -> web.Response:
    return ok({"wish": await card(caller, wish), "message": message})


@api
async def verify(request: web.Request, caller: Caller) -> web.Response:
    await json_object(request, frozenset())
    wish = await caller.core.wishes.verify(caller.actor, wish_id(request))
    return await _done(caller, wish, t(caller.lang, "review.verified", code=wish.code))


@api
async def reject(request: web.Request, caller: Caller) -> web.Response:
    body = await json_object(request, frozenset({"reason"}))
    reason = body.get("reason", "")
    if not isinstance(reason, str):
        raise InvalidInput("wall.bad_json")
    wish = await caller.core.wishes.reject(caller.actor, wish_id(request), reason)
    return await _done(caller, wish, t(caller.lang, "review.done_reject", code=wish.code))


@api
async def post(request: web.Request, caller: Caller) -> web.Response:
    body = await json_object(request, frozenset({"branch"}))
    branch = whole_field(body, "branch")
    wish = await caller.core.wall.desk.post(caller.actor, wish_id(request), branch)
    return await _done(caller, wish, t(caller.lang, "review.posted", code=wish.code))


@api
async def keep_chasing(request: web.Request, caller: Caller) -> web.Response:
    await json_object(request, frozenset())
    kept = await caller.core.reminders.keep_chasing(caller.actor, wish_id(request))
    message = t(
        caller.lang, "chase.kept", code=kept.wish.code, holder=kept.holder_name, count=kept.again_after
    )
    return await _done(caller, kept.wish, message)


@api
async def reassign(request: web.Request, caller: Caller) -> web.Response:
    """To a member (`member`, with a new due date `date` if given), or, without one, back to
    open as the escalation's Reassign does."""
    body = await json_object(request, frozenset({"member", "date"}))
    member = whole_field(body, "member")
    day = parse_day("date", body["date"]) if body.get("date") is not None else None
    target = wish_id(request)
    wishes = caller.core.wishes
    if member is None and day is None:
        before = await wishes.get(target)
        holder = await wishes.holder_name(before) or "?"
        wish = await wishes.reassign(caller.actor, target, None)
        return await _done(caller, wish, t(caller.lang, "chase.reassigned", code=wish.code, holder=holder))
    wish = await wishes.reassign(caller.actor, target, member, day)
    name = await wishes.holder_name(wish) or "?"
    return await _done(caller, wish, t(caller.lang, "desk.reassigned", code=wish.code, name=name))

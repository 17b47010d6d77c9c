"""The wall's routes for members: who am I, the open wishes, claim, mine, release, extend, deliver.

Parse, call the core (`core.wall`, which hands every change to the wish lifecycle), render.
"""

from __future__ import annotations

from typing import Any

from aiohttp import BodyPartReader, web

from bot.errors import InvalidInput
from bot.models import Wish
from bot.points.hours import MAX_HOURS, as_number, format_tenths
from bot.texts import t
from bot.wall import cards
from bot.wall.query import parse_day, parse_query
from bot.wall.service import PHOTO_MAX_BYTES, Held
from bot.wishes.graph import MAX_NOTE
from bot.wishes.releases import ASKED, ReleaseReason
from handlers.web.wall.common import Caller, api, json_object, ok, wish_id

# A delivery report is a note and one photo; a body much bigger than that is refused unread.
NOTE_MAX_BYTES = MAX_NOTE * 4 + 1024  # UTF-8 takes at most 4 bytes a character
HOURS_MAX_BYTES = 32  # "2.5", "2 小时": a few characters
BODY_MAX_BYTES = PHOTO_MAX_BYTES + NOTE_MAX_BYTES + 64 * 1024
_CHUNK = 64 * 1024


async def _card(caller: Caller, wish: Wish) -> dict[str, Any]:
    names = {b.id: b.name for b in await caller.core.wall.branches_of(wish.community_id)}
    return cards.wall_card(wish, caller.lang, names).model_dump(mode="json")


def _held(held: Held, lang: str) -> dict[str, Any]:
    window = cards.DueWindow(earliest=held.window[0], latest=held.window[1]) if held.window else None
    names = {b.id: b.name for b in held.branches}
    return cards.held_card(held.wish, lang, names, window, held.hours_default).model_dump(mode="json")


@api
async def me(request: web.Request, caller: Caller) -> web.Response:
    found = await caller.core.wall.me(caller.user, caller.actor)
    member = None
    if found.member is not None:
        member = {
            "community_id": found.member.community.id,
            "community": found.member.community.name,
            "branch": found.member.branch.name if found.member.branch is not None else None,
            "status": found.member.status.value,
        }
    return ok(
        {
            "user": {"id": found.user.id, "name": found.name, "lang": found.lang},
            "member": member,
            "coordinates": [{"id": c.id, "name": c.name} for c in found.coordinates],
            "admin": found.admin,
        }
    )


@api
async def wishes(request: web.Request, caller: Caller) -> web.Response:
    query = parse_query({name: request.query.getall(name) for name in request.query})
    page = await caller.core.wall.browse(caller.actor, query)
    names = {b.id: b.name for b in page.branches}
    return ok(
        {
            "total": page.total,
            "wishes": [cards.wall_card(w, caller.lang, names).model_dump(mode="json") for w in page.wishes],
            "categories": [c.model_dump() for c in cards.categories(page.categories)],
            "branches": [b.model_dump() for b in cards.branch_items(page.branches)],
        }
    )


@api
async def claim(request: web.Request, caller: Caller) -> web.Response:
    wish = await caller.core.wall.claim(caller.actor, wish_id(request))
    if wish.is_joint:
        message = t(caller.lang, "claims.joined", code=wish.code, k=len(wish.holders), n=wish.needed_members)
    else:
        message = t(caller.lang, "claims.claimed", code=wish.code)
    return ok({"wish": await _card(caller, wish), "message": message})


@api
async def mine(request: web.Request, caller: Caller) -> web.Response:
    wall = caller.core.wall
    held = await wall.held(caller.actor)
    record = await wall.record(caller.actor)
    return ok(
        {
            "wishes": [_held(h, caller.lang) for h in held],
            "release_reasons": [c.model_dump() for c in cards.release_reasons(caller.lang)],
            "record": cards.service_record(record, caller.lang).model_dump(mode="json") if record else None,
        }
    )


@api
async def release(request: web.Request, caller: Caller) -> web.Response:
    body = await json_object(request, frozenset({"kind", "reason"}))
    reason = body.get("reason", "")
    if not isinstance(reason, str):
        raise InvalidInput("wall.bad_json")
    wish = await caller.core.wall.release(caller.actor, wish_id(request), reason, _reason_kind(body))
    return ok(
        {"wish": await _card(caller, wish), "message": t(caller.lang, "claims.released_long", code=wish.code)}
    )


def _reason_kind(body: dict[str, Any]) -> ReleaseReason | None:
    """One of the chat's choices, by its key; none given is a release without a chosen reason."""
    if "kind" not in body:
        return None
    raw = body["kind"]
    for reason in ASKED:
        if raw == reason.value:
            return reason
    raise InvalidInput("wall.bad_choice", name="kind", choices=", ".join(r.value for r in ASKED))


@api
async def extend(request: web.Request, caller: Caller) -> web.Response:
    body = await json_object(request, frozenset({"date"}))
    new_due = parse_day("date", body.get("date"))
    wish = await caller.core.wall.extend(caller.actor, wish_id(request), new_due)
    due = wish.due_date.isoformat()
    if caller.actor.user_id in wish.holders:
        message = t(caller.lang, "extend.done_holder", code=wish.code, due=due)
    else:  # a coordinator moving it for the holder
        holder = await caller.core.wishes.holder_name(wish) or "?"
        message = t(caller.lang, "extend.done_coordinator", code=wish.code, due=due, holder=holder)
    return ok({"wish": await _card(caller, wish), "message": message})


@api
async def deliver(request: web.Request, caller: Caller) -> web.Response:
    note, photo, hours = await _delivery_form(request)
    wish = await caller.core.wall.deliver(caller.actor, wish_id(request), note, photo, hours)
    tenths = await caller.core.points.hours_of(wish)
    recorded = t(caller.lang, "hp.reported", code=wish.code, hours=format_tenths(tenths))
    message = t(caller.lang, "delivery.reported", code=wish.code) + "\n" + recorded
    return ok({"wish": await _card(caller, wish), "message": message, "hours": as_number(tenths)})


async def _delivery_form(request: web.Request) -> tuple[str | None, bytes | None, str | None]:
    """`note`, `photo` and `hours` (the service hours, as typed: "2.5") from a multipart form,
    each at most once, each within its size, read as it streams in (the server's body limit is
    for small JSON, not pictures)."""
    if request.content_length is not None and request.content_length > BODY_MAX_BYTES:
        raise InvalidInput("wall.photo_size", max=PHOTO_MAX_BYTES // (1024 * 1024))
    if not request.body_exists:
        return None, None, None
    if request.content_type != "multipart/form-data":
        raise _bad_form()
    fields: dict[str, bytes] = {}
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if (
                not isinstance(part, BodyPartReader)
                or part.name not in ("note", "photo", "hours")
                or part.name in fields
            ):
                raise _bad_form()
            limit = {"note": NOTE_MAX_BYTES, "hours": HOURS_MAX_BYTES}.get(part.name, PHOTO_MAX_BYTES)
            fields[part.name] = await _read_part(part, limit)
    except ValueError as exc:
        # How aiohttp's multipart reader says "this is not a form" (a missing boundary, a body
        # that ends early).
        raise _bad_form() from exc
    try:
        note = fields["note"].decode("utf-8") if "note" in fields else None
        hours = fields["hours"].decode("utf-8").strip() if "hours" in fields else None
    except UnicodeDecodeError as exc:
        raise _bad_form() from exc
    # A form with no file chosen still sends an empty photo part (and an empty field, no hours).
    return note, fields.get("photo") or None, hours or None


def _bad_form() -> InvalidInput:
    return InvalidInput("wall.bad_form", mb=PHOTO_MAX_BYTES // (1024 * 1024), max=MAX_HOURS)


async def _read_part(part: BodyPartReader, limit: int) -> bytes:
    content = bytearray()
    while chunk := await part.read_chunk(_CHUNK):
        content += chunk
        if len(content) > limit:
            if limit == NOTE_MAX_BYTES:
                raise InvalidInput("val.too_long", max=MAX_NOTE)
            if limit == HOURS_MAX_BYTES:
                raise InvalidInput("hp.bad_hours", max=MAX_HOURS)
            raise InvalidInput("wall.photo_size", max=PHOTO_MAX_BYTES // (1024 * 1024))
    return bytes(content)

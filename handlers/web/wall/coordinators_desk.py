"""The wall's routes for a coordinator's work on a whole community: whom a wish can go to, the
auto-balance plan and its posting, the claim sheet. Each names its community (`community`, else
the one they work in now, as /use chose) and is decided by the chat's services and policies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiohttp import web

from bot.errors import InvalidInput, NotAllowed
from bot.texts import t
from bot.wall.desk import XLSX, fingerprint
from bot.wall.query import ID_MAX, single, whole
from handlers.web.wall.common import NO_STORE, Caller, api, json_object, ok
from handlers.web.wall.coordinators_actions import whole_field

PERIOD_MAX = 20  # "2026", "2026H1", "2026-03-01": a period is a word, never a sentence
_FINGERPRINT = frozenset("0123456789abcdef")


def _params(request: web.Request, known: Sequence[str]) -> Mapping[str, str]:
    return single({name: request.query.getall(name) for name in request.query}, known)


def community_of(caller: Caller, raw: str | int | None) -> int:
    """The community asked for, or the one the coordinator works in now."""
    if isinstance(raw, int):
        return raw
    if raw:
        return whole("community", raw, 1, ID_MAX)
    if caller.actor.current_community is None or not caller.actor.is_coordinator:
        raise NotAllowed("err.coordinators_only")
    return caller.actor.current_community


@api
async def members(request: web.Request, caller: Caller) -> web.Response:
    community_id = community_of(caller, _params(request, ("community",)).get("community"))
    desk = caller.core.wall.desk
    lines = await desk.assignable(caller.actor, community_id)
    branches = {b.id: b.name for b in await desk.branches(community_id)}
    return ok(
        {
            "members": [
                {
                    "id": line.membership.user_id,
                    "name": line.name,
                    "branch": branches.get(line.membership.branch_id),
                    "held": line.held,
                }
                for line in sorted(lines, key=lambda line: (line.held, line.name, line.membership.user_id))
            ]
        }
    )


@api
async def balance_plan(request: web.Request, caller: Caller) -> web.Response:
    community_id = community_of(caller, _params(request, ("community",)).get("community"))
    plan = await caller.core.wall.desk.balance_plan(caller.actor, community_id)
    return ok(
        {
            "community": community_id,
            "total": plan.total,
            "shares": [
                {
                    "branch_id": share.branch_id,
                    "name": share.name,
                    "members": share.members,
                    "count": len(share.wish_ids),
                    "codes": [f"W-{i:04d}" for i in share.wish_ids],
                }
                for share in plan.shares
            ],
            "plan": fingerprint(plan),
        }
    )


@api
async def balance_post(request: web.Request, caller: Caller) -> web.Response:
    body = await json_object(request, frozenset({"community", "plan"}))
    community_id = community_of(caller, whole_field(body, "community"))
    shown = body.get("plan")
    if not isinstance(shown, str) or not 1 <= len(shown) <= 64 or not set(shown) <= _FINGERPRINT:
        raise InvalidInput("wall.bad_json")
    posted, skipped = await caller.core.wall.desk.balance(caller.actor, community_id, shown)
    message = t(caller.lang, "balance.done", posted=posted, skipped=skipped)
    return ok({"posted": posted, "skipped": skipped, "message": message})


@api
async def claim_sheet(request: web.Request, caller: Caller) -> web.Response:
    """The .xlsx itself (not JSON): the page fetches it with its credential and saves it."""
    raw = _params(request, ("community", "public", "period"))
    community_id = community_of(caller, raw.get("community"))
    public = raw.get("public", "0")
    if public not in ("0", "1"):
        raise InvalidInput("wall.bad_choice", name="public", choices="0, 1")
    period = raw.get("period") or None
    if period is not None and len(period) > PERIOD_MAX:
        raise InvalidInput("fig.bad_period")
    sheet = await caller.core.wall.desk.claim_sheet(
        caller.actor, community_id, period, public == "1", caller.lang
    )
    return web.Response(
        body=sheet.content,
        content_type=XLSX,
        headers={
            **NO_STORE,
            "Content-Disposition": f'attachment; filename="{sheet.file_name}"',
            "X-Wishwall-Count": str(sheet.count),
        },
    )

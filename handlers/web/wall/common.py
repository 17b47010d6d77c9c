"""The frame around every wall API route: the caller authenticated from Telegram's initData and
resolved from the database, every answer JSON, every refusal named, nothing leaked by an error.

Errors, as the page sees them (`{"ok": false, "error": <code>, "message": <text>}`):
400 bad_request (a parameter or body the server will not read), 401 unauthorized (no valid
initData; no message), 403 forbidden (a policy said no), 404 not_found, 409 taken | cap |
already_yours | wrong_state | refused (the wish's state or the rules decided against it),
413 too_large, 500 internal (logged without personal data; the answer says nothing more).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.codes import parse_code
from bot.core import Core
from bot.errors import AlreadyTaken, DomainError, IllegalTransition, InvalidInput, NotAllowed, NotFound
from bot.people.policies import Actor
from bot.texts import t, t_error
from bot.wall.auth import Unauthorized, WallUser

log = logging.getLogger(__name__)

CORE = web.AppKey("wishwall.core", Core)
# What the page gets is a member's own view, details included: no cache or proxy may keep it.
NO_STORE = {"Cache-Control": "no-store"}

# Refusals by what they mean for the page, then by their kind.
_BY_KEY: dict[str, tuple[int, str]] = {
    "err.taken": (409, "taken"),
    "err.cap": (409, "cap"),
    "err.already_yours": (409, "already_yours"),
    "err.not_holder": (403, "forbidden"),
    "err.no_community": (404, "not_found"),
}
_BY_KIND: tuple[tuple[type[DomainError], int, str], ...] = (
    (AlreadyTaken, 409, "taken"),
    (NotFound, 404, "not_found"),
    (NotAllowed, 403, "forbidden"),
    (InvalidInput, 400, "bad_request"),
    (IllegalTransition, 409, "wrong_state"),
)


@dataclass(frozen=True)
class Caller:
    """One request's asker: who Telegram says they are, and who the database says that is."""

    core: Core
    user: WallUser
    actor: Actor
    lang: str


Route = Callable[[web.Request, Caller], Awaitable[web.Response]]


def ok(payload: dict[str, Any]) -> web.Response:
    return web.json_response({"ok": True, **payload}, headers=NO_STORE, dumps=_dumps)


def failure(status: int, error: str, message: str | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error": error}
    if message is not None:
        body["message"] = message
    return web.json_response(body, status=status, headers=NO_STORE, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def refusal(error: DomainError, lang: str) -> web.Response:
    """A rule's no, in the user's language, with the status and code the page acts on."""
    status, code = _status(error)
    return failure(status, code, t_error(lang, error.key, error.params))


def _status(error: DomainError) -> tuple[int, str]:
    if error.key.startswith("val."):
        return 400, "bad_request"
    if error.key in _BY_KEY:
        return _BY_KEY[error.key]
    for kind, status, code in _BY_KIND:
        if isinstance(error, kind):
            return status, code
    return 409, "refused"


def route_name(request: web.Request) -> str:
    """The route as registered (/wall/api/wishes/{code}/claim): what a log line may say of a
    request, never its query (a search typed by a user) or body."""
    info = request.match_info.route.resource
    return f"{request.method} {info.canonical if info is not None else '?'}"


def api(handle: Route) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Authenticate, resolve the actor, run the route, and turn whatever it raises into JSON."""

    @functools.wraps(handle)
    async def endpoint(request: web.Request) -> web.Response:
        core = request.app[CORE]
        lang = core.settings.default_lang
        try:
            user = core.wall.authenticate(request.headers.get("Authorization"))
        except Unauthorized as refused:
            log.info("wall request refused (%s): %s", refused.reason, route_name(request))
            return failure(401, "unauthorized")
        try:
            lang = core.wall.lang(user)
            actor = await core.wall.actor(user)
            return await handle(request, Caller(core, user, actor, lang))
        except DomainError as error:
            return refusal(error, lang)
        except web.HTTPRequestEntityTooLarge:
            return failure(413, "too_large", t(lang, "wall.too_large"))
        except Exception as error:
            # Like handlers/errors.py: the kind of error, the route and the user id, never the
            # request's content (a delivery note, a search) or a beneficiary's data.
            log.error(
                "unhandled %s for wall %s (user %s)",
                type(error).__name__,
                route_name(request),
                user.id,
                exc_info=True,
            )
            return failure(500, "internal", t(lang, "err.generic"))

    return endpoint


async def unknown(request: web.Request) -> web.Response:
    """Anything under /wall/api/ that is not a route: JSON like the rest, not aiohttp's page."""
    return failure(404, "not_found")


def wish_id(request: web.Request) -> int:
    """The wish a path names (W-0042 or 42), or the same refusal as an unknown wish."""
    raw = request.match_info.get("code", "")
    found = parse_code(raw)
    if found is None:
        raise NotFound(code=raw[:20])
    return found


async def json_object(request: web.Request, fields: frozenset[str]) -> dict[str, Any]:
    """The body as a JSON object with no field but these; an empty body is an empty object."""
    if not request.body_exists:
        return {}
    try:
        body = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("wall.bad_json") from exc
    if not isinstance(body, dict):
        raise InvalidInput("wall.bad_json")
    unknown_fields = set(body) - fields
    if unknown_fields:
        raise InvalidInput("wall.unknown_param", name=sorted(unknown_fields)[0][:40])
    return body

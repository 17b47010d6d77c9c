"""Who is asking the wall: the `initData` Telegram signs for the Mini App, checked on the server.

The algorithm is Telegram's ("Validating data received via the Mini App"): the data-check-string
is every received field but `hash`, as `key=value` lines sorted and joined with newlines; its
HMAC-SHA256, keyed with HMAC-SHA256(key="WebAppData", msg=bot token), must equal `hash`
(compared in constant time). init-data-py does exactly that on the pairs as received (it never
rebuilds them from parsed values, refuses repeated fields and keeps fields it does not know);
the freshness rules and what counts as a user are ours.

Whatever the client says about roles is never read: the user id found here is looked up in the
database for every request (Directory.actor).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import init_data_py
from init_data_py import errors as init_errors

from bot.models import Frozen

SCHEME = "tma"
# A real initData is well under 1 KB (a user object, a query id, a signature and a hash);
# anything much longer is not from Telegram and is refused before it is parsed.
MAX_HEADER_CHARS = 4096
# Telegram's own examples accept initData for a day; the Mini App reloads it when it opens.
MAX_AGE = timedelta(hours=24)
# A clock a little ahead of ours is a clock, not a forgery; more than this is refused.
CLOCK_SKEW = timedelta(minutes=1)


class Unauthorized(Exception):
    """No valid initData. `reason` is for the log: a word or two, never the data itself."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WallUser(Frozen):
    """The Telegram user Telegram vouched for. Only their id decides anything."""

    id: int
    first_name: str
    last_name: str | None = None
    language_code: str | None = None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def authenticate(header: str | None, bot_token: str, now: datetime) -> WallUser:
    """The user behind an `Authorization: tma <initData>` header, or Unauthorized."""
    if not header:
        raise Unauthorized("no authorization header")
    if len(header) > MAX_HEADER_CHARS:
        raise Unauthorized("authorization header too long")
    scheme, _, credential = header.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != SCHEME or not credential:
        raise Unauthorized("not a tma credential")
    try:
        # aiohttp hands undecodable header bytes over as surrogates; they cannot be signed data.
        credential.encode("utf-8")
        data = init_data_py.validate_by_hash(credential, bot_token, expires_in=MAX_AGE, now=now)
    except init_errors.ExpiredError as exc:
        raise Unauthorized("expired") from exc
    except (init_errors.InitDataError, UnicodeError) as exc:
        raise Unauthorized(type(exc).__name__) from exc
    if data.issued_at > now + CLOCK_SKEW:
        raise Unauthorized("auth_date in the future")
    user = data.user
    if user is None or user.is_bot or user.id <= 0:
        raise Unauthorized("no user")
    return WallUser(
        id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        language_code=user.language_code,
    )

"""aiohttp's client as the bot uses it for the Bot API, with nothing of python-telegram-bot.

AiohttpRequest (bot/messaging/aiohttp_request.py) wraps this for PTB. The answer courier's
process (bot/messaging/courier_process.py) uses it alone, so that it does not import PTB: ~8 MB
of resident memory less for a process that only posts forms.

A proxy is read from the environment once, at start (``env_proxy``), and passed with every
request. aiohttp's own ``trust_env=True`` looks the proxy and the .netrc up again for every
request, each look-up a hop to a thread and back: under load that was two waits per request
on a busy event loop (bench/, scenario 2: turning it off alone measured +8-25% updates/s).

A session made with ``report_departures=True`` says when each request's first bytes are handed
to the socket: it calls the function in ``departure`` (a context variable the caller sets).
bot/messaging/transport.py stamps paced sends then, not when it decided to send them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import suppress
from contextvars import ContextVar
from types import SimpleNamespace
from typing import NamedTuple

import aiohttp
import yarl
from aiohttp.helpers import get_env_proxy_for_url
from aiohttp.payload import BytesPayload

FORM = "application/x-www-form-urlencoded"


class Proxy(NamedTuple):
    url: str
    auth: aiohttp.BasicAuth | None = None


def env_proxy(url: str) -> Proxy | None:
    """The proxy the environment names for requests to `url` (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY,
    NO_PROXY, credentials from .netrc), as aiohttp's trust_env would find it; None for none."""
    with suppress(LookupError):
        proxy, auth = get_env_proxy_for_url(yarl.URL(url))
        return Proxy(str(proxy), auth)
    return None


class Limits(NamedTuple):
    """What a request may take, in seconds (None: no limit): all of it, connecting, each read."""

    total: float | None
    connect: float | None
    read: float | None


# Called when the request made in this context writes its first bytes (possibly more than once:
# a multipart body is written in several pieces). Read by sessions with report_departures.
departure: ContextVar[Callable[[], None] | None] = ContextVar("departure", default=None)


def new_session(pool_size: int, user_agent: str, *, report_departures: bool = False) -> aiohttp.ClientSession:
    traces = None
    if report_departures:
        # A body chunk is reported just before it is written, and the buffered headers go out
        # with the first one. (Headers-sent is too early: aiohttp only buffers them there, and
        # writes the body from a task of its own, a turn of a busy event loop later.)
        trace = aiohttp.TraceConfig()
        trace.on_request_chunk_sent.append(_departed)
        trace.freeze()
        traces = [trace]
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=pool_size, keepalive_timeout=30),
        headers={"User-Agent": user_agent},
        # Telegram sets no cookies; a jar would only cost time on every response.
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,  # the proxy is looked up once (env_proxy), not per request
        trace_configs=traces,
    )


async def _departed(
    _session: aiohttp.ClientSession, _context: SimpleNamespace, _params: aiohttp.TraceRequestChunkSentParams
) -> None:
    if (stamp := departure.get()) is not None:
        stamp()


def form_body(encoded: bytes) -> BytesPayload:
    """Form fields already encoded: what aiohttp's FormData would send, without its machinery."""
    return BytesPayload(encoded, content_type=FORM)


async def request(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    body: aiohttp.FormData | BytesPayload | None,
    limits: Limits,
    proxy: Proxy | None,
) -> tuple[int, bytes]:
    """Telegram's status and body; TimeoutError or aiohttp.ClientError when there are none."""
    async with session.request(
        method,
        url,
        data=body,
        timeout=_timeout(*limits),
        proxy=proxy.url if proxy else None,
        proxy_auth=proxy.auth if proxy else None,
    ) as response:
        return response.status, await response.read()


@functools.lru_cache(maxsize=32)
def _timeout(total: float | None, connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
    """The few combinations there are, made once (ClientTimeout is immutable)."""
    return aiohttp.ClientTimeout(total=total, connect=connect, sock_read=read)

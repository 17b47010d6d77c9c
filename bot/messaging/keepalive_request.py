"""Taps' answers as plain HTTP/1.1 form posts on kept-alive connections (httptools parses).

Under a stream of taps the bot's event loop is the limit, and answering the taps was a third
of it: aiohttp's client spent ~310 µs of CPU per request where this one spends ~70 (both posting
answers to bench/'s fake server, 256 at once, 20,000 each). An answer is one small form post to
one host, read back whole: none of aiohttp's sessions, cookie jars, traces, redirects or
streaming is needed for it. Everything else (sends with files, proxies, departure stamps) keeps
aiohttp (bot/messaging/aiohttp_request.py).

Replies are framed by Content-Length or chunked, as the Bot API's are; one that runs until the
connection closes is not read. Each connection carries one request at a time (no pipelining)
and is used again only if the reply said it may be and the server has not closed it. A request
that finds a reused connection closed before any byte of its reply came back is sent once more
on a new one (the server closed it while idle: it never saw the request). Errors are PTB's:
TimedOut when a time limit passes, NetworkError for whatever the network or the reply's framing
does wrong.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from typing import Any, NamedTuple, cast
from urllib.parse import urlsplit

import httptools
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.messaging.aiohttp_request import Phases, form_post
from bot.messaging.http_session import Limits

# A reply bigger than this is not a Bot API answer: the connection is dropped.
MAX_REPLY_BYTES = 1 << 20


class Origin(NamedTuple):
    """Where a URL's requests go, and the request line's target there."""

    tls: bool
    host: str
    port: int
    target: str

    @property
    def key(self) -> tuple[bool, str, int]:
        return self.tls, self.host, self.port


@functools.lru_cache(maxsize=64)
def origin_of(url: str) -> Origin:
    """The same few URLs come on every request (the API's base and a method's name)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NetworkError(f"not an http(s) URL: {parts.scheme}://{parts.hostname}")
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    if any(c in url for c in "\r\n "):
        raise NetworkError("a URL with spaces or line breaks")  # would split the request's head
    tls = parts.scheme == "https"
    return Origin(tls, parts.hostname, parts.port or (443 if tls else 80), target)


class _Connection(asyncio.Protocol):
    """One connection and the reply it is waiting for (one request at a time)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.idle_since = 0.0
        self.reused = False
        self._parser = httptools.HttpResponseParser(self)
        self._reply: asyncio.Future[tuple[int, bytes]] | None = None
        self._body: list[bytes] = []
        self._size = 0
        self._heard = False  # a byte of the current reply came back
        self._keep = False  # the last reply allowed the connection to be used again

    # --- the event loop's side --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, though they are the same.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self._reply is None or self._reply.done():
            self.close()  # nothing was asked (or the asker gave up): the stream is out of step
            return
        self._heard = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(NetworkError(f"the Bot API's reply could not be read: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._fail(ConnectionResetError("the connection closed before the reply was complete"))

    # --- httptools' callbacks -----------------------------------------------------------------

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > MAX_REPLY_BYTES:
            self._fail(NetworkError("the Bot API's reply was too big"))
            self.close()
            return
        self._body.append(body)

    def on_message_complete(self) -> None:
        reply, self._reply = self._reply, None
        self._keep = self._parser.should_keep_alive()
        if reply is not None and not reply.done():
            reply.set_result((self._parser.get_status_code(), b"".join(self._body)))

    # --- the pool's side ----------------------------------------------------------------------

    @property
    def usable(self) -> bool:
        return self.transport is not None and not self.transport.is_closing() and self._keep

    async def send(self, head: bytes, body: bytes, within: float | None) -> tuple[int, bytes]:
        """The reply, whole, within `within` seconds of sending (TimeoutError, and the connection
        dropped, when it is late). A timer of the loop's: asyncio.timeout's cancellation was ~6%
        of a claim storm's event loop, for one request each."""
        loop = asyncio.get_running_loop()
        reply = self._reply = loop.create_future()
        if self.transport is None:  # closed since it was chosen
            raise ConnectionResetError("the connection closed before the request")
        self._body, self._size, self._heard, self._keep = [], 0, False, False
        self.transport.write(head + body)
        late = None if within is None else loop.call_later(within, self._late, reply)
        try:
            return await reply
        finally:
            if late is not None:
                late.cancel()

    def _late(self, reply: asyncio.Future[tuple[int, bytes]]) -> None:
        if reply is self._reply:
            self._fail(TimeoutError("no reply in time"))
            self.close()

    @property
    def heard(self) -> bool:
        return self._heard

    def _fail(self, error: Exception) -> None:
        reply, self._reply = self._reply, None
        if reply is not None and not reply.done():
            reply.set_exception(error)

    def close(self) -> None:
        self._keep = False
        if self.transport is not None:
            self.transport.abort()


class KeepAliveRequest(BaseRequest):
    """PTB's BaseRequest for form posts without files (a tap's answer), over kept-alive
    connections: at most `connections` at once, idle ones closed after `idle_seconds`.

    Of PTB's timeouts, each phase gets its own: waiting for a free connection at most the sum of
    them (as aiohttp's total), making one `connect`, and the whole reply `read` after sending.
    """

    def __init__(
        self,
        connections: int,
        *,
        phases: Phases | None = None,
        idle_seconds: float = 30.0,
    ) -> None:
        self._phases = phases or Phases()
        self._idle_seconds = idle_seconds
        self._tls: ssl.SSLContext | None = None  # made when the first https connection needs it
        self._gate = asyncio.Semaphore(connections)
        self._idle: dict[tuple[bool, str, int], list[_Connection]] = {}
        self._busy: set[_Connection] = set()
        self._heads: dict[tuple[Origin, int], bytes] = {}
        self.opened = 0  # connections made: one per request would mean none were kept

    @property
    def read_timeout(self) -> float | None:
        return self._phases.read

    async def initialize(self) -> None:
        pass  # connections are made when the first requests need them

    async def shutdown(self) -> None:
        for connection in [*self._busy, *(c for idle in self._idle.values() for c in idle)]:
            connection.close()
        self._idle.clear()
        self._busy.clear()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        body = form_post(method, request_data, "the kept-alive answers' client") or b""
        origin = origin_of(url)
        limits = self._phases.limits(read_timeout, write_timeout, connect_timeout, pool_timeout, files=False)
        try:
            if self._gate.locked():  # all connections busy: wait no longer than the whole request may
                async with asyncio.timeout(limits.total):
                    await self._gate.acquire()
            else:
                await self._gate.acquire()
            try:
                return await self._exchange(origin, self._head(origin, len(body)), body, limits)
            finally:
                self._gate.release()
        except TimeoutError as exc:
            raise TimedOut from exc
        except OSError as exc:  # refused, reset, unreachable, TLS
            raise NetworkError(f"{type(exc).__name__}: {exc}") from exc

    async def _exchange(self, origin: Origin, head: bytes, body: bytes, limits: Limits) -> tuple[int, bytes]:
        connection = self._idle_connection(origin)
        if connection is None:
            connection = await self._connect(origin, limits.connect)
        self._busy.add(connection)
        try:
            try:
                reply = await connection.send(head, body, limits.read)  # an answer's reply is tiny
            except ConnectionResetError:
                if not connection.reused or connection.heard:
                    raise
                # Closed by the server while it lay idle, before our request reached it.
                self._busy.discard(connection)
                connection = await self._connect(origin, limits.connect)
                self._busy.add(connection)
                reply = await connection.send(head, body, limits.read)
        except BaseException:
            connection.close()  # cancelled or failed half way: its stream is out of step
            raise
        finally:
            self._busy.discard(connection)
        if connection.usable:
            connection.idle_since = time.monotonic()
            connection.reused = True
            self._idle.setdefault(origin.key, []).append(connection)
        else:
            connection.close()
        return reply

    def _idle_connection(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin.key)
        now = time.monotonic()
        while idle:
            connection = idle.pop()  # the most recently used: the likeliest still open
            if connection.usable and now - connection.idle_since < self._idle_seconds:
                return connection
            connection.close()
        return None

    async def _connect(self, origin: Origin, connect_within: float | None) -> _Connection:
        loop = asyncio.get_running_loop()
        tls: ssl.SSLContext | None = None
        if origin.tls:
            if self._tls is None:
                self._tls = ssl.create_default_context()
            tls = self._tls
        async with asyncio.timeout(connect_within):
            _, connection = await loop.create_connection(
                _Connection, origin.host, origin.port, ssl=tls, server_hostname=origin.host if tls else None
            )
        self.opened += 1
        return connection

    def _head(self, origin: Origin, length: int) -> bytes:
        """The request's head, remembered per target and length (a tap's answers vary little)."""
        key = (origin, length)
        head = self._heads.get(key)
        if head is None:
            host = f"[{origin.host}]" if ":" in origin.host else origin.host  # IPv6, as in a URL
            if origin.port != (443 if origin.tls else 80):
                host = f"{host}:{origin.port}"
            head = (
                f"POST {origin.target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {self.USER_AGENT}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {length}\r\nConnection: keep-alive\r\n\r\n"
            ).encode("latin-1")
            if len(self._heads) >= 4096:
                self._heads.clear()  # bounded: lengths are few, but not provably so
            self._heads[key] = head
        return head

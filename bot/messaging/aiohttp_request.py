"""The Bot API over aiohttp's client: PTB's BaseRequest, for the bot's many small requests.

PTB's own HTTPXRequest spends most of its time in httpx and httpcore bookkeeping (building the
request and cookie objects, the pool's per-request walk over its connections, anyio's stream
wrappers). Under load that was over a third of the bot's CPU, more than all of its own logic
(bench/, scenario 2, profiled with py-spy --gil). aiohttp's client does the same request for a
fraction of that. Requests are sent as PTB sends them: form fields, multipart when files go
along; errors become PTB's TimedOut and NetworkError so the rest of the bot sees no difference.
"""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import urlencode

import aiohttp
from aiohttp.payload import BytesPayload
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.messaging.http_session import Limits, Proxy, form_body, new_session, request


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        connection_pool_size: int = 32,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        proxy: Proxy | None = None,
        report_departures: bool = False,
    ) -> None:
        self._proxy = proxy
        self._report_departures = report_departures  # see http_session.departure
        self._pool_size = connection_pool_size
        self._phases = Phases(read_timeout, write_timeout, connect_timeout, pool_timeout, media_write_timeout)
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._phases.read

    @property
    def reports_departures(self) -> bool:
        return self._report_departures

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = new_session(
                self._pool_size, self.USER_AGENT, report_departures=self._report_departures
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

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
        files = request_data.multipart_data if request_data is not None else None
        # Form fields encoded here as aiohttp's FormData would, without its machinery per request.
        body: aiohttp.FormData | BytesPayload | None = None
        if not files and (encoded := form_fields(request_data)) is not None:
            body = form_body(encoded)
        if files:
            assert request_data is not None
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, upload in files.items():
                if isinstance(upload, tuple):
                    filename, content, *rest = upload
                    form.add_field(name, content, filename=filename, content_type=rest[0] if rest else None)
                else:
                    form.add_field(name, upload, filename=name)
            body = form
        limits = self._phases.limits(
            read_timeout, write_timeout, connect_timeout, pool_timeout, files=bool(files)
        )
        return await self.send(method, url, body, limits)

    async def send(
        self, method: str, url: str, body: aiohttp.FormData | BytesPayload | None, limits: Limits
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        try:
            return await request(self._session, method, url, body, limits, self._proxy)
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err


# PTB marks RequestData final for its users' code; a subclass only adds the encoding, and PTB's
# own clients (which read json_parameters) see a RequestData like any other.
class SelfEncoded(RequestData):  # type: ignore[misc]
    """Fields that know their form encoding already (a tap's answer, bot/messaging/tap_answer.py):
    building PTB's parameters, their json_parameters and urlencoding them took ~43 us an answer
    (a quiet micro-benchmark), this way ~13 us."""

    __slots__ = ("form",)

    def __init__(self, parameters: list[RequestParameter], form: bytes) -> None:
        super().__init__(parameters)
        self.form = form  # what urlencode(self.json_parameters) says, in other words


def form_fields(request_data: RequestData | None) -> bytes | None:
    """A request's fields form-encoded, as PTB's own clients send them (None: it has none)."""
    if request_data is None:
        return None
    if isinstance(request_data, SelfEncoded):
        return request_data.form
    return urlencode(request_data.json_parameters).encode()


def form_post(method: str, request_data: RequestData | None, carrier: str) -> bytes | None:
    """The fields of a post without files, for the clients that carry nothing else (a tap's
    answer has none); NetworkError, nothing sent, for anything else."""
    if method != "POST" or (request_data is not None and request_data.multipart_data):
        raise NetworkError(f"{carrier} carries form posts without files only")  # PTB posts every call
    return form_fields(request_data)


class Phases(NamedTuple):
    """A client's default timeouts, as PTB names them."""

    read: float | None = 5.0
    write: float | None = 5.0
    connect: float | None = 5.0
    pool: float | None = 1.0
    media_write: float | None = 20.0

    def limits(
        self, read_timeout: Any, write_timeout: Any, connect_timeout: Any, pool_timeout: Any, *, files: bool
    ) -> Limits:
        """The limits of one request: PTB's per-call timeouts where given, these elsewhere."""
        write = _given(write_timeout, self.media_write if files else self.write)
        read = _given(read_timeout, self.read)
        connect = _given(connect_timeout, self.connect)
        # aiohttp has no write timeout of its own: the whole call may take the sum of the phases.
        return Limits(_sum(_given(pool_timeout, self.pool), connect, write, read), connect, read)


def _given(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _sum(*parts: float | None) -> float | None:
    """None (no limit) when any phase has none."""
    if any(p is None for p in parts):
        return None
    return float(sum(p for p in parts if p is not None))

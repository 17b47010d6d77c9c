"""The Bot API over aiohttp's client: PTB's BaseRequest, for the bot's many small requests.

PTB's own HTTPXRequest spends most of its time in httpx and httpcore bookkeeping (building the
request and cookie objects, the pool's per-request walk over its connections, anyio's stream
wrappers). Under load that was over a third of the bot's CPU, more than all of its own logic
(bench/, scenario 2, profiled with py-spy --gil). aiohttp's client does the same request for a
fraction of that. Requests are sent as PTB sends them: form fields, multipart when files go
along; errors become PTB's TimedOut and NetworkError so the rest of the bot sees no difference.

A proxy is read from the environment once, at start (``env_proxy``), and passed with every
request. aiohttp's own ``trust_env=True`` looks the proxy and the .netrc up again for every
request, each look-up a hop to a thread and back: under load that was two waits per request
on a busy event loop (bench/, scenario 2: turning it off alone measured +8-25% updates/s).
"""

from __future__ import annotations

import functools
from contextlib import suppress
from typing import Any, NamedTuple
from urllib.parse import urlencode

import aiohttp
import yarl
from aiohttp.helpers import get_env_proxy_for_url
from aiohttp.payload import BytesPayload
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_FORM = "application/x-www-form-urlencoded"


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
    ) -> None:
        self._proxy = proxy
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=30),
                headers={"User-Agent": self.USER_AGENT},
                # Telegram sets no cookies; a jar would only cost time on every response.
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,  # the proxy is looked up once (env_proxy), not per request
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
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else None
        fields = request_data.json_parameters if request_data is not None else None
        # Form fields encoded here as aiohttp's FormData would, without its machinery per request.
        body: aiohttp.FormData | BytesPayload | None = None
        if fields is not None and not files:
            body = BytesPayload(urlencode(fields).encode(), content_type=_FORM)
        if files:
            form = aiohttp.FormData()
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, upload in files.items():
                if isinstance(upload, tuple):
                    filename, content, *rest = upload
                    form.add_field(name, content, filename=filename, content_type=rest[0] if rest else None)
                else:
                    form.add_field(name, upload, filename=name)
            body = form
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        # aiohttp has no write timeout of its own: the whole call may take the sum of the phases.
        timeout = _timeout(
            _sum(_given(pool_timeout, self._pool_timeout), connect, write, read), connect, read
        )
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                timeout=timeout,
                proxy=self._proxy.url if self._proxy else None,
                proxy_auth=self._proxy.auth if self._proxy else None,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err


@functools.lru_cache(maxsize=32)
def _timeout(total: float | None, connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
    """The few combinations there are, made once (ClientTimeout is immutable)."""
    return aiohttp.ClientTimeout(total=total, connect=connect, sock_read=read)


def _given(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _sum(*parts: float | None) -> float | None:
    """None (no limit) when any phase has none."""
    if any(p is None for p in parts):
        return None
    return float(sum(p for p in parts if p is not None))

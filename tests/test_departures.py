"""Paced sends are stamped in the send windows when their first bytes leave, over real HTTP.

Telegram counts a message when it arrives; a send stamped when it was decided, then held up by
a busy event loop, could reach Telegram together with later ones (bench/, scenario 2).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from telegram import InputFile
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.app import build_application
from bot.messaging.aiohttp_request import AiohttpRequest
from bot.messaging.keepalive_request import KeepAliveRequest
from bot.messaging.ratelimit import PRIVATE_MARGIN, SendLimits
from bot.messaging.transport import LimitedRequest, OutboxTicket, outbox_send
from bot.settings import Settings

CHAT = 42
INTERVAL = 1.0 * (1 + PRIVATE_MARGIN)  # one message a private chat, as the limits keep it


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now


class LateToTheSocket(BaseRequest):
    """The real client, reached `before` seconds after the transport decided to send (a busy
    loop), answering `after` seconds after it sent. Notes whether the slot was held meanwhile."""

    def __init__(self, inner: BaseRequest, clock: Clock, limits: SendLimits) -> None:
        self.inner, self.clock, self.limits = inner, clock, limits
        self.before, self.after = 0.5, 0.3
        self.held_meanwhile: list[bool] = []

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **kw: Any
    ) -> tuple[int, bytes]:
        self.held_meanwhile.append(self.limits.wait_time(CHAT, self.clock.now) > 0)
        self.clock.now += self.before
        try:
            return await self.inner.do_request(url, method, request_data, **kw)
        finally:
            self.clock.now += self.after


@pytest.fixture
def clock() -> Clock:
    return Clock()


@asynccontextmanager
async def transport(
    inner: BaseRequest, clock: Clock, limits: SendLimits
) -> AsyncIterator[tuple[LimitedRequest, LateToTheSocket]]:
    late = LateToTheSocket(inner, clock, limits)
    limited = LimitedRequest(late, limits, max_in_flight=4, monotonic=clock.monotonic)
    await limited.initialize()
    try:
        yield limited, late
    finally:
        await limited.shutdown()


def message(text: str = "hello") -> RequestData:
    return RequestData([RequestParameter("chat_id", CHAT, None), RequestParameter("text", text, None)])


def url(server: TestServer, method: str = "sendMessage") -> str:
    return str(server.make_url(f"/bot123:abc/{method}"))


@pytest.mark.parametrize("outbox", [False, True], ids=["direct reply", "outbox send"])
async def test_a_send_is_stamped_when_it_leaves_not_when_it_was_decided(
    http_api: tuple[TestServer, list[dict[str, Any]]], clock: Clock, outbox: bool
) -> None:
    server, seen = http_api
    limits = SendLimits()
    async with transport(AiohttpRequest(report_departures=True), clock, limits) as (limited, late):
        ticket = OutboxTicket(CHAT) if outbox else None
        if ticket is not None:
            limits.reserve(CHAT)  # as the sender does when it chooses the item
        context = outbox_send.set(ticket)
        try:
            status, _ = await limited.do_request(url(server), "POST", message())
        finally:
            outbox_send.reset(context)
        assert status == 200 and seen[-1]["fields"]["text"] == "hello"
        assert late.held_meanwhile == [True]  # decided, not yet gone: nobody else takes the slot
        # Left at 100.5 (not 100.0, when it was decided; not 100.8, when the answer came).
        assert clock.now == pytest.approx(100.8)
        assert limits.wait_time(CHAT, clock.now) == pytest.approx(100.5 + INTERVAL - 100.8)


async def test_a_client_that_does_not_say_when_it_sent_is_stamped_when_it_returns(
    http_api: tuple[TestServer, list[dict[str, Any]]], clock: Clock
) -> None:
    server, _ = http_api
    limits = SendLimits()
    async with transport(AiohttpRequest(report_departures=False), clock, limits) as (limited, _late):
        await limited.do_request(url(server), "POST", message())
        assert limits.wait_time(CHAT, clock.now) == pytest.approx(INTERVAL)  # late, on the safe side


async def test_a_file_sent_in_several_pieces_is_counted_once(
    http_api: tuple[TestServer, list[dict[str, Any]]], clock: Clock
) -> None:
    server, seen = http_api
    # Two messages a second in all and no headroom: one stamp leaves room for one more.
    limits = SendLimits(per_second=2, reply_headroom=0)
    async with transport(AiohttpRequest(report_departures=True), clock, limits) as (limited, late):
        late.before = late.after = 0.1  # both stamps stay within the window
        photo = InputFile(b"\x89PNG\r\n\x1a\n" + bytes(200_000), filename="chart.png")
        data = RequestData(
            [RequestParameter("chat_id", CHAT, None), RequestParameter("photo", photo.attach_uri, [photo])]
        )
        status, _ = await limited.do_request(url(server, "sendPhoto"), "POST", data)
        assert status == 200 and seen[-1]["files"]["photo"][0] == "chart.png"
        assert limits.overall_wait(clock.now) == 0
        await limited.do_request(url(server), "POST", message("and a caption"))
        assert limits.overall_wait(clock.now) > 0


async def test_a_send_that_never_left_frees_its_slot(clock: Clock) -> None:
    limits = SendLimits()
    async with transport(AiohttpRequest(report_departures=True, connect_timeout=1), clock, limits) as (
        limited,
        _late,
    ):
        with pytest.raises(NetworkError):
            # Nothing listens on port 9 of this machine: the connection is refused.
            await limited.do_request("http://127.0.0.1:9/bot123:abc/sendMessage", "POST", message())
        # Counted as sent when it failed, and not reserved for ever (the chat would never be free).
        assert limits.wait_time(CHAT, clock.now) == pytest.approx(INTERVAL)
        assert limits.wait_time(CHAT, clock.now + INTERVAL) == 0


def test_the_bot_s_sends_report_their_departures_and_its_answers_do_not(tmp_path: Any) -> None:
    app = build_application(Settings(bot_token="123:abc", db=str(tmp_path / "w.db")))
    limited = app.bot.request
    assert isinstance(limited, LimitedRequest)
    assert isinstance(limited.sends, AiohttpRequest) and limited.sends.reports_departures
    # Answers are not counted by Telegram's limits: no tracing on the most frequent request.
    assert isinstance(limited.answers, KeepAliveRequest)
    aiohttp_answers = build_application(
        Settings(bot_token="123:abc", db=str(tmp_path / "w.db"), answer_client="aiohttp")
    ).bot.request
    assert isinstance(aiohttp_answers, LimitedRequest)
    assert (
        isinstance(aiohttp_answers.answers, AiohttpRequest) and not aiohttp_answers.answers.reports_departures
    )

"""The transport: direct replies share the outbox's limits, wait out a short 429, and a gate
keeps the number of requests in flight bounded."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot
from telegram.error import RetryAfter
from telegram.request import BaseRequest, RequestData

from bot.messaging.ratelimit import OVERALL_MARGIN, PRIVATE_MARGIN, SendLimits
from bot.messaging.transport import LimitedRequest, OutboxTicket, outbox_send
from tests.fakes.telegram_api import FakeTelegram


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def ticks() -> Clock:
    return Clock()


@pytest.fixture
def limits() -> SendLimits:
    return SendLimits(per_second=25, private_interval=1.0, group_per_minute=20)


@pytest.fixture
async def tg(api: FakeTelegram, limits: SendLimits, ticks: Clock) -> AsyncIterator[Bot]:
    api.user(1, "A")
    api.open_private(1)
    request = LimitedRequest(api, limits, max_in_flight=4, monotonic=ticks.monotonic, sleep=ticks.sleep)
    bot = Bot("123456:TEST-TOKEN", request=request, get_updates_request=api)
    await bot.initialize()
    yield bot
    await bot.shutdown()


def too_many(api: FakeTelegram, seconds: int) -> None:
    api.fail_next("sendMessage", 429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


async def test_a_direct_reply_that_meets_a_429_is_sent_after_the_wait(
    api: FakeTelegram, tg: Bot, ticks: Clock, limits: SendLimits
) -> None:
    too_many(api, 2)
    await tg.send_message(1, "the next question")
    assert [c.ok for c in api.calls_to("sendMessage")] == [False, True]
    assert ticks.slept == [2.0]
    assert api.last_in(1).text == "the next question"


async def test_the_wait_is_shared_with_the_outbox(
    api: FakeTelegram, tg: Bot, limits: SendLimits, ticks: Clock
) -> None:
    await tg.send_message(1, "a reply")
    # The outbox must not send into this chat within the private window right after a reply.
    assert limits.wait_time(1, ticks.now) == pytest.approx(1.0 * (1 + PRIVATE_MARGIN))
    assert limits.wait_time(2, ticks.now) == 0  # other chats are free


async def test_a_long_429_is_not_waited_for(api: FakeTelegram, tg: Bot, ticks: Clock) -> None:
    too_many(api, 60)
    with pytest.raises(RetryAfter):
        await tg.send_message(1, "hello")
    assert ticks.slept == []


async def test_the_outbox_paces_and_retries_its_own_sends(
    api: FakeTelegram, tg: Bot, ticks: Clock, limits: SendLimits
) -> None:
    too_many(api, 1)
    limits.reserve(1)
    ticket = OutboxTicket(1)
    outbox_send.set(ticket)
    try:
        with pytest.raises(RetryAfter):  # the sender defers the row itself
            await tg.send_message(1, "a notice")
    finally:
        outbox_send.set(None)
    assert ticks.slept == []
    # The slot the sender reserved was stamped when the request left, once.
    assert not ticket.open
    assert limits.wait_time(1, ticks.now) == pytest.approx(1.0 * (1 + PRIVATE_MARGIN))


async def test_a_tap_answer_is_neither_counted_nor_held(
    api: FakeTelegram, tg: Bot, ticks: Clock, limits: SendLimits
) -> None:
    query = api.new_callback_query(1, 1, 1, "x")
    await tg.answer_callback_query(query, "ok")
    assert limits.wait_time(1, ticks.now) == 0
    assert api.answer_for(query) is not None


class SlowRequest(BaseRequest):
    """Answers every call after a pause and notes how many were in flight at once."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.most = 0

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        await asyncio.sleep(0.01)
        self.in_flight -= 1
        return 200, b'{"ok": true, "result": true}'


async def test_the_gate_bounds_requests_in_flight(limits: SendLimits) -> None:
    inner = SlowRequest()
    request = LimitedRequest(inner, limits, max_in_flight=3)
    await asyncio.gather(*(request.post("https://api.test/bot1:x/answerCallbackQuery") for _ in range(12)))
    assert inner.most == 3


def test_replies_have_headroom_above_the_outbox_share() -> None:
    limits = SendLimits(per_second=5, reply_headroom=2)
    for i in range(5):
        limits.record(100 + i, 10.0 + i / 10)  # the outbox's five, at 10.0 .. 10.4
    assert limits.overall_wait(10.45) > 0  # its share is used up
    assert limits.reply_wait(3, 10.45) == 0  # a reply still goes at once
    limits.record(1, 10.5)
    limits.record(2, 10.6)
    # Seven in the window: a reply waits for the oldest to leave (at 11.0 and the margin), the
    # outbox for three of them (the third leaves at 11.2 and the margin).
    assert limits.reply_wait(3, 10.7) == pytest.approx(0.3 + OVERALL_MARGIN)
    assert limits.overall_wait(10.7) == pytest.approx(0.5 + OVERALL_MARGIN)


async def test_a_reply_holds_off_only_while_the_whole_window_is_full(
    api: FakeTelegram, ticks: Clock, tg: Bot, limits: SendLimits
) -> None:
    for i in range(28):  # 25 for the outbox and the 3 of headroom, all just now
        limits.record(100 + i, ticks.now)
    await tg.send_message(1, "the next question")
    assert ticks.slept == [pytest.approx(1.0 + OVERALL_MARGIN)]
    assert [c.ok for c in api.calls_to("sendMessage")] == [True]


async def test_after_a_429_the_reply_goes_before_the_outbox(
    api: FakeTelegram, tg: Bot, ticks: Clock, limits: SendLimits
) -> None:
    too_many(api, 2)
    start = ticks.now
    await tg.send_message(1, "the next question")
    assert ticks.slept == [2.0]
    # The outbox was told to keep off this chat until after the reply's retry went out.
    assert limits.wait_time(1, start + 2.0) > 0


async def test_replies_in_a_private_chat_may_burst_then_keep_pace(
    api: FakeTelegram, tg: Bot, ticks: Clock
) -> None:
    for i in range(5):
        await tg.send_message(1, f"answer {i}")
    # Three at once, then one a second (with the margin for arrival jitter).
    assert ticks.slept == [pytest.approx(1 + PRIVATE_MARGIN), pytest.approx(1 + PRIVATE_MARGIN)]
    assert [c.ok for c in api.calls_to("sendMessage")] == [True] * 5


async def test_the_outbox_has_slots_of_its_own(limits: SendLimits) -> None:
    inner = SlowRequest()
    request = LimitedRequest(inner, limits, max_in_flight=2, outbox_in_flight=1)

    async def from_outbox() -> None:
        outbox_send.set(OutboxTicket(1))
        await request.post("https://api.test/bot1:x/answerCallbackQuery")

    await asyncio.gather(
        *(request.post("https://api.test/bot1:x/answerCallbackQuery") for _ in range(6)),
        *(from_outbox() for _ in range(3)),
    )
    assert inner.most == 3  # two for handlers and one for the outbox, never more


async def test_replies_that_waited_together_do_not_go_together(api: FakeTelegram) -> None:
    """Each looks at the window again after waiting: they leave only as slots free up."""
    limits = SendLimits(per_second=2, reply_headroom=0, private_burst=10)
    now = time.monotonic()
    limits.record(100, now - 0.9)  # a full window that frees up in 0.1 s
    limits.record(101, now - 0.9)
    for uid in (1, 2, 3):
        api.user(uid, f"U{uid}")
        api.open_private(uid)
    bot = Bot(
        "123456:TEST-TOKEN", request=LimitedRequest(api, limits, max_in_flight=8), get_updates_request=api
    )
    await bot.initialize()
    try:
        await asyncio.gather(*(bot.send_message(uid, "hi") for uid in (1, 2, 3)))
    finally:
        await bot.shutdown()
    at = sorted(c.at for c in api.calls_to("sendMessage"))
    assert at[2] - at[0] >= 0.95  # two when the window freed, the third a second after the first

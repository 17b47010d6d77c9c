"""The bot's way to the Bot API: PTB's request object, with a gate and the bot's own limits.

Three things measured with the benchmarks (bench/, scenario 2) made this necessary:

- httpx's connection pool does bookkeeping on every request start and end that walks every
  pooled connection (with a ``poll()`` on each idle socket) and every request queued in the pool
  (encode/httpcore#1035, encode/httpx#3215). With PTB's default of 256 connections and dozens of
  concurrent updates, that cost 5-10 ms of CPU per request on a 2-core machine. A small pool
  behind an asyncio semaphore keeps waiting requests out of the pool, where waiting is cheap.
- Replies to a person's own action (the next question of a conversation, the answer to a
  command) go out directly, not through the outbox. They share Telegram's limits with the
  outbox all the same, so they are recorded in the sender's windows: the outbox gives way and
  does not fill a chat's budget right before a reply. They may use a little room above the
  outbox's overall share and hold off briefly only when even that is full, rather than meet a
  429. The outbox's own sends are recorded by the sender itself (``outbox_send`` marks them).
- A tap's answer (answerCallbackQuery) has slots and connections of its own: Telegram does not
  limit it, and queued behind other replies or the outbox it was what kept 500 tappers waiting
  ~1.5 s (bench/, scenario 1: 24 shared connections at a 50 ms round trip carry ~480 answers a
  second). A pool of their own also keeps a storm of answers from taking the connections the
  paced sends use: a send that has to open a new connection leaves later than it was decided,
  and holds its slot in the send windows all that time.
- When a direct reply still meets a 429, Telegram asks to wait ``retry_after`` and repeat; the
  handler would otherwise fail and the person would never get their answer (a conversation
  stalls). Short waits are waited out here; the outbox handles its own 429s by deferring rows.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.messaging.http_session import departure
from bot.messaging.ratelimit import SendLimits


@dataclass
class OutboxTicket:
    """One outbox item being sent: the slot the sender reserved for it in the send windows."""

    chat_id: int
    open: bool = True  # the reservation has not been turned into a stamp yet


# Set by the outbox sender around each of its sends: it paces and retries those itself, and the
# transport stamps the reserved slot when the request really leaves (see _Departure).
outbox_send: contextvars.ContextVar[OutboxTicket | None] = contextvars.ContextVar("outbox_send", default=None)

# Methods that put a message on a screen: what Telegram's limits count. answerCallbackQuery is
# not limited, and a tap's answer must never wait for anything but the network.
COUNTED = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "editMessageMedia",
    }
)
# Requests that wait for no limit and hold nothing up: the tap's answer (see the module docstring).
ANSWERS = frozenset({"answerCallbackQuery"})
RETRY_ATTEMPTS = 2
MAX_RETRY_WAIT = 10.0  # longer waits are not worth holding a person's reply for
REPLY_FIRST = 1.0  # after a 429 in a chat, the outbox holds back this much longer than a reply


class LimitedRequest(BaseRequest):
    """Wraps any BaseRequest (PTB's HTTPXRequest in production, the fake API in tests)."""

    def __init__(
        self,
        inner: BaseRequest,
        limits: SendLimits,
        *,
        max_in_flight: int,
        outbox_in_flight: int = 8,
        answers_in_flight: int | None = None,
        answers: BaseRequest | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self._inner = inner
        self._answers = answers if answers is not None else inner
        self._limits = limits
        self._gate = asyncio.Semaphore(max_in_flight)
        # The outbox has slots of its own: its sends leave when it stamped them, never after
        # waiting behind a burst of taps (a late send would bunch up with the next ones).
        self._outbox_gate = asyncio.Semaphore(outbox_in_flight)
        # Answers to taps have slots of their own too (as many as the replies' by default).
        self._answer_gate = asyncio.Semaphore(answers_in_flight or max_in_flight)
        self._mono = monotonic
        self._sleep = sleep
        self.retried = 0  # 429s waited out for direct replies (for logs and benchmarks)

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    @property
    def sends(self) -> BaseRequest:
        """What everything but taps' answers goes through."""
        return self._inner

    @property
    def answers(self) -> BaseRequest:
        """What taps' answers go through (the answer courier, when it is on)."""
        return self._answers

    async def initialize(self) -> None:
        await self._inner.initialize()
        if self._answers is not self._inner:
            await self._answers.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()
        if self._answers is not self._inner:
            await self._answers.shutdown()

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
        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        chat_id = _chat_id(request_data)
        ticket = outbox_send.get()
        counted = api_method in COUNTED and chat_id is not None
        direct = counted and ticket is None
        inner = self._inner
        if ticket is not None:
            gate = self._outbox_gate
        elif api_method in ANSWERS:
            gate, inner = self._answer_gate, self._answers
        else:
            gate = self._gate
        if ticket is not None and counted and not (ticket.open and ticket.chat_id == chat_id):
            # A further request of one outbox item (details edited into their placeholder,
            # several messages redacted) had no slot reserved: it waits for the overall window.
            while (hold := self._limits.overall_wait(self._mono())) > 0:
                await self._sleep(hold)
        attempt = 0
        while True:
            async with gate:
                leaving: _Departure | None = None
                if ticket is not None and counted:
                    assert chat_id is not None
                    if ticket.open and ticket.chat_id == chat_id:
                        ticket.open = False  # its slot was reserved when the outbox chose it
                    else:  # a second request for one item (e.g. redacting several messages)
                        self._limits.reserve(chat_id)
                    leaving = _Departure(self._limits, chat_id, self._mono, burst=True)
                if direct:
                    # Decided after waiting for a slot, not before.
                    assert chat_id is not None
                    await self._hold_off(chat_id)
                    self._limits.reserve_reply(chat_id, self._mono())
                    leaving = _Departure(self._limits, chat_id, self._mono, burst=False)
                context = departure.set(leaving) if leaving is not None else None
                try:
                    status, payload = await inner.do_request(
                        url,
                        method,
                        request_data,
                        read_timeout=read_timeout,
                        write_timeout=write_timeout,
                        connect_timeout=connect_timeout,
                        pool_timeout=pool_timeout,
                    )
                finally:
                    if context is not None:
                        departure.reset(context)
                    if leaving is not None:
                        leaving()  # a client that does not say when it sent: stamped now, late
            if status != 429 or not direct or attempt >= RETRY_ATTEMPTS:
                return status, payload
            wait = _retry_after(payload)
            if wait is None or wait > MAX_RETRY_WAIT:
                return status, payload
            assert chat_id is not None
            # The outbox waits a little longer than the reply, so the reply goes first.
            self._limits.pause(chat_id, self._mono() + wait + REPLY_FIRST)
            attempt += 1
            self.retried += 1
            await self._sleep(wait)

    async def _hold_off(self, chat_id: int) -> None:
        """Until the reply may go (looking again after each wait: others may have gone first)."""
        deadline = self._mono() + MAX_RETRY_WAIT
        while (hold := self._limits.reply_wait(chat_id, self._mono())) > 0:
            if self._mono() + hold > deadline:
                return  # better a possible 429 (waited out above) than holding a reply for long
            await self._sleep(hold)


class _Departure:
    """Stamps a counted request in the send windows once: when its first bytes reach the socket.

    Telegram counts a message when it arrives. Stamped when the transport decided to send it,
    a request could wait a loop turn or more before it left (on a busy loop, up to ~0.2 s was
    measured: bench/, scenario 2), and sends decided a second apart reached Telegram together
    and met its overall limit. Until it leaves, its slot is reserved and counts as used now.
    A client that does not report its departures (httpx, the tests' fake) is stamped when the
    request returns: later than it left, which errs on the slow side.
    """

    __slots__ = ("_burst", "_chat_id", "_limits", "_mono", "_open")

    def __init__(self, limits: SendLimits, chat_id: int, mono: Callable[[], float], *, burst: bool) -> None:
        self._limits, self._chat_id, self._mono, self._burst = limits, chat_id, mono, burst
        self._open = True

    def __call__(self) -> None:
        if self._open:  # a multipart body reports each of its pieces
            self._open = False
            self._limits.settle(self._chat_id, self._mono(), burst=self._burst)


def _chat_id(request_data: RequestData | None) -> int | None:
    if request_data is None:
        return None
    value = request_data.parameters.get("chat_id")
    if not isinstance(value, int | str):
        return None  # absent (or not a chat id at all)
    try:
        return int(value)
    except ValueError:
        return None  # an @channel username: not a chat the bot paces


def _retry_after(payload: bytes) -> float | None:
    try:
        seconds = json.loads(payload)["parameters"]["retry_after"]
    except (ValueError, KeyError, TypeError):
        return None
    return float(seconds) if isinstance(seconds, int | float) and seconds >= 0 else None

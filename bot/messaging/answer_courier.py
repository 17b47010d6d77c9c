"""Taps' answers (answerCallbackQuery) sent from a process of their own.

Under a stream of taps the bot's process is the limit: its event loop uses a whole core, and
answering the taps over HTTP was about a third of it, aiohttp's client alone ~23% (bench/,
scenario 2, py-spy on the saturated bot). With the answers costing nothing there (an
experiment that answered without HTTP) the bot handled 59% more taps a second. So the answers
leave from a child process (bot/messaging/courier_process.py) that runs the same aiohttp client:
the bot only frames each request into a pipe, many in one write per turn of its loop, and
gets status and body back, or PTB's TimedOut and NetworkError as the client would raise them.

If the child dies, the answers it held fail with NetworkError (a tap's answer is never
repeated: Telegram would refuse it, and the person may tap again) and the next answer starts
another. The answers carry no personal data; they are the text a person sees on their own
screen after a tap.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import pickle
import sys
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.messaging.aiohttp_request import Phases, form_post
from bot.messaging.courier_process import TIMED_OUT, Job, Reply
from bot.messaging.http_session import Proxy
from storage.piped_child import PipedChild

log = logging.getLogger(__name__)

_COMMAND = [sys.executable, "-m", "bot.messaging.courier_process"]


class AnswerCourier(BaseRequest):
    """A BaseRequest for form requests (a tap's answer has no files) carried by the child."""

    def __init__(
        self,
        connections: int,
        *,
        proxy: Proxy | None = None,
        phases: Phases | None = None,
        grace: float = 5.0,
    ) -> None:
        self._connections = connections
        # A child that is alive but stuck would hold every tap's update: past its own time
        # limit and this grace, an answer gives up on it (TimedOut) whatever the child does.
        self._grace = grace
        self._proxy = proxy
        self._phases = phases or Phases()
        self._child: PipedChild | None = None
        self._starting = asyncio.Lock()
        self._listening: asyncio.Task[None] | None = None
        self._numbers = itertools.count()
        self._pending: dict[int, asyncio.Future[tuple[int, bytes]]] = {}
        self._outgoing: list[Job] = []
        self._stopped = False
        self.starts = 0  # processes started: more than one means a child died

    @property
    def read_timeout(self) -> float | None:
        return self._phases.read

    @property
    def pid(self) -> int | None:
        child = self._child
        return child.pid if child is not None and child.running else None

    async def initialize(self) -> None:
        self._stopped = False
        await self._start()

    async def shutdown(self) -> None:
        """Answers handed over are finished by the child; then it ends (its stdin closed)."""
        self._stopped = True
        async with self._starting:
            self._flush()
            child, self._child = self._child, None
        if child is not None:
            await child.stop()
        if self._listening is not None:
            await self._listening
            self._listening = None
        self._fail_pending("the answer courier stopped")

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
        form = form_post(method, request_data, "the answer courier")
        if self._child is None:
            await self._start()
        limits = self._phases.limits(read_timeout, write_timeout, connect_timeout, pool_timeout, files=False)
        number = next(self._numbers)
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[tuple[int, bytes]] = loop.create_future()
        self._pending[number] = answer
        if not self._outgoing:
            loop.call_soon(self._flush)
        self._outgoing.append((number, url, form, limits))
        give_up = None
        if limits.total is not None:
            give_up = loop.call_later(limits.total + self._grace, _expire, answer)
        try:
            return await answer
        finally:
            self._pending.pop(number, None)
            if give_up is not None:
                give_up.cancel()

    async def _start(self) -> None:
        async with self._starting:  # taps that come while it starts wait for the one start
            if self._child is not None:
                return
            if self._stopped:
                raise NetworkError("the answer courier is stopped")
            try:
                child = await PipedChild.start(_COMMAND)
            except OSError as exc:
                raise NetworkError(f"the answer courier could not start: {exc}") from exc
            child.send(
                pickle.dumps(
                    (self._connections, self.USER_AGENT, self._proxy), protocol=pickle.HIGHEST_PROTOCOL
                )
            )
            self._child = child
            self._listening = asyncio.get_running_loop().create_task(self._listen(child))
            self.starts += 1

    def _flush(self) -> None:
        """This turn's requests, in one frame (those whose caller gave up stay here)."""
        jobs, self._outgoing = self._outgoing, []
        jobs = [
            job for job in jobs if (answer := self._pending.get(job[0])) is not None and not answer.done()
        ]
        if not jobs:
            return
        if self._child is None:  # it died, or the courier stopped, since they were handed over
            for number, *_ in jobs:
                _fail(self._pending.get(number), "the answer courier ended")
            return
        self._child.send(pickle.dumps(jobs, protocol=pickle.HIGHEST_PROTOCOL))

    async def _listen(self, child: PipedChild) -> None:
        try:
            while True:
                replies: list[Reply] = pickle.loads(await child.receive())
                for number, status, body in replies:
                    answer = self._pending.get(number)
                    if answer is None or answer.done():
                        continue  # its caller gave up (cancelled) meanwhile
                    if isinstance(status, int) and isinstance(body, bytes):
                        answer.set_result((status, body))
                    elif status == TIMED_OUT:
                        answer.set_exception(TimedOut(str(body)))
                    else:
                        answer.set_exception(NetworkError(str(body)))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # it ended: stopped, or died
        if self._child is child:  # died, not stopped: its answers fail, the next answer starts another
            self._child = None
            # Before the wait below: answers handed to a new child meanwhile are not this one's.
            self._fail_pending("the answer courier ended")
            code = await child.stop()
            log.error(
                "the answer courier's process ended (exit code %s); the next answer starts another", code
            )

    def _fail_pending(self, why: str) -> None:
        for answer in list(self._pending.values()):
            _fail(answer, why)


def _expire(answer: asyncio.Future[tuple[int, bytes]]) -> None:
    if not answer.done():
        answer.set_exception(TimedOut("the answer courier did not reply in time"))


def _fail(answer: asyncio.Future[tuple[int, bytes]] | None, why: str) -> None:
    if answer is not None and not answer.done():
        answer.set_exception(NetworkError(why))

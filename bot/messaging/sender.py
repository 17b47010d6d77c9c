"""The one task that delivers the outbox within Telegram's limits.

It keeps each chat's messages in order, never sends two messages to one chat at once, paces
every chat by its own window plus an overall one, and merges pending edits of one card into the
newest. What becomes of each row once sent (a 429 waited out for that chat only, a 403 never
retried) is bot/messaging/delivery.py's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from telegram import Bot

from bot.clock import Clock
from bot.messaging.delivery import Delivery
from bot.messaging.ratelimit import SendLimits
from bot.messaging.transport import OutboxTicket
from bot.messaging.writer import MessageWriter
from bot.models import QueuedRef
from bot.people.directory import Directory
from bot.people.notices import Notices
from storage.groups import GroupRepo
from storage.lease_holders import LeaseHolder
from storage.media import MediaRepo
from storage.members import MemberRepo
from storage.organisation import MembershipRepo
from storage.outbox import OutboxRepo
from storage.wishes import WishRepo

log = logging.getLogger(__name__)


class OutboxSender:
    def __init__(
        self,
        *,
        bot: Bot,
        outbox: OutboxRepo,
        wishes: WishRepo,
        groups: GroupRepo,
        members: MemberRepo,
        directory: Directory,
        notices: Notices,
        memberships: MembershipRepo,
        clock: Clock,
        limits: SendLimits,
        max_in_flight: int = 32,
        batch: int = 500,
        monotonic: Callable[[], float] = time.monotonic,
        observe: Callable[[str], None] = lambda _outcome: None,
        media: MediaRepo | None = None,
        wall_app: str = "",
    ) -> None:
        self._outbox = outbox
        self._clock = clock
        self._limits = limits
        self._max_in_flight = max_in_flight
        self._batch = batch
        self._mono = monotonic
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}  # chat_id -> its one send
        self._floor = 0  # no pending row has a lower id (0: not known yet)
        self._holder: LeaseHolder | None = None
        self._looked_for_stopped = asyncio.Event()  # set once a run has freed what it found
        writer = MessageWriter(
            bot=bot,
            outbox=outbox,
            wishes=wishes,
            groups=groups,
            directory=directory,
            clock=clock,
            media=media,
            wall_app=wall_app,
        )
        self._delivery = Delivery(
            writer=writer,
            outbox=outbox,
            wishes=wishes,
            groups=groups,
            members=members,
            directory=directory,
            notices=notices,
            memberships=memberships,
            clock=clock,
            limits=limits,
            monotonic=monotonic,
            observe=observe,
        )

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None or self._task.done():
            if self._holder is None:
                self._holder = self._outbox.take_holder()
                self._delivery.holder = self._holder.name if self._holder else None
            self._looked_for_stopped.clear()
            self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        """Stop taking new rows; sends already on the wire finish and are recorded."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        if self._holder is not None:
            self._holder.release()
            self._holder = None
            self._delivery.holder = None

    @property
    def sent(self) -> int:
        """Rows sent so far (for logs and benchmarks)."""
        return self._delivery.sent

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        self._wake.set()

    async def drain(self) -> None:
        """Wait until nothing due is left; rows deferred to later remain. Callers bound it."""
        # Not before the rows a stopped sender had taken are due again: they would look like
        # another sender's, due only when their leases run out.
        while self.running and not self._looked_for_stopped.is_set():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        while True:
            due = await self._outbox.queued(self._clock.now(), limit=1)
            if not due and not self._in_flight:
                return
            self.wake()
            await asyncio.sleep(0.01)

    # --- the loop -------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            freed = await self._outbox.free_stopped_leases(self._clock.now())
        except Exception:
            log.exception("could not look for messages a stopped sender had taken")
        else:
            if freed:
                log.info("%d message(s) a stopped sender had taken go again now", freed)
        self._looked_for_stopped.set()
        while True:
            try:
                pause = await self._pass()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox pass failed; retrying shortly")
                pause = 1.0
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await self._wake.wait()

    async def _pass(self) -> float:
        """Start every send that may go now; return how long to sleep before looking again.

        A backlog of thousands of rows is normal (a claim storm queues cards and details far
        faster than Telegram lets them out), and this runs after every finished send. So it
        reads nothing while the overall window is full, decides on bare (id, chat, key) tuples,
        and parses payloads only for the rows it actually sends: reading and parsing the whole
        head of the queue on every pass once took 40% of the event loop under load. It reads the
        head from the lowest pending row up (`OutboxRepo.queued`), a floor that only rises.
        """
        overall = self._limits.overall_wait(self._mono())
        if overall > 0:
            return overall
        if len(self._in_flight) >= self._max_in_flight:
            return 1.0  # a finishing send wakes the loop
        self._floor = await self._outbox.pending_floor(self._floor)
        refs = await self._outbox.queued(self._clock.now(), limit=self._batch, floor=self._floor)
        if not refs:
            self._limits.forget_idle(self._mono())
            return await self._idle_pause()
        newest_by_key: dict[str, QueuedRef] = {}
        for ref in refs:
            if ref.coalesce_key is not None:
                newest_by_key[ref.coalesce_key] = ref
        heads: dict[int, QueuedRef] = {}
        for ref in refs:
            heads.setdefault(ref.chat_id, ref)
        pause = 1.0 if len(refs) < self._batch else 0.05
        chosen: list[QueuedRef] = []
        try:
            for chat_id, head in heads.items():
                if chat_id in self._in_flight:
                    continue
                if len(self._in_flight) + len(chosen) >= self._max_in_flight:
                    pause = min(pause, 1.0)
                    break
                wait = self._limits.wait_time(chat_id, self._mono())
                if wait > 0:
                    pause = min(pause, wait)
                    continue
                self._limits.reserve(chat_id)
                chosen.append(newest_by_key.get(head.coalesce_key, head) if head.coalesce_key else head)
            items = {item.id: item for item in await self._outbox.get_many([ref.id for ref in chosen])}
        except BaseException:
            # Stopped (or failed) half-way: slots reserved for sends that will not start are freed,
            # or the chats would look busy for good to whoever uses these limits next.
            for ref in chosen:
                self._limits.unreserve(ref.chat_id)
            raise
        for ref in chosen:
            ticket = OutboxTicket(ref.chat_id)
            item = items.get(ref.id)
            if item is None:  # closed meanwhile (e.g. the chat turned out unreachable)
                self._limits.unreserve(ref.chat_id)
                continue
            task = asyncio.create_task(self._delivery.send(item, ticket), name=f"send-{item.id}")
            self._in_flight[item.chat_id] = task
            task.add_done_callback(self._when_done(ticket))
        return pause

    def _when_done(self, ticket: OutboxTicket) -> Callable[[asyncio.Task[None]], None]:
        return lambda _task: self._done(ticket)

    def _done(self, ticket: OutboxTicket) -> None:
        if ticket.open:
            # Nothing stamped it on the way out (no LimitedRequest, or it failed before sending):
            # count it as sent now, which errs on the slow side.
            ticket.open = False
            self._limits.settle(ticket.chat_id, self._mono())
        self._in_flight.pop(ticket.chat_id, None)
        self._wake.set()

    async def _idle_pause(self) -> float:
        upcoming = await self._outbox.next_not_before()
        if upcoming is None:
            return 5.0
        return max(0.01, min(5.0, (upcoming - self._clock.now()).total_seconds()))

"""The one task that delivers the outbox within Telegram's limits.

It keeps each chat's messages in order, never sends two messages to one chat at once, paces
every chat by its own window plus an overall one, waits out 429s for that chat only, merges
pending edits of one card into the newest, and never retries a 403.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.clock import Clock
from bot.messaging.ratelimit import SendLimits
from bot.messaging.transport import OutboxTicket, outbox_send
from bot.messaging.writer import NOT_MODIFIED, MessageWriter
from bot.models import OutboxItem, OutboxKind, OutboxStatus, QueuedRef
from bot.people.directory import Directory
from bot.people.notices import Notices
from storage.groups import GroupRepo
from storage.media import MediaRepo
from storage.members import MemberRepo
from storage.organisation import MembershipRepo
from storage.outbox import OutboxRepo
from storage.wishes import WishRepo

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# How long a row taken for sending stays another process's; a crash mid-send frees it after this.
LEASE_SECONDS = 60


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
        self._bot = bot
        self._media = media
        self._outbox = outbox
        self._wishes = wishes
        self._groups = groups
        self._members = members
        self._directory = directory
        self._notices = notices
        self._memberships = memberships
        self._clock = clock
        self._limits = limits
        self._max_in_flight = max_in_flight
        self._batch = batch
        self._mono = monotonic
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}  # chat_id -> its one send
        self._floor = 0  # no pending row has a lower id (0: not known yet)
        self._writer = MessageWriter(
            bot=bot,
            outbox=outbox,
            wishes=wishes,
            groups=groups,
            directory=directory,
            clock=clock,
            media=media,
            wall_app=wall_app,
        )
        self.sent = 0  # a counter for logs and benchmarks
        # Told "sent", "failed" or "429" as rows end or wait (the /metrics counters).
        self._observe = observe

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None or self._task.done():
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

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        self._wake.set()

    async def drain(self) -> None:
        """Wait until nothing due is left; rows deferred to later remain. Callers bound it."""
        while True:
            due = await self._outbox.queued(self._clock.now(), limit=1)
            if not due and not self._in_flight:
                return
            self.wake()
            await asyncio.sleep(0.01)

    # --- the loop -------------------------------------------------------------------------

    async def _run(self) -> None:
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
            task = asyncio.create_task(self._send_guarded(item, ticket), name=f"send-{item.id}")
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

    # --- one send -------------------------------------------------------------------------

    async def _send_guarded(self, item: OutboxItem, ticket: OutboxTicket) -> None:
        # This task's requests are paced here: the transport stamps the slot reserved for them.
        outbox_send.set(ticket)
        try:
            now = self._clock.now()
            if not await self._outbox.lease(item, now, now + timedelta(seconds=LEASE_SECONDS)):
                return  # another process is sending it
            await self._send(item)
        except Exception:
            log.exception("outbox item %s failed unexpectedly", item.id)
            await self._retry_later(item, "unexpected error")

    async def _send(self, item: OutboxItem) -> None:
        now = self._clock.now
        try:
            if item.kind is OutboxKind.CARD:
                shown = await self._writer.card(item)
                if not shown.shown:
                    await self._finish(item, OutboxStatus.FAILED, "card has no group")
                    return
                await self._finish(item, OutboxStatus.SENT, covers_through=shown.covers_through)
                return
            if item.kind is OutboxKind.REDACT:
                await self._writer.redact(item)
            elif item.kind is OutboxKind.MENU:
                await self._writer.menu(item)
            elif item.tracks_details and item.wish_id is not None:
                if not await self._writer.details(item):
                    await self._finish(item, OutboxStatus.SUPERSEDED, "no longer holds the wish")
                    return
            else:
                assert item.payload is not None
                await self._writer.rendered(item.chat_id, item.payload)
        except RetryAfter as exc:
            self._observe("429")
            seconds = _seconds(exc.retry_after)
            self._limits.pause(item.chat_id, self._mono() + seconds)
            await self._outbox.defer(item, now() + timedelta(seconds=seconds), f"429 retry after {seconds}s")
            return
        except ChatMigrated as exc:
            group = await self._groups.get(item.chat_id)
            await self._groups.migrate(item.chat_id, exc.new_chat_id)
            await self._outbox.retarget(item.chat_id, exc.new_chat_id)
            if group is not None:
                await self._notices.to_coordinators(
                    group.community_id, "notice.group_moved", title=group.title
                )
            return
        except Forbidden as exc:
            await self._unreachable(item, str(exc))
            return
        except BadRequest as exc:
            message = str(exc)
            if NOT_MODIFIED in message.lower():
                await self._finish(item, OutboxStatus.SENT)
                return
            log.warning("outbox item %s refused by Telegram: %s", item.id, message)
            await self._finish(item, OutboxStatus.FAILED, message)
            return
        except (NetworkError, TelegramError) as exc:
            await self._retry_later(item, str(exc))
            return
        await self._finish(item, OutboxStatus.SENT)

    async def _finish(
        self,
        item: OutboxItem,
        status: OutboxStatus,
        error: str | None = None,
        *,
        covers_through: int | None = None,
    ) -> None:
        await self._outbox.finish(item, status, self._clock.now(), error, covers_through=covers_through)
        if status is OutboxStatus.SENT:
            self.sent += 1
            self._observe("sent")
        elif status is OutboxStatus.FAILED:
            self._observe("failed")

    async def _retry_later(self, item: OutboxItem, error: str) -> None:
        if item.attempts + 1 >= MAX_ATTEMPTS:
            log.error("outbox item %s gave up after %s attempts: %s", item.id, MAX_ATTEMPTS, error)
            self._observe("failed")
            await self._outbox.finish(item, OutboxStatus.FAILED, self._clock.now(), error)
            return
        backoff = min(300, 2 ** (item.attempts + 1))
        await self._outbox.defer(item, self._clock.now() + timedelta(seconds=backoff), error)

    async def _unreachable(self, item: OutboxItem, error: str) -> None:
        now = self._clock.now()
        await self._outbox.finish(item, OutboxStatus.UNREACHABLE, now, error)
        await self._outbox.close_pending_for_chat(item.chat_id, OutboxStatus.UNREACHABLE, now, error)
        if item.chat_id > 0:
            if await self._members.mark_unreachable(item.chat_id, now):
                await self._tell_coordinators_unreachable(item.chat_id)
        else:
            group = await self._groups.get(item.chat_id)
            if group is not None and await self._groups.set_active(item.chat_id, False):
                await self._notices.to_coordinators(
                    group.community_id, "notice.group_lost", title=group.title
                )

    async def _tell_coordinators_unreachable(self, user_id: int) -> None:
        """Once per member, when they first turn out to be unreachable."""
        name = await self._directory.name_of(user_id)
        held = await self._wishes.held_by(user_id)
        membership = await self._memberships.get(user_id)
        community = membership.community_id if membership else (held[0].community_id if held else None)
        if community is None:
            return
        await self._notices.to_coordinators(
            community,
            "notice.unreachable",
            exclude=user_id,
            name=name,
            codes=", ".join(w.code for w in held) or "-",
        )


def _seconds(retry_after: int | timedelta) -> float:
    if isinstance(retry_after, timedelta):
        return max(1.0, retry_after.total_seconds())
    return max(1.0, float(retry_after))

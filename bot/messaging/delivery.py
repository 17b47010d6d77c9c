"""One outbox row on its way: leased, written to Telegram (bot/messaging/writer.py) and recorded
as what came of it: sent, failed, deferred (a 429, a network error, with backoff), superseded, or
unreachable (a 403: the member or group is marked, and the coordinators are told once).

The sender (bot/messaging/sender.py) decides which rows go when; this decides what each one's
outcome means.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.clock import Clock
from bot.messaging.ratelimit import SendLimits
from bot.messaging.transport import OutboxTicket, outbox_send
from bot.messaging.writer import NOT_MODIFIED, MessageWriter
from bot.models import OutboxItem, OutboxKind, OutboxStatus
from bot.people.directory import Directory
from bot.people.notices import Notices
from storage.groups import GroupRepo
from storage.members import MemberRepo
from storage.organisation import MembershipRepo
from storage.outbox import OutboxRepo
from storage.wishes import WishRepo

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# How long a row taken for sending stays another process's. A sender that is killed mid-send
# is seen at once by the next one to start (storage/lease_holders.py), which sends its rows
# again; the time is for what that cannot see (a sender without a name, one that hangs).
LEASE_SECONDS = 60


class Delivery:
    def __init__(
        self,
        *,
        writer: MessageWriter,
        outbox: OutboxRepo,
        wishes: WishRepo,
        groups: GroupRepo,
        members: MemberRepo,
        directory: Directory,
        notices: Notices,
        memberships: MembershipRepo,
        clock: Clock,
        limits: SendLimits,
        monotonic: Callable[[], float] = time.monotonic,
        observe: Callable[[str], None] = lambda _outcome: None,
    ) -> None:
        self._writer = writer
        self._outbox = outbox
        self._wishes = wishes
        self._groups = groups
        self._members = members
        self._directory = directory
        self._notices = notices
        self._memberships = memberships
        self._clock = clock
        self._limits = limits
        self._mono = monotonic
        # Told "sent", "failed" or "429" as rows end or wait (the /metrics counters).
        self._observe = observe
        self.sent = 0  # a counter for logs and benchmarks
        self.holder: str | None = None  # the sender's name on the rows it leases (set by it)

    async def send(self, item: OutboxItem, ticket: OutboxTicket) -> None:
        # This task's requests are paced here: the transport stamps the slot reserved for them.
        outbox_send.set(ticket)
        try:
            now = self._clock.now()
            until = now + timedelta(seconds=LEASE_SECONDS)
            if not await self._outbox.lease(item, now, until, self.holder):
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

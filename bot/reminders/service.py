"""Reminders: due soon, the overdue chase with its escalation, and the unclaimed nudge.

Each pass takes an explicit `now`, works out from the database what is due at that instant in
each community's own time zone, and queues the messages through the outbox in the same
transaction that records them in `reminders` — so a pass that runs twice, late, after a restart
or from a second process sends each reminder once. Nothing is kept in memory between passes.

What each member, group and coordinator receives, and when, is described in the README
("Reminders and the weekly report"); the rules below are the same in code. What the messages look
like is in bot/reminders/cards.py, what holders and coordinators answer in bot/reminders/answers.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from bot.clock import Clock
from bot.models import Community, Member, NewOutbox, Reminder, ReminderKind, Wish
from bot.people.directory import Directory
from bot.people.policies import Actor
from bot.reminders.answers import ChaseKept, ExtensionOffer, ReminderAnswers
from bot.reminders.auto_release import AutoReleaser
from bot.reminders.cards import (
    MAX_LISTED,
    due_soon_card,
    escalation_card,
    holder_buttons,
    message_to,
    nudge_card,
    overdue_card,
    reminder_button,
    without_wish,
)
from bot.settings import Settings
from bot.timing import at_local, community_zone, daily_slot, in_quiet_hours, send_hour
from bot.wishes.lifecycle import WishService
from storage.db import Database
from storage.events import EventRepo
from storage.groups import GroupRepo
from storage.members import MemberRepo
from storage.organisation import CommunityRepo
from storage.outbox import OutboxRepo
from storage.releases import ReleaseRepo
from storage.reminders import ReminderRepo

# The messages (cards.py) and the answers (answers.py) stay importable from here too.
__all__ = [
    "MAX_LISTED",
    "MAX_NUDGED",
    "ChaseKept",
    "ExtensionOffer",
    "ReminderService",
    "due_soon_card",
    "escalation_card",
    "holder_buttons",
    "nudge_card",
    "overdue_card",
    "reminder_button",
    "without_wish",
]

# A group nudge lists at most this many wishes; the rest come in a later nudge.
MAX_NUDGED = 20


@dataclass
class Unit:
    """Messages that go together with the reminder rows that make them 'sent'."""

    reminders: list[Reminder]
    items: list[NewOutbox]
    # Skip the unit when this recipient already had this kind of message for the period.
    once_per: tuple[ReminderKind, int, str] | None = None


class ReminderService:
    def __init__(
        self,
        *,
        db: Database,
        repo: ReminderRepo,
        communities: CommunityRepo,
        members: MemberRepo,
        groups: GroupRepo,
        directory: Directory,
        outbox: OutboxRepo,
        events: EventRepo,
        wishes: WishService,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self._db = db
        self._repo = repo
        self._communities = communities
        self._members = members
        self._groups = groups
        self._directory = directory
        self._outbox = outbox
        self._settings = settings
        self._answers = ReminderAnswers(
            communities=communities, events=events, wishes=wishes, settings=settings, clock=clock
        )
        self._auto_release = AutoReleaser(releases=ReleaseRepo(db), reminders=repo, wishes=wishes)

    def zone(self, community: Community) -> tzinfo:
        return community_zone(community, self._settings.zone)

    # --- due soon -------------------------------------------------------------------------

    async def due_soon(self, now: datetime) -> int:
        """A day before a claimed wish is due, at the reminder hour, its holder is reminded once.

        A pass that comes later (the bot was down) still reminds until the end of the due day
        ("due today"). A wish claimed after that moment gets no due-soon reminder: its holder
        took it knowing the date.
        """
        queued = 0
        for community in await self._communities.all():
            zone = self.zone(community)
            local = now.astimezone(zone)
            if in_quiet_hours(local.hour, community):
                continue
            today = local.date()
            hour = send_hour(community.reminder_hour, community)
            wishes = []
            for wish in await self._repo.claimed_due_between(community.id, today, today + timedelta(days=1)):
                moment = at_local(wish.due_date - timedelta(days=1), hour, zone)
                if now >= moment and wish.claimed_at is not None and wish.claimed_at < moment:
                    wishes.append(wish)
            holders = await self._reachable({w.holder_id for w in wishes if w.holder_id is not None})
            units: list[Unit] = []
            for wish in wishes:
                holder = holders.get(wish.holder_id or 0)
                if holder is None:
                    continue  # unreachable: coordinators were told when it first failed
                reminder = Reminder(
                    kind=ReminderKind.DUE_SOON,
                    community_id=community.id,
                    wish_id=wish.id,
                    recipient=holder.user_id,
                    period=wish.due_date.isoformat(),
                    due_date=wish.due_date,
                )
                card = due_soon_card(wish, holder.lang, today)
                units.append(Unit([reminder], [message_to(holder.user_id, card)]))
            queued += await self._commit(units, now)
        return queued

    # --- the overdue chase ----------------------------------------------------------------

    async def overdue(self, now: datetime) -> int:
        """Every day at the reminder hour each holder of overdue wishes gets one message listing
        them; when a wish has had `escalate_after` reminders (and again after as many more), the
        community's coordinators get an escalation with Extend / Reassign / Keep chasing. A holder
        the bot cannot reach gets nothing and the coordinators get the escalation at once."""
        queued = 0
        for community in await self._communities.all():
            local = now.astimezone(self.zone(community))
            today = daily_slot(local, community.reminder_hour, community)
            if today is None:
                continue
            overdue = await self._repo.overdue(community.id, today)
            # Stale claims go back to open first (bot/reminders/auto_release.py): not chased today.
            released = await self._auto_release.run(community, today, overdue)
            queued += len(released)
            overdue = [w for w in overdue if w.id not in released]
            if not overdue:
                continue
            by_holder: dict[int, list[Wish]] = defaultdict(list)
            for wish in overdue:
                if wish.holder_id is not None:
                    by_holder[wish.holder_id].append(wish)
            reachable = await self._reachable(set(by_holder))
            names = {uid: await self._directory.name_of(uid) for uid in by_holder}
            coordinators = list(
                (await self._reachable(set(await self._directory.coordinators(community.id)))).values()
            )
            period = today.isoformat()
            queued += await self._chase(
                community, today, period, by_holder, reachable, names, coordinators, now
            )
        return queued

    async def _chase(
        self,
        community: Community,
        today: date,
        period: str,
        by_holder: dict[int, list[Wish]],
        reachable: dict[int, Member],
        names: dict[int, str],
        coordinators: list[Member],
        now: datetime,
    ) -> int:
        queued = 0
        async with self._db.transaction() as conn:
            for holder_id, wishes in by_holder.items():
                member = reachable.get(holder_id)
                if member is not None and not await self._repo.any_sent(
                    ReminderKind.OVERDUE, holder_id, period, conn
                ):
                    rows = [
                        Reminder(
                            kind=ReminderKind.OVERDUE,
                            community_id=community.id,
                            wish_id=w.id,
                            recipient=holder_id,
                            period=period,
                            due_date=w.due_date,
                        )
                        for w in wishes
                    ]
                    if await self._repo.record(conn, rows, now):
                        await self._outbox.enqueue(
                            conn, [message_to(holder_id, overdue_card(wishes, member.lang, today))], now
                        )
                        queued += 1
                for wish in wishes:
                    if member is None:
                        count, key = 0, f"{holder_id}:{wish.due_date.isoformat()}#unreachable"
                    else:
                        count = await self._repo.count(
                            ReminderKind.OVERDUE, wish.id, holder_id, wish.due_date, conn
                        )
                        if count < community.escalate_after:
                            continue
                        # Again after as many more reminders: the n-th escalation has its own key.
                        nth = count // community.escalate_after
                        key = f"{holder_id}:{wish.due_date.isoformat()}#{nth}"
                    for coordinator in coordinators:
                        row = Reminder(
                            kind=ReminderKind.ESCALATION,
                            community_id=community.id,
                            wish_id=wish.id,
                            recipient=coordinator.user_id,
                            period=key,
                            due_date=wish.due_date,
                        )
                        if await self._repo.record(conn, [row], now):
                            card = escalation_card(
                                wish,
                                coordinator.lang,
                                today,
                                holder=names.get(holder_id, str(holder_id)),
                                reminders=count,
                                unreachable=member is None,
                            )
                            await self._outbox.enqueue(conn, [message_to(coordinator.user_id, card)], now)
                            queued += 1
        return queued

    # --- answers to reminders (bot/reminders/answers.py) ------------------------------------

    async def keep_chasing(self, actor: Actor, wish_id: int) -> ChaseKept:
        return await self._answers.keep_chasing(actor, wish_id)

    async def extension_offer(self, actor: Actor, wish_id: int) -> ExtensionOffer:
        return await self._answers.extension_offer(actor, wish_id)

    async def extend(self, actor: Actor, wish_id: int, new_due: date) -> Wish:
        return await self._answers.extend(actor, wish_id, new_due)

    # --- the unclaimed nudge --------------------------------------------------------------

    async def unclaimed(self, now: datetime) -> int:
        """At the reminder hour each bound group gets one message listing its posted wishes that
        have stayed unclaimed for more than `unclaimed_days`, each with its Claim button; a wish
        is listed again only after as many days more (not every day)."""
        queued = 0
        for community in await self._communities.all():
            local = now.astimezone(self.zone(community))
            today = daily_slot(local, community.reminder_hour, community)
            if today is None:
                continue
            days = community.unclaimed_days
            stale = await self._repo.open_since_before(community.id, now - timedelta(days=days))
            by_chat: dict[int, list[Wish]] = defaultdict(list)
            for posted in stale:
                by_chat[posted.chat_id].append(posted.wish)
            units: list[Unit] = []
            period = today.isoformat()
            for chat_id, wishes in by_chat.items():
                if await self._repo.any_sent(ReminderKind.UNCLAIMED, chat_id, period):
                    continue
                due_again = []
                for wish in wishes:
                    last = await self._repo.last_period(ReminderKind.UNCLAIMED, wish.id, chat_id)
                    if last is None or (today - date.fromisoformat(last)).days >= days:
                        due_again.append(wish)
                due_again = due_again[:MAX_NUDGED]
                group = await self._groups.get(chat_id)
                if not due_again or group is None:
                    continue
                rows = [
                    Reminder(
                        kind=ReminderKind.UNCLAIMED,
                        community_id=community.id,
                        wish_id=w.id,
                        recipient=chat_id,
                        period=period,
                        due_date=w.due_date,
                    )
                    for w in due_again
                ]
                card = nudge_card(due_again, group.lang, days)
                once = (ReminderKind.UNCLAIMED, chat_id, period)
                units.append(Unit(rows, [message_to(chat_id, card)], once))
            queued += await self._commit(units, now)
        return queued

    # --- machinery ------------------------------------------------------------------------

    async def _reachable(self, user_ids: set[int]) -> dict[int, Member]:
        """Registered people the bot can still write to (a 403 marks them unreachable)."""
        found = await self._members.get_many(sorted(user_ids))
        return {uid: m for uid, m in found.items() if m.unreachable_at is None}

    async def _commit(self, units: list[Unit], now: datetime) -> int:
        """Record and queue every unit in one transaction; a unit already recorded is skipped."""
        if not units:
            return 0
        queued = 0
        async with self._db.transaction() as conn:
            for unit in units:
                if unit.once_per is not None and await self._repo.any_sent(*unit.once_per, conn):
                    continue
                if await self._repo.record(conn, unit.reminders, now):
                    await self._outbox.enqueue(conn, unit.items, now)
                    queued += len(unit.items)
        return queued

"""Reminders: due soon, the overdue chase with its escalation, and the unclaimed nudge.

Each pass takes an explicit `now`, works out from the database what is due at that instant in
each community's own time zone, and queues the messages through the outbox in the same
transaction that records them in `reminders` — so a pass that runs twice, late, after a restart
or from a second process sends each reminder once. Nothing is kept in memory between passes.

What each member, group and coordinator receives, and when, is described in the README
("Reminders and the weekly report"); the rules below are the same in code.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from bot.callbacks import ReminderButton, ReminderCallback, WishButton, WishCallback
from bot.clock import Clock, local_today
from bot.errors import IllegalTransition, NotAllowed
from bot.models import (
    Action,
    Button,
    Community,
    Frozen,
    Member,
    NewOutbox,
    OutboxKind,
    Reminder,
    ReminderKind,
    Rendered,
    Wish,
    WishStatus,
)
from bot.people.directory import Directory
from bot.people.policies import Actor, check
from bot.settings import Settings
from bot.texts import t
from bot.timing import (
    at_local,
    community_zone,
    daily_slot,
    extension_window,
    in_quiet_hours,
    send_hour,
)
from bot.wishes import cards
from bot.wishes.lifecycle import WishService
from storage.db import Database
from storage.events import EventRepo
from storage.groups import GroupRepo
from storage.members import MemberRepo
from storage.organisation import CommunityRepo
from storage.outbox import OutboxRepo
from storage.reminders import ReminderRepo

# One message lists at most this many wishes with buttons (Telegram allows 100 buttons a message).
MAX_LISTED = 10
# A group nudge lists at most this many wishes; the rest come in a later nudge.
MAX_NUDGED = 20


class ChaseKept(Frozen):
    wish: Wish
    holder_name: str
    again_after: int  # reminders until the next escalation


class ExtensionOffer(Frozen):
    wish: Wish
    by_holder: bool
    base: date  # the later of the due date and today: quick choices count from here
    earliest: date
    latest: date
    choices: list[date]
    holder_name: str


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
        self._clock = clock
        self._repo = repo
        self._communities = communities
        self._members = members
        self._groups = groups
        self._directory = directory
        self._outbox = outbox
        self._events = events
        self._wishes = wishes
        self._settings = settings

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
                units.append(Unit([reminder], [_to(holder.user_id, card)]))
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
                            conn, [_to(holder_id, overdue_card(wishes, member.lang, today))], now
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
                            await self._outbox.enqueue(conn, [_to(coordinator.user_id, card)], now)
                            queued += 1
        return queued

    async def keep_chasing(self, actor: Actor, wish_id: int) -> ChaseKept:
        """A coordinator leaves an overdue wish with its holder; recorded, nothing else changes
        (the daily reminders go on, and the next escalation comes after as many again)."""
        wish = await self._wishes.get(wish_id)
        if not actor.coordinates(wish.community_id):
            raise NotAllowed("err.coordinators_only")
        if wish.status is not WishStatus.CLAIMED:
            raise IllegalTransition(code=wish.code, status_key=f"status.{wish.status.value}")
        await self._events.record(
            action="keep_chasing",
            at=self._clock.now(),
            actor_id=actor.user_id,
            wish_id=wish.id,
            community_id=wish.community_id,
            details={"holder": wish.holder_id, "due": wish.due_date.isoformat()},
        )
        community = await self._community(wish.community_id)
        return ChaseKept(
            wish=wish,
            holder_name=await self._wishes.holder_name(wish) or "?",
            again_after=community.escalate_after,
        )

    # --- need more time / extend ----------------------------------------------------------

    async def extension_offer(self, actor: Actor, wish_id: int) -> ExtensionOffer:
        """What a holder (or a coordinator) may choose as the new due date of a claimed wish."""
        wish = await self._wishes.get(wish_id)
        check(actor, Action.EXTEND, wish, wish.community_id)
        if wish.status is not WishStatus.CLAIMED:
            raise IllegalTransition(code=wish.code, status_key=f"status.{wish.status.value}")
        community = await self._community(wish.community_id)
        today = local_today(self._clock.now(), self.zone(community))
        by_holder = wish.holder_id == actor.user_id
        earliest, latest = extension_window(
            wish.due_date, today, community.max_extension_days, by_coordinator=not by_holder
        )
        base = max(wish.due_date, today)
        steps = sorted({3, 7, community.max_extension_days})
        choices = [base + timedelta(days=d) for d in steps if earliest <= base + timedelta(days=d) <= latest]
        return ExtensionOffer(
            wish=wish,
            by_holder=by_holder,
            base=base,
            earliest=earliest,
            latest=latest,
            choices=choices,
            holder_name=await self._wishes.holder_name(wish) or "?",
        )

    async def extend(self, actor: Actor, wish_id: int, new_due: date) -> Wish:
        wish = await self._wishes.get(wish_id)
        community = await self._community(wish.community_id)
        return await self._wishes.extend(actor, wish_id, new_due, community=community)

    async def _community(self, community_id: int) -> Community:
        community = await self._communities.get(community_id)
        assert community is not None  # wishes always belong to an existing community
        return community

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
                units.append(Unit(rows, [_to(chat_id, card)], (ReminderKind.UNCLAIMED, chat_id, period)))
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


# --- what the messages look like (pure) ---------------------------------------------------------


def _to(chat_id: int, rendered: Rendered) -> NewOutbox:
    return NewOutbox(kind=OutboxKind.MESSAGE, chat_id=chat_id, payload=rendered)


def reminder_button(lang: str, action: ReminderButton, wish_id: int, label_key: str, **params: str) -> Button:
    return Button(
        text=t(lang, label_key, **params),
        callback_data=ReminderCallback(action=action, wish_id=wish_id).pack(),
    )


def holder_buttons(lang: str, wish: Wish, *, with_code: bool) -> tuple[Button, ...]:
    """Mark delivered (the existing delivery flow), Need more time, Release."""
    code = {"code": wish.code} if with_code else {}
    suffix = "_code" if with_code else ""
    return (
        Button(
            text=t(lang, f"btn.deliver{suffix}", **code),
            callback_data=WishCallback(action=WishButton.DELIVER, wish_id=wish.id).pack(),
        ),
        reminder_button(lang, ReminderButton.MORE_TIME, wish.id, f"btn.more_time{suffix}", **code),
        reminder_button(lang, ReminderButton.RELEASE, wish.id, f"btn.release{suffix}", **code),
    )


def _wish_line(wish: Wish, lang: str) -> str:
    return t(
        lang,
        "remind.wish_line",
        description=wish.description,
        masked=cards.mask_name(wish.beneficiary_name),
        category=t(lang, f"cat.{wish.category.value}"),
    )


def due_soon_card(wish: Wish, lang: str, today: date) -> Rendered:
    key = "remind.due_today" if wish.due_date <= today else "remind.due_tomorrow"
    lines = [
        t(lang, key, code=wish.code, due=cards.format_date(wish.due_date)),
        _wish_line(wish, lang),
        t(lang, "remind.due_footer"),
    ]
    return Rendered(text="\n".join(lines), buttons=(holder_buttons(lang, wish, with_code=False),))


def overdue_card(wishes: list[Wish], lang: str, today: date) -> Rendered:
    lines = [t(lang, "remind.overdue_header", count=len(wishes))]
    for wish in wishes[:MAX_LISTED]:
        lines.append(
            t(
                lang,
                "remind.overdue_line",
                code=wish.code,
                description=wish.description,
                due=cards.format_date(wish.due_date),
                days=(today - wish.due_date).days,
            )
        )
    if len(wishes) > MAX_LISTED:
        lines.append(t(lang, "remind.overdue_more", count=len(wishes) - MAX_LISTED))
    lines.append(t(lang, "remind.overdue_footer"))
    single = len(wishes) == 1
    buttons = tuple(holder_buttons(lang, w, with_code=not single) for w in wishes[:MAX_LISTED])
    return Rendered(text="\n".join(lines), buttons=buttons)


def escalation_card(
    wish: Wish, lang: str, today: date, *, holder: str, reminders: int, unreachable: bool
) -> Rendered:
    params = {
        "code": wish.code,
        "description": wish.description,
        "days": (today - wish.due_date).days,
        "due": cards.format_date(wish.due_date),
        "holder": holder,
    }
    if unreachable:
        head = t(lang, "chase.escalation_unreachable", **params)
    else:
        head = t(lang, "chase.escalation", count=reminders, **params)
    text = head + "\n\n" + t(lang, "chase.escalation_footer", holder=holder)
    buttons = (
        (
            reminder_button(lang, ReminderButton.EXTEND, wish.id, "btn.extend"),
            reminder_button(lang, ReminderButton.REASSIGN, wish.id, "btn.reassign"),
            reminder_button(lang, ReminderButton.KEEP, wish.id, "btn.keep_chasing"),
        ),
    )
    return Rendered(text=text, buttons=buttons)


def nudge_card(wishes: list[Wish], lang: str, days: int) -> Rendered:
    """Goes to a group: masked name and category only, like the wish cards."""
    lines = [t(lang, "nudge.header", days=days)]
    for wish in wishes:
        lines.append(
            t(
                lang,
                "nudge.line",
                code=wish.code,
                masked=cards.mask_name(wish.beneficiary_name),
                category=t(lang, f"cat.{wish.category.value}"),
                description=wish.description,
                due=cards.format_date(wish.due_date),
            )
        )
    lines.append(t(lang, "nudge.footer"))
    buttons = tuple(
        (
            Button(
                text=t(lang, "btn.claim_code", code=w.code),
                callback_data=WishCallback(action=WishButton.CLAIM, wish_id=w.id).pack(),
            ),
        )
        for w in wishes
    )
    return Rendered(text="\n".join(lines), buttons=buttons)


def without_wish(rendered: Rendered, wish_id: int, note: str) -> Rendered:
    """A reminder after one of its wishes was dealt with: that wish's buttons go, a line says why."""
    packed = {ReminderCallback(action=a, wish_id=wish_id).pack() for a in ReminderButton} | {
        WishCallback(action=a, wish_id=wish_id).pack() for a in WishButton
    }
    rows = tuple(
        kept for row in rendered.buttons if (kept := tuple(b for b in row if b.callback_data not in packed))
    )
    return Rendered(text=rendered.text + "\n\n" + note, buttons=rows)

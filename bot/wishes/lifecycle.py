"""The wish lifecycle: the only code that changes a wish's state, behind one facade.

`WishService` is what handlers and the other features call; it reads wishes for them and hands
each change to the part that knows it, every one through the same transaction template:

- graph.py        the states and the only moves between them (EDGES, GRAPH), and the limits
- transitions.py  the template: read, check the policy, one conditional write, one event, the
                  outbox rows, all in one transaction (or, for the common claim, one trip)
- effects.py      the messages each change causes, one small function per change
- claims.py       claims, joint wishes filling up and emptying, releases, a removed member
- intake.py       creation (one or an imported sheet), review, joint size, posting
- fulfilment.py   more time, delivery, confirmation, dispute, reopening
- hours.py        service hours restated by the holder or corrected by a coordinator
- handover.py     a holder's claim offered to another member, who takes it over (or not)
- releases.py     why wishes go back to open, and the scheduler's release of a stale claim
- reassign.py     a coordinator giving a claimed wish to another member
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from bot.clock import Clock
from bot.errors import NotAllowed
from bot.models import Action, Community, Event, ImportedWish, Wish, WishDraft, WishStatus
from bot.people.directory import Directory
from bot.people.policies import Actor
from bot.wishes.claims import Claims, Withdrawal
from bot.wishes.effects import card_key
from bot.wishes.fulfilment import Fulfilment
from bot.wishes.graph import EDGES, GRAPH, MAX_JOINT, MAX_NOTE, MAX_REASON
from bot.wishes.handover import Handovers
from bot.wishes.hours import HoursChanges
from bot.wishes.intake import Intake, check_value
from bot.wishes.reassign import Reassignment
from bot.wishes.releases import AutoRelease, ReleaseReason, count_reasons, ended_claims
from bot.wishes.transitions import Hook, Transitions, wrong_state
from storage.db import Database
from storage.events import EventRepo
from storage.groups import GroupRepo
from storage.handover import HandoverRepo
from storage.organisation import CommunityRepo
from storage.outbox import OutboxRepo
from storage.releases import ReleaseRepo
from storage.wishes import WishRepo

__all__ = [
    "EDGES",
    "GRAPH",
    "MAX_JOINT",
    "MAX_NOTE",
    "MAX_REASON",
    "WishService",
    "Withdrawal",
    "card_key",
    "check_value",
]


class WishService:
    def __init__(
        self,
        *,
        db: Database,
        wishes: WishRepo,
        events: EventRepo,
        outbox: OutboxRepo,
        groups: GroupRepo,
        communities: CommunityRepo,
        directory: Directory,
        clock: Clock,
        on_outbox: Callable[[], None] = lambda: None,
        card_settle_seconds: float = 0.0,
    ) -> None:
        self._wishes = wishes
        self._events = events
        self._communities = communities
        self._clock = clock
        self.transitions = Transitions(
            db=db,
            wishes=wishes,
            events=events,
            outbox=outbox,
            communities=communities,
            directory=directory,
            clock=clock,
            on_outbox=on_outbox,
            card_settle_seconds=card_settle_seconds,
        )
        self.claims = Claims(self.transitions, wishes, directory)
        self.intake = Intake(self.transitions, wishes, groups, directory)
        self.fulfilment = Fulfilment(self.transitions, clock)
        self.hours = HoursChanges(self.transitions)
        self.handover = Handovers(
            db=db,
            transitions=self.transitions,
            wishes=wishes,
            events=events,
            outbox=outbox,
            offers=HandoverRepo(db),
            directory=directory,
            clock=clock,
        )
        self.auto_release = AutoRelease(self.transitions)
        self._releases = ReleaseRepo(db)
        self.reassignment = Reassignment(self.transitions, self.claims, wishes, directory, clock)

    # The sender's wake-up call, and how long a card edit waits for more changes: set after
    # construction (the sender exists later; tests choose the settle time).

    @property
    def on_outbox(self) -> Callable[[], None]:
        return self.transitions.on_outbox

    @on_outbox.setter
    def on_outbox(self, wake: Callable[[], None]) -> None:
        self.transitions.on_outbox = wake

    @property
    def card_settle_seconds(self) -> float:
        return self.transitions.card_settle_seconds

    @card_settle_seconds.setter
    def card_settle_seconds(self, seconds: float) -> None:
        self.transitions.card_settle_seconds = seconds

    # --- reads ----------------------------------------------------------------------------

    async def get(self, wish_id: int) -> Wish:
        return await self.transitions.get(wish_id)

    async def community(self, community_id: int) -> Community:
        return await self.transitions.community(community_id)

    async def pending(self, actor: Actor) -> list[Wish]:
        """Pending wishes of every community the actor coordinates."""
        found: list[Wish] = []
        for community in await self._communities.all():
            if actor.coordinates(community.id):
                found += await self._wishes.list_by_status(community.id, WishStatus.PENDING)
        if not actor.is_coordinator:
            raise NotAllowed("err.coordinators_only")
        return found

    async def held_by(self, actor: Actor) -> list[Wish]:
        return await self._wishes.held_by(actor.user_id)

    async def holder_name(self, wish: Wish) -> str | None:
        return await self.transitions.holder_name(wish)

    async def history(self, actor: Actor, wish_id: int) -> tuple[Wish, list[Event]]:
        wish = await self.transitions.checked(actor, Action.HISTORY, wish_id)
        return wish, await self._events.for_wish(wish_id)

    async def details(self, actor: Actor, wish_id: int, *, in_private: bool) -> Wish:
        """A wish with its beneficiary's personal data, for someone the policy lets see them.

        Every read that shows personal data comes through here (or the holder's own notices),
        so the rule is the same as for the changes: never in a group, never across communities.
        """
        wish = await self.get(wish_id)
        if not in_private:
            await self.transitions.refused(actor, Action.VIEW_DETAILS, wish, "not_private")
            raise NotAllowed("err.private_only")
        await self.transitions.guard(actor, Action.VIEW_DETAILS, wish, wish.community_id)
        return wish

    async def offer(self, actor: Actor, wish_id: int) -> Wish:
        """A wish's masked card for a member who followed a link to it: only within their own
        community, where they could claim it (a link can be forwarded anywhere)."""
        return await self.transitions.checked(actor, Action.CLAIM, wish_id)

    async def precheck(self, actor: Actor, action: Action, wish_id: int) -> Wish:
        """Would this action apply now? For flows that ask a question before acting."""
        wish = await self.transitions.checked(actor, action, wish_id)
        if wish.status not in EDGES[action][0]:
            raise wrong_state(action, wish)
        return wish

    async def release_reasons(
        self, community_id: int, members: set[int], start: datetime, end: datetime
    ) -> dict[str, int]:
        """Releases that ended a claim of one of `members` in [start, end), by reason
        (bot/wishes/releases.py COUNTED order, zeros left out)."""
        found = await self._releases.in_period(community_id, start, end)
        ended = [(ended_claims(e.action, e.actor_id, e.details), e.details, e.action) for e in found]
        return count_reasons(ended, members)

    async def track_details(self, wish_id: int, user_id: int, chat_id: int, message_id: int) -> None:
        """Remember a message showing a beneficiary's details, to take them back later."""
        await self._wishes.track_detail_message(wish_id, user_id, chat_id, message_id, self._clock.now())

    # --- changes --------------------------------------------------------------------------

    async def create(self, actor: Actor, draft: WishDraft, community_id: int) -> Wish:
        return await self.intake.create(actor, draft, community_id)

    async def create_many(self, actor: Actor, items: Sequence[ImportedWish], community_id: int) -> list[Wish]:
        return await self.intake.create_many(actor, items, community_id)

    async def verify(self, actor: Actor, wish_id: int) -> Wish:
        return await self.intake.verify(actor, wish_id)

    async def reject(self, actor: Actor, wish_id: int, reason: str) -> Wish:
        return await self.intake.reject(actor, wish_id, reason)

    async def cancel(self, actor: Actor, wish_id: int, reason: str) -> Wish:
        return await self.intake.cancel(actor, wish_id, reason)

    async def set_needed_members(self, actor: Actor, wish_id: int, needed: int) -> Wish:
        return await self.intake.set_needed_members(actor, wish_id, needed)

    async def post(self, actor: Actor, wish_id: int, chat_ids: list[int] | None = None) -> Wish:
        return await self.intake.post(actor, wish_id, chat_ids)

    async def claim(self, actor: Actor, wish_id: int, *, group_chat: int | None = None) -> Wish:
        return await self.claims.claim(actor, wish_id, group_chat=group_chat)

    async def release(
        self, actor: Actor, wish_id: int, reason: str = "", kind: ReleaseReason | None = None
    ) -> Wish:
        return await self.claims.release(actor, wish_id, reason, kind)

    async def withdraw_member(self, actor: Actor, user_id: int, community_id: int, first: Hook) -> Withdrawal:
        return await self.claims.withdraw_member(actor, user_id, community_id, first)

    async def deliver(
        self,
        actor: Actor,
        wish_id: int,
        note: str | None = None,
        photo_file_id: str | None = None,
        hours: int | None = None,
    ) -> Wish:
        return await self.fulfilment.deliver(actor, wish_id, note, photo_file_id, hours)

    async def confirm(self, actor: Actor, wish_id: int, hours: int | None = None) -> Wish:
        return await self.fulfilment.confirm(actor, wish_id, hours)

    async def record_hours(self, actor: Actor, wish_id: int, tenths: int) -> Wish:
        """Service hours after the delivery report: the holder's or a coordinator's (hours.py)."""
        return await self.hours.record(actor, wish_id, tenths)

    async def dispute(self, actor: Actor, wish_id: int, reason: str = "") -> Wish:
        return await self.fulfilment.dispute(actor, wish_id, reason)

    async def reopen(self, actor: Actor, wish_id: int) -> Wish:
        return await self.fulfilment.reopen(actor, wish_id)

    async def extend(self, actor: Actor, wish_id: int, new_due: date, *, community: Community) -> Wish:
        return await self.fulfilment.extend(actor, wish_id, new_due, community=community)

    async def reassign(
        self, actor: Actor, wish_id: int, member_id: int | None, new_due: date | None = None
    ) -> Wish:
        return await self.reassignment.reassign(actor, wish_id, member_id, new_due)

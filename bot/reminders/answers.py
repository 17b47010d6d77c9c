"""What holders and coordinators answer to a reminder: need more time / extend (the offer of new
due dates and the change) and keep chasing (a coordinator leaves an escalated wish with its
holder)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.clock import Clock, local_today
from bot.errors import IllegalTransition, NotAllowed
from bot.models import Action, Community, Frozen, Wish, WishStatus
from bot.people.policies import Actor, check
from bot.settings import Settings
from bot.timing import community_zone, extension_window
from bot.wishes.lifecycle import WishService
from storage.events import EventRepo
from storage.organisation import CommunityRepo


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


class ReminderAnswers:
    def __init__(
        self,
        *,
        communities: CommunityRepo,
        events: EventRepo,
        wishes: WishService,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self._communities = communities
        self._events = events
        self._wishes = wishes
        self._settings = settings
        self._clock = clock

    # --- keep chasing -----------------------------------------------------------------------

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
        today = local_today(self._clock.now(), community_zone(community, self._settings.zone))
        by_holder = wish.holder_id == actor.user_id
        if by_holder:
            # An answer to the reminders even if no date follows: auto-release leaves it alone.
            await self._events.record(
                action="reminder_answer",
                at=self._clock.now(),
                actor_id=actor.user_id,
                wish_id=wish.id,
                community_id=wish.community_id,
                details={"answer": "more_time"},
            )
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

"""Service hours after the delivery report: its holder restating them until a coordinator
confirms, a coordinator correcting them before or after. Not a change of state, but made like
one (a same-status change through the transaction template): it applies only while the wish is
where it may, lands in the event log as an "hours" event (where bot/points reads hours from),
and the people concerned are told. Hours given with the delivery or the confirmation are the
lifecycle's own (bot/wishes/fulfilment.py)."""

from __future__ import annotations

from dataclasses import replace

from bot.models import Action, Wish, WishStatus
from bot.people.policies import Actor
from bot.points.hours import as_number, check_tenths
from bot.wishes.effects import EffectsContext, hours_corrected, hours_stated
from bot.wishes.graph import DELIVERED
from bot.wishes.transitions import Change, Transitions
from storage.wishes import WishWrite

S = WishStatus
# A coordinator may correct the hours of a delivery before confirming it, and after.
_SERVED = frozenset({S.DELIVERED, S.FULFILLED})


class HoursChanges:
    def __init__(self, transitions: Transitions) -> None:
        self._template = transitions

    async def record(self, actor: Actor, wish_id: int, tenths: int) -> Wish:
        """The holder's word while the delivery waits for confirmation; otherwise (a coordinator
        of the wish's community) a correction. Anyone else is refused as a holder would be."""
        check_tenths(tenths)
        wish = await self._template.get(wish_id)
        holds = actor.user_id in wish.holders and wish.status is S.DELIVERED
        if holds or not actor.coordinates(wish.community_id):
            await self._template.guard(actor, Action.DELIVER, wish, wish.community_id)
            change = Change(
                Action.DELIVER,
                WishWrite(from_statuses=DELIVERED),
                hours_stated,
                event="hours",
                details={"hours": as_number(tenths), "by": "holder"},
                holder_only=True,
            )
        else:
            await self._template.guard(actor, Action.CONFIRM, wish, wish.community_id)
            change = Change(
                Action.CONFIRM,
                WishWrite(from_statuses=_SERVED),
                hours_corrected,
                event="hours",
                details={"hours": as_number(tenths), "by": "coordinator"},
            )

        async def ctx() -> EffectsContext:
            return replace(await self._template.context(wish, actor), hours=tenths)

        return await self._template.apply(actor, wish, change, ctx)

"""A claimed wish's way to its end: more time, delivered, confirmed or disputed; or, when its
delivery cannot be vouched for any more, open again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date
from typing import Any

from bot.clock import Clock, local_today
from bot.errors import InvalidInput
from bot.models import Action, Community, Wish, WishStatus
from bot.people.policies import Actor
from bot.points.hours import as_number, check_tenths
from bot.timing import community_zone, extension_window
from bot.wishes.effects import EFFECTS, EffectsContext
from bot.wishes.graph import CLAIMED, MAX_NOTE, MAX_REASON
from bot.wishes.transitions import Change, Transitions, edge, wrong_state
from storage.wishes import WishWrite

S = WishStatus

# A wish back to open holds nothing of its last claim.
_UNHELD: dict[str, Any] = {
    "holder_id": None,
    "claimed_at": None,
    "delivered_at": None,
    "delivery_note": None,
    "delivery_photo_id": None,
}


class Fulfilment:
    def __init__(self, transitions: Transitions, clock: Clock) -> None:
        self._template = transitions
        self._clock = clock

    async def deliver(
        self,
        actor: Actor,
        wish_id: int,
        note: str | None = None,
        photo_file_id: str | None = None,
        hours: int | None = None,
    ) -> Wish:
        """Delivered, with the service hours (tenths) the member states or, without, the
        community's default: the event records them (bot/points reads them from there)."""
        note = (note or "").strip()[:MAX_NOTE] or None
        stated = hours is not None
        if hours is not None:
            check_tenths(hours)
        fields = {
            "delivered_at": self._clock.now(),
            "delivery_note": note,
            "delivery_photo_id": photo_file_id,
        }
        wish = await self._template.checked(actor, Action.DELIVER, wish_id)
        if hours is None:
            hours = (await self._template.community(wish.community_id)).hours_default * 10
        tenths = hours
        details = {
            "note": note,
            "photo": bool(photo_file_id),
            "hours": as_number(hours),
            "hours_stated": stated,
        }

        async def ctx() -> EffectsContext:
            return replace(await self._template.context(wish, actor), hours=tenths, hours_stated=stated)

        return await self._template.apply(
            actor, wish, edge(Action.DELIVER, fields, details=details, holder_only=True), ctx
        )

    async def confirm(self, actor: Actor, wish_id: int, hours: int | None = None) -> Wish:
        """Fulfilled; with `hours` (tenths) the coordinator records those instead of the hours the
        delivery stated (the holders are told)."""
        fields = {"fulfilled_at": self._clock.now()}
        wish = await self._template.checked(actor, Action.CONFIRM, wish_id)
        if hours is None:
            return await self._template.apply(actor, wish, edge(Action.CONFIRM, fields))
        details = {"hours": as_number(check_tenths(hours)), "corrected": True}

        async def ctx() -> EffectsContext:
            return replace(await self._template.context(wish, actor), hours=hours)

        return await self._template.apply(actor, wish, edge(Action.CONFIRM, fields, details=details), ctx)

    async def dispute(self, actor: Actor, wish_id: int, reason: str = "") -> Wish:
        reason = reason.strip()[:MAX_REASON]
        wish = await self._template.checked(actor, Action.DISPUTE, wish_id)
        change = edge(Action.DISPUTE, {"delivered_at": None}, details={"reason": reason})
        # The holders are told why, with their card again.
        return await self._template.apply(
            actor, wish, change, lambda: self._template.context(wish, actor, reason=reason)
        )

    async def reopen(self, actor: Actor, wish_id: int) -> Wish:
        """A coordinator does not accept a delivery report (its member was removed): the wish is
        open again for someone else, and the former holder's details are taken back."""
        wish = await self._template.checked(actor, Action.REOPEN, wish_id)
        return await self._template.apply(actor, wish, edge(Action.REOPEN, _UNHELD, clear_holders=True))

    async def extend(self, actor: Actor, wish_id: int, new_due: date, *, community: Community) -> Wish:
        """Move a claimed wish's due date: its holder asking for more time, or a coordinator.

        Not a change of state, but recorded like one: a same-status transition with an "extend"
        event and the notices (coordinators hear of a holder's request; the holder and the other
        coordinators hear of a coordinator's decision; the group cards show it).
        """
        before = await self._template.checked(actor, Action.EXTEND, wish_id)
        if before.status is not S.CLAIMED:
            raise wrong_state(Action.EXTEND, before)
        by_holder = actor.user_id in before.holders
        today = local_today(self._clock.now(), community_zone(community, UTC))
        earliest, latest = extension_window(
            before.due_date, today, community.max_extension_days, by_coordinator=not by_holder
        )
        if new_due < earliest:
            raise InvalidInput("extend.too_early", due=before.due_date.isoformat())
        if new_due > latest:
            raise InvalidInput("extend.too_late", latest=latest.isoformat())
        ctx = await self._template.context(before, actor, by_holder=by_holder)

        def extending(current: Wish) -> Change:
            # Decided for the holder read above: if the claim changed hands since, it is refused.
            write = WishWrite(
                from_statuses=CLAIMED, set_fields={"due_date": new_due}, held_by=before.holder_id
            )
            details = {
                "from": current.due_date.isoformat(),
                "to": new_due.isoformat(),
                "holder": current.holder_id,
                "by_holder": by_holder,
            }
            return Change(Action.EXTEND, write, EFFECTS[Action.EXTEND], details=details)

        return await self._template.apply(actor, before, extending, ctx)

"""A coordinator gives a claimed wish to another member: the former holders' claim ends and
the new holder's begins in one change, so the wish is never open in between for a third
person to take. Without a member it is the escalation's Reassign: back to open for anyone.

The new holder must be someone who could claim it themselves (the claim policy: an active
member of the wish's community) and is held to the community's cap like any claim.
"""

from __future__ import annotations

from datetime import UTC, date

from bot.clock import Clock, local_today
from bot.codes import format_code
from bot.errors import DomainError, InvalidInput
from bot.models import Action, NewOutbox, Wish, WishStatus
from bot.people.directory import Directory
from bot.people.policies import Actor, allowed
from bot.texts import FALLBACK, t
from bot.timing import community_zone, extension_window
from bot.wishes.claims import Claims
from bot.wishes.effects import Effect, Outcome, notices_to, taken_back, with_details
from bot.wishes.graph import CLAIMED
from bot.wishes.transitions import Change, Explain, Transitions, wrong_state
from storage.quick import Fetcher
from storage.wishes import HolderCap, WishRepo, WishWrite

S = WishStatus


class Reassignment:
    def __init__(
        self, transitions: Transitions, claims: Claims, wishes: WishRepo, directory: Directory, clock: Clock
    ) -> None:
        self._template = transitions
        self._claims = claims
        self._wishes = wishes
        self._directory = directory
        self._clock = clock

    async def reassign(
        self, actor: Actor, wish_id: int, member_id: int | None, new_due: date | None = None
    ) -> Wish:
        """To `member_id` (with a new due date if given), or back to open without one."""
        wish = await self._template.checked(actor, Action.REASSIGN, wish_id)
        if member_id is None:
            if new_due is not None:
                raise InvalidInput("desk.date_without_member")
            # Exactly the escalation's Reassign button: the same release, the same audit entry.
            return await self._claims.release(actor, wish_id)
        if wish.status is not S.CLAIMED:
            raise wrong_state(Action.REASSIGN, wish)
        name = await self._directory.name_of(member_id)
        target = await self._directory.actor(member_id, FALLBACK)
        if not allowed(target, Action.CLAIM, wish, wish.community_id):
            await self._template.refused(actor, Action.REASSIGN, wish, f"not a member: {member_id}")
            raise InvalidInput("desk.not_member", name=name)
        if wish.holders == (member_id,):
            raise DomainError("desk.already_holder", name=name, code=wish.code)
        community = await self._template.community(wish.community_id)
        fields: dict[str, object] = {"holder_id": member_id}
        details: dict[str, object] = {"from": list(wish.holders), "to": member_id}
        if new_due is not None:
            today = local_today(self._clock.now(), community_zone(community, UTC))
            earliest, latest = extension_window(
                wish.due_date, today, community.max_extension_days, by_coordinator=True
            )
            if new_due < earliest:
                raise InvalidInput("extend.too_early", due=wish.due_date.isoformat())
            if new_due > latest:
                raise InvalidInput("extend.too_late", latest=latest.isoformat())
            fields["due_date"] = new_due
            details["due"] = {"from": wish.due_date.isoformat(), "to": new_due.isoformat()}
        cap = HolderCap(member_id, community.member_cap)
        write = WishWrite(
            from_statuses=CLAIMED,
            set_fields=fields,
            set_now=("claimed_at",),
            # Decided for the claim read above: if it changed hands since, nothing is written.
            held_by=wish.holder_id,
            clear_holders=True,
            add_holder=member_id,
            cap=cap,
        )
        change = Change(
            Action.REASSIGN,
            write,
            reassigned(name),
            details=details,
            explain=self._refusal(cap, name),
        )
        return await self._template.apply(
            actor, wish, change, lambda: self._template.context(wish, actor, also=[member_id])
        )

    def _refusal(self, cap: HolderCap, name: str) -> Explain:
        async def explain(conn: Fetcher, current: Wish) -> DomainError:
            held = await self._wishes.count_held(conn, cap.user_id)
            if len(held) >= cap.cap:
                codes = ", ".join(format_code(i) for i in held)
                return DomainError("desk.target_cap", name=name, cap=cap.cap, codes=codes)
            return wrong_state(Action.REASSIGN, current)

        return explain


def reassigned(new_name: str) -> Effect:
    """The new holder gets the details (tracked, to take back later), the former holders lose
    theirs and are told, the other coordinators hear who has it now, the cards show it."""

    def effect(o: Outcome) -> list[NewOutbox]:
        to = o.after.holder_id
        assert to is not None
        me, code, langs = o.actor.user_id, o.after.code, o.ctx.langs
        lang = o.ctx.lang(to)
        intro = t(lang, "desk.notice_assigned", code=code, actor=o.actor.display_name)
        items = [*o.cards, with_details(to, o.after, lang, intro)]
        for uid in o.before.holders:
            if uid == to:
                continue
            items += taken_back(
                uid, o.after.id, t(langs.get(uid, FALLBACK), "desk.notice_taken_away", code=code)
            )
        others = [uid for uid in o.ctx.coordinators if uid not in (me, to)]
        return items + notices_to(
            others, langs, "desk.notice_reassigned",
            actor=o.actor.display_name, code=code, old=o.ctx.holder_name or "?", new=new_name,
        )  # fmt: skip

    return effect

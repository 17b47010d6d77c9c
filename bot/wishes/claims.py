"""Who holds a wish: claims (with their one-trip fast path), joint wishes filling up and
emptying, releases, and a removed member's wishes settled."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.codes import format_code
from bot.errors import AlreadyTaken, DomainError, NotAllowed, NotFound
from bot.models import Action, Wish, WishStatus
from bot.people.directory import Directory
from bot.people.policies import Actor, check
from bot.wishes import effects
from bot.wishes.effects import EFFECTS, Effect, EffectsContext
from bot.wishes.graph import CLAIMED, DELIVERED, EDGES
from bot.wishes.releases import ReleaseReason, clean_reason
from bot.wishes.transitions import Change, Explain, Hook, Plan, Transitions, edge, wrong_state
from storage.quick import Fetcher
from storage.wishes import HolderCap, WishRepo, WishWrite

S = WishStatus


@dataclass
class Withdrawal:
    """What a member's removal did to the wishes they held (codes)."""

    reopened: list[str] = field(default_factory=list)  # claimed alone: open again
    left: list[str] = field(default_factory=list)  # claimed jointly: the others keep it
    awaiting: list[str] = field(default_factory=list)  # delivered: the coordinators decide


class Claims:
    def __init__(self, transitions: Transitions, wishes: WishRepo, directory: Directory) -> None:
        self._template = transitions
        self._wishes = wishes
        self._directory = directory

    async def claim(self, actor: Actor, wish_id: int, *, group_chat: int | None = None) -> Wish:
        """Claim an open wish, or join a joint wish that still needs members.

        group_chat is the group the tap came from (None: a private chat). A Claim button only
        exists under the wish's own cards, so a tap from any other group is a forged one.
        """
        try:
            wish, posts, member_cap = await self._template.for_claim(wish_id)
        except NotFound:
            await self._template.refused(actor, Action.CLAIM, None, f"no wish {wish_id}")
            raise
        if group_chat is not None and group_chat not in {p.chat_id for p in posts}:
            await self._template.refused(actor, Action.CLAIM, wish, f"not posted in chat {group_chat}")
            raise NotAllowed("err.wrong_chat", code=wish.code)
        if wish.is_joint and wish.status is S.CLAIMED:
            return await self._join(actor, wish, member_cap)
        change = self.claiming(actor, member_cap)
        # The common claim (an open wish for one member that nobody holds) goes in one trip:
        # its outcome can be foreseen from the read alone. Anything else, or a wish that changed
        # meanwhile, takes the general path, which decides and explains.
        if self._template.one_trip_possible(wish, change) and not wish.is_joint and not wish.holders:
            await self._template.guard(actor, Action.CLAIM, wish, wish.community_id)
            ctx = await self.claim_context(actor, wish)
            claimed = await self._template.apply_in_one_trip(actor, wish, change, posts, ctx)
            if claimed is not None:
                return claimed
            current = await self._template.get(wish_id)
            refusal = await self._template.refusal_as_read(wish, current, change)
            if refusal is not None:
                raise refusal
            # It changed since it was read: decide from what it is now.
            await self._template.guard(actor, Action.CLAIM, current, current.community_id)
            before = current
        else:
            # Read a moment ago (most taps of a storm find it taken): reading it again would
            # only say the same; the conditional write still decides if it goes on.
            await self._template.guard(actor, Action.CLAIM, wish, wish.community_id)
            before = wish
        return await self._template.apply(actor, before, change)

    async def claim_context(self, actor: Actor, wish: Wish) -> EffectsContext:
        """What a claim's messages need: they go to the new holder alone (effects.claimed), so
        their language is all, and a member's is in the actor already. The standard context
        read the community's coordinators and everyone's languages on every tap of a storm
        (bench/, scenario 2); tests/test_write_units.py checks the messages come out the same."""
        if actor.member is None or wish.holders:
            return await self._template.context(wish, actor)
        return EffectsContext(langs={actor.user_id: actor.member.lang})

    def claiming(self, actor: Actor, member_cap: int) -> Change:
        """The claim, the one rule both paths write: along the graph's claim edge, the member
        becomes its holder, and only while they hold fewer than the community's cap."""
        froms, to = EDGES[Action.CLAIM]
        write = WishWrite(
            from_statuses=froms,
            to_status=to,
            set_fields={"holder_id": actor.user_id},
            set_now=("claimed_at",),
            add_holder=actor.user_id,
            cap=HolderCap(actor.user_id, member_cap),
        )
        return Change(Action.CLAIM, write, EFFECTS[Action.CLAIM], explain=self._refusal(actor, member_cap))

    def _refusal(self, actor: Actor, member_cap: int) -> Explain:
        """Why a claim or a join that the wish's state allowed was not written: the cap."""

        async def explain(conn: Fetcher, current: Wish) -> DomainError:
            if actor.user_id in current.holders:
                return DomainError("err.already_yours", code=current.code)
            held = await self._wishes.count_held(conn, actor.user_id)
            if len(held) >= member_cap:
                codes = ", ".join(format_code(i) for i in held)
                return DomainError("err.cap", cap=member_cap, codes=codes)
            return wrong_state(Action.CLAIM, current)

        return explain

    async def _join(self, actor: Actor, wish: Wish, member_cap: int) -> Wish:
        """A further member joins a joint wish that still needs members (`member_cap`: the
        community's, read with the wish)."""
        await self._template.guard(actor, Action.CLAIM, wish, wish.community_id)
        ctx = EffectsContext(langs={actor.user_id: await self._directory.lang_of(actor.user_id)})

        def joining(current: Wish) -> Change:
            if actor.user_id in current.holders:
                raise DomainError("err.already_yours", code=current.code)
            if current.status is not S.CLAIMED or len(current.holders) >= current.needed_members:
                raise AlreadyTaken(code=current.code)
            write = WishWrite(
                from_statuses=CLAIMED,
                add_holder=actor.user_id,
                room_for_one_more=True,
                cap=HolderCap(actor.user_id, member_cap),
            )
            details = {"holders": len(current.holders) + 1, "needed": current.needed_members}
            return Change(
                Action.JOIN,
                write,
                EFFECTS[Action.JOIN],
                details=details,
                explain=self._refusal(actor, member_cap),
            )

        return await self._template.apply(actor, wish, joining, ctx)

    async def release(
        self, actor: Actor, wish_id: int, reason: str = "", kind: ReleaseReason | None = None
    ) -> Wish:
        """A holder gives a wish back (or leaves a joint one); a coordinator takes it back.

        A reason (chosen from the chat's buttons as `kind`, with words for "other"; typed on
        the wall) is recorded with the event and told to the coordinators with the notice.
        """
        reason = clean_reason(kind, reason)
        wish = await self._template.checked(actor, Action.RELEASE, wish_id)
        if wish.status is S.CLAIMED and actor.user_id in wish.holders and len(wish.holders) > 1:
            return await self._leave(actor, wish, reason, kind)
        details: dict[str, object] = {
            "holders": list(wish.holders),
            "by_holder": actor.user_id in wish.holders,
        }
        if reason:
            details["reason"] = reason
        if kind is not None:
            details["reason_kind"] = kind.value
        why = kind.value if kind else ""
        return await self._template.apply(
            actor,
            wish,
            _releasing(details),
            lambda: self._template.context(wish, actor, reason=reason, reason_kind=why),
        )

    async def _leave(
        self, actor: Actor, wish: Wish, reason: str = "", kind: ReleaseReason | None = None
    ) -> Wish:
        """One of several holders steps out; the wish stays claimed by the others."""
        coordinators = await self._directory.coordinators(wish.community_id)
        ctx = EffectsContext(
            coordinators=tuple(coordinators),
            langs=await self._directory.langs_of(coordinators),
            reason=reason,
            reason_kind=kind.value if kind else "",
        )
        plan = leave_change(actor.user_id, effects.left, reason, kind.value if kind else "")
        return await self._template.apply(actor, wish, plan, ctx)

    async def withdraw_member(self, actor: Actor, user_id: int, community_id: int, first: Hook) -> Withdrawal:
        """A member leaves the program: `first` (their new status) and what it means for every
        wish they hold happen in one transaction, so a removal never stops half way.

        Claimed alone: back to open. Claimed jointly: the others keep it. Delivered but not yet
        confirmed: it stays delivered for the coordinators to Confirm or Reopen, and they are
        asked. Whatever it is, the member's copies of the beneficiary's details are taken back.
        """
        check(actor, Action.MANAGE_MEMBERS, None, community_id)
        held = [w.id for w in await self._wishes.held_by(user_id) if w.community_id == community_id]
        coordinators = await self._directory.coordinators(community_id)
        ctx = EffectsContext(
            coordinators=tuple(coordinators),
            langs=await self._directory.langs_of(sorted({*coordinators, user_id, actor.user_id})),
            removed=user_id,
            removed_name=await self._directory.name_of(user_id),
        )

        def settle(current: Wish) -> Change | None:
            if current.status is S.CLAIMED and len(current.holders) > 1:
                return leave_change(user_id, effects.left_on_removal)(current)
            if current.status is S.CLAIMED:
                return _releasing({"holders": list(current.holders), "by_holder": False, "removed": user_id})
            if current.status is S.DELIVERED:
                # Nothing changes but the record: the coordinators decide (Confirm or Reopen).
                write = WishWrite(from_statuses=DELIVERED)
                return Change(
                    Action.MANAGE_MEMBERS, write, effects.holder_removed, event="holder_removed",
                    details={"member": user_id},
                )  # fmt: skip
            return None

        result = Withdrawal()
        for done in await self._template.apply_all(actor, held, settle, ctx, first=first):
            outcomes = {
                Action.RELEASE.value: result.reopened,
                "leave": result.left,
                "holder_removed": result.awaiting,
            }
            outcomes[done.change.event_name].append(done.before.code)
        return result


def _releasing(details: dict[str, object]) -> Change:
    """Back to open: nobody holds it, and it keeps nothing of the claim."""
    return edge(Action.RELEASE, {"holder_id": None, "claimed_at": None}, details=details, clear_holders=True)


def leave_change(leaver: int, effect: Effect, reason: str = "", kind: str = "") -> Plan:
    """One holder of a joint wish is no longer one of them; if they led, the next one leads."""

    def leaving(current: Wish) -> Change:
        if current.status is not S.CLAIMED or leaver not in current.holders or len(current.holders) < 2:
            raise wrong_state(Action.RELEASE, current)
        rest = [uid for uid in current.holders if uid != leaver]
        lead = {"holder_id": rest[0]} if current.holder_id == leaver else {}
        write = WishWrite(from_statuses=CLAIMED, set_fields=lead, remove_holder=leaver)
        details: dict[str, object] = {"holders": len(rest), "member": leaver}
        if reason:
            details["reason"] = reason
        if kind:
            details["reason_kind"] = kind
        return Change(Action.RELEASE, write, effect, event="leave", details=details)

    return leaving

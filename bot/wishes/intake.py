"""A wish's way to its group: created (typed in, or a whole imported sheet), reviewed, sized
for a joint claim, posted; or rejected or cancelled on the way."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from bot.errors import DomainError, InvalidInput, NotAllowed
from bot.models import Action, Community, ImportedWish, Wish, WishDraft
from bot.people.directory import Directory
from bot.people.policies import Actor
from bot.wishes import cards, effects
from bot.wishes.effects import CreationEffect, EffectsContext
from bot.wishes.graph import MAX_JOINT, UNCLAIMED, clean_reason
from bot.wishes.transitions import Change, Insert, Transitions, edge
from storage.groups import GroupRepo
from storage.wishes import WishRepo, WishWrite


def check_value(value_fen: int | None, community: Community) -> None:
    """A community may cap what one wish is worth (e.g. 300 yuan)."""
    cap = community.value_cap_fen
    if value_fen is not None and cap is not None and value_fen > cap:
        raise InvalidInput("val.value_cap", max=cards.format_value(cap))


class Intake:
    def __init__(
        self, transitions: Transitions, wishes: WishRepo, groups: GroupRepo, directory: Directory
    ) -> None:
        self._template = transitions
        self._wishes = wishes
        self._groups = groups
        self._directory = directory

    async def create(self, actor: Actor, draft: WishDraft, community_id: int) -> Wish:
        await self._template.guard(actor, Action.CREATE, None, community_id)
        community = await self._template.community(community_id)
        check_value(draft.value_fen, community)

        async def insert(conn: aiosqlite.Connection, now: datetime) -> list[Wish]:
            one = await self._wishes.insert(
                conn, community_id=community_id, draft=draft, created_by=actor.user_id, now=now
            )
            return [one]

        (wish,) = await self._new(actor, community_id, insert, effects.new_pending)
        return wish

    async def create_many(self, actor: Actor, items: Sequence[ImportedWish], community_id: int) -> list[Wish]:
        """All rows become pending wishes in ONE transaction, or none does.

        One `create` event per wish (details {"source": "import", "row": n}) and one notice per
        other coordinator for the whole batch, not one per wish.
        """
        await self._template.guard(actor, Action.CREATE, None, community_id)
        if not items:
            return []

        async def insert(conn: aiosqlite.Connection, now: datetime) -> list[Wish]:
            return await self._wishes.insert_many(
                conn, community_id=community_id, items=items, created_by=actor.user_id, now=now
            )

        details = [{"source": "import", "row": item.row} for item in items]
        return await self._new(actor, community_id, insert, effects.imported, details)

    async def _new(
        self,
        actor: Actor,
        community_id: int,
        insert: Insert,
        effect: CreationEffect,
        details: Sequence[dict[str, object]] = (),
    ) -> list[Wish]:
        """The other coordinators hear of new wishes; their languages are read beforehand."""
        others = [c for c in await self._directory.coordinators(community_id) if c != actor.user_id]
        ctx = EffectsContext(coordinators=tuple(others), langs=await self._directory.langs_of(others))
        return await self._template.create(actor, community_id, insert, effect, ctx, details=details)

    async def verify(self, actor: Actor, wish_id: int) -> Wish:
        wish = await self._template.get(wish_id)
        community = await self._template.community(wish.community_id)
        if community.four_eyes and wish.created_by == actor.user_id:
            await self._template.refused(actor, Action.VERIFY, wish, "four_eyes")
            raise NotAllowed("err.four_eyes")
        await self._template.guard(actor, Action.VERIFY, wish, wish.community_id)
        return await self._template.apply(actor, wish, edge(Action.VERIFY))

    async def reject(self, actor: Actor, wish_id: int, reason: str) -> Wish:
        reason = clean_reason(reason)
        wish = await self._template.checked(actor, Action.REJECT, wish_id)
        change = edge(Action.REJECT, {"reason": reason}, details={"reason": reason})
        # The creator hears why, in their language.
        return await self._template.apply(
            actor, wish, change, lambda: self._template.context(wish, actor, also=[wish.created_by])
        )

    async def cancel(self, actor: Actor, wish_id: int, reason: str) -> Wish:
        reason = clean_reason(reason)
        wish = await self._template.checked(actor, Action.CANCEL, wish_id)
        return await self._template.apply(
            actor, wish, edge(Action.CANCEL, {"reason": reason}, details={"reason": reason})
        )

    async def set_needed_members(self, actor: Actor, wish_id: int, needed: int) -> Wish:
        """Mark a wish as needing several members (a joint claim), before anyone holds it."""
        if not 1 <= needed <= MAX_JOINT:
            raise InvalidInput("val.joint_range", max=MAX_JOINT)
        wish = await self._template.checked(actor, Action.VERIFY, wish_id)
        write = WishWrite(from_statuses=UNCLAIMED, set_fields={"needed_members": needed})
        change = Change(Action.VERIFY, write, effects.cards_only, event="joint", details={"needed": needed})
        return await self._template.apply(actor, wish, change, EffectsContext())

    async def post(self, actor: Actor, wish_id: int, chat_ids: list[int] | None = None) -> Wish:
        wish = await self._template.checked(actor, Action.POST, wish_id)
        groups = await self._groups.active_for_community(wish.community_id)
        chosen = [g for g in groups if chat_ids is None or g.chat_id in chat_ids]
        if not chosen:
            raise DomainError("err.no_groups")
        # Per-branch figures count a wish for the branch whose group it went to first.
        branch = next((g.branch_id for g in chosen if g.branch_id is not None), None)
        targets = [g.chat_id for g in chosen]
        change = edge(
            Action.POST, {"branch_id": branch}, details={"chats": targets}, add_posts=tuple(targets)
        )
        return await self._template.apply(actor, wish, change)

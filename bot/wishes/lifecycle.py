"""The wish lifecycle: the only code that changes a wish's state.

Every change is one transaction: read the wish, check the policy, one conditional UPDATE
(`WHERE status IN (...)`), one event row, and the outbox rows for the messages it causes.
If any step fails, nothing of it happened.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any

import aiosqlite

from bot.clock import Clock, local_today
from bot.codes import format_code
from bot.errors import AlreadyTaken, DomainError, IllegalTransition, InvalidInput, NotAllowed, NotFound
from bot.models import (
    Action,
    Community,
    Event,
    ImportedWish,
    NewOutbox,
    OutboxKind,
    Rendered,
    Wish,
    WishDraft,
    WishPost,
    WishStatus,
)
from bot.people.directory import Directory
from bot.people.policies import Actor, check
from bot.texts import t
from bot.timing import community_zone, extension_window
from bot.wishes import cards
from storage.db import Database
from storage.events import EventRepo
from storage.groups import GroupRepo
from storage.organisation import CommunityRepo
from storage.outbox import OutboxRepo
from storage.wishes import WishRepo

S = WishStatus

# The whole state graph. Nothing else is a legal change.
EDGES: dict[Action, tuple[frozenset[WishStatus], WishStatus]] = {
    Action.VERIFY: (frozenset({S.PENDING}), S.VERIFIED),
    Action.REJECT: (frozenset({S.PENDING}), S.REJECTED),
    Action.POST: (frozenset({S.VERIFIED}), S.OPEN),
    Action.CLAIM: (frozenset({S.OPEN}), S.CLAIMED),
    Action.RELEASE: (frozenset({S.CLAIMED}), S.OPEN),
    Action.DELIVER: (frozenset({S.CLAIMED}), S.DELIVERED),
    Action.CONFIRM: (frozenset({S.DELIVERED}), S.FULFILLED),
    Action.DISPUTE: (frozenset({S.DELIVERED}), S.CLAIMED),
    Action.CANCEL: (frozenset({S.PENDING, S.VERIFIED, S.OPEN}), S.CANCELLED),
    Action.REOPEN: (frozenset({S.DELIVERED}), S.OPEN),
}
GRAPH: frozenset[tuple[WishStatus | None, WishStatus]] = frozenset(
    {(None, S.PENDING)} | {(f, to) for froms, to in EDGES.values() for f in froms}
)

# A wish back to open holds nothing of its last claim.
_UNHELD: dict[str, Any] = {
    "holder_id": None,
    "claimed_at": None,
    "delivered_at": None,
    "delivery_note": None,
    "delivery_photo_id": None,
}

MAX_REASON = 500
MAX_NOTE = 1000
MAX_JOINT = 20


def card_key(wish_id: int, chat_id: int) -> str:
    return f"card:{wish_id}:{chat_id}"


@dataclass
class Withdrawal:
    """What a member's removal did to the wishes they held (codes)."""

    reopened: list[str] = field(default_factory=list)  # claimed alone: open again
    left: list[str] = field(default_factory=list)  # claimed jointly: the others keep it
    awaiting: list[str] = field(default_factory=list)  # delivered: the coordinators decide


@dataclass(frozen=True)
class _Change:
    """What one action does besides moving the status."""

    fields: dict[str, Any] | None = None
    details: dict[str, Any] | None = None
    holder_only: bool = False  # only someone holding the claim may do it


# Extra writes of a transition, given the wish as it was read inside the transaction.
Hook = Callable[[aiosqlite.Connection, Wish], Awaitable[None]]


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
        self._db = db
        self._wishes = wishes
        self._events = events
        self._outbox = outbox
        self._groups = groups
        self._communities = communities
        self._directory = directory
        self._clock = clock
        self.on_outbox = on_outbox
        self.card_settle_seconds = card_settle_seconds

    # --- reads ----------------------------------------------------------------------------

    async def get(self, wish_id: int) -> Wish:
        wish = await self._wishes.get(wish_id)
        if wish is None:
            raise NotFound(code=format_code(wish_id))
        return wish

    async def community(self, community_id: int) -> Community:
        community = await self._communities.get(community_id)
        if community is None:
            raise DomainError("err.no_community")
        return community

    async def pending(self, actor: Actor) -> list[Wish]:
        """Pending wishes of every community the actor coordinates."""
        found: list[Wish] = []
        for community in await self._communities.all():
            if actor.coordinates(community.id):
                found += await self._wishes.list_by_status(community.id, S.PENDING)
        if not actor.is_coordinator:
            raise NotAllowed("err.coordinators_only")
        return found

    async def held_by(self, actor: Actor) -> list[Wish]:
        return await self._wishes.held_by(actor.user_id)

    async def holder_name(self, wish: Wish) -> str | None:
        if not wish.holders and wish.holder_id is None:
            return None
        ids: list[int | None] = list(wish.holders) or [wish.holder_id]
        return "、".join([await self._directory.name_of(uid) for uid in ids if uid is not None])

    async def history(self, actor: Actor, wish_id: int) -> tuple[Wish, list[Event]]:
        wish = await self.get(wish_id)
        await self._guard(actor, Action.HISTORY, wish, wish.community_id)
        return wish, await self._events.for_wish(wish_id)

    async def details(self, actor: Actor, wish_id: int, *, in_private: bool) -> Wish:
        """A wish with its beneficiary's personal data, for someone the policy lets see them.

        Every read that shows personal data comes through here (or the holder's own notices),
        so the rule is the same as for the changes: never in a group, never across communities.
        """
        wish = await self.get(wish_id)
        if not in_private:
            await self._refused(actor, Action.VIEW_DETAILS, wish, "not_private")
            raise NotAllowed("err.private_only")
        await self._guard(actor, Action.VIEW_DETAILS, wish, wish.community_id)
        return wish

    async def offer(self, actor: Actor, wish_id: int) -> Wish:
        """A wish's masked card for a member who followed a link to it: only within their own
        community, where they could claim it (a link can be forwarded anywhere)."""
        wish = await self.get(wish_id)
        await self._guard(actor, Action.CLAIM, wish, wish.community_id)
        return wish

    async def precheck(self, actor: Actor, action: Action, wish_id: int) -> Wish:
        """Would this action apply now? For flows that ask a question before acting."""
        wish = await self.get(wish_id)
        await self._guard(actor, action, wish, wish.community_id)
        if wish.status not in EDGES[action][0]:
            raise self._wrong_state(action, wish)
        return wish

    async def track_details(self, wish_id: int, user_id: int, chat_id: int, message_id: int) -> None:
        """Remember a message showing a beneficiary's details, to take them back later."""
        await self._wishes.track_detail_message(wish_id, user_id, chat_id, message_id, self._clock.now())

    # --- changes --------------------------------------------------------------------------

    async def create(self, actor: Actor, draft: WishDraft, community_id: int) -> Wish:
        await self._guard(actor, Action.CREATE, None, community_id)
        community = await self.community(community_id)
        check_value(draft.value_fen, community)
        now = self._clock.now()
        others = [c for c in await self._directory.coordinators(community_id) if c != actor.user_id]
        langs = await self._directory.langs_of(others)
        async with self._db.transaction() as conn:
            wish = await self._wishes.insert(
                conn, community_id=community_id, draft=draft, created_by=actor.user_id, now=now
            )
            await self._events.append(
                conn,
                action=Action.CREATE.value,
                at=now,
                actor_id=actor.user_id,
                wish_id=wish.id,
                community_id=community_id,
                to_status=S.PENDING,
            )
            await self._enqueue(
                conn,
                [
                    _message(
                        uid,
                        t(
                            langs[uid],
                            "notice.new_pending",
                            code=wish.code,
                            category=t(langs[uid], f"cat.{wish.category.value}"),
                            description=wish.description,
                        ),
                    )
                    for uid in others
                ],
            )
        self.on_outbox()  # after COMMIT, or the sender could look before the rows exist
        return wish

    async def verify(self, actor: Actor, wish_id: int) -> Wish:
        wish = await self.get(wish_id)
        community = await self.community(wish.community_id)
        if community.four_eyes and wish.created_by == actor.user_id:
            await self._refused(actor, Action.VERIFY, wish, "four_eyes")
            raise NotAllowed("err.four_eyes")
        return await self._apply(actor, Action.VERIFY, wish_id, _Change())

    async def reject(self, actor: Actor, wish_id: int, reason: str) -> Wish:
        reason = _clean_reason(reason)
        return await self._apply(
            actor, Action.REJECT, wish_id, _Change(fields={"reason": reason}, details={"reason": reason})
        )

    async def cancel(self, actor: Actor, wish_id: int, reason: str) -> Wish:
        reason = _clean_reason(reason)
        return await self._apply(
            actor, Action.CANCEL, wish_id, _Change(fields={"reason": reason}, details={"reason": reason})
        )

    async def post(self, actor: Actor, wish_id: int, chat_ids: list[int] | None = None) -> Wish:
        wish = await self.get(wish_id)
        await self._guard(actor, Action.POST, wish, wish.community_id)
        groups = await self._groups.active_for_community(wish.community_id)
        chosen = [g for g in groups if chat_ids is None or g.chat_id in chat_ids]
        if not chosen:
            raise DomainError("err.no_groups")
        # Per-branch figures count a wish for the branch whose group it went to first.
        branch = next((g.branch_id for g in chosen if g.branch_id is not None), None)
        targets = [g.chat_id for g in chosen]
        now = self._clock.now()

        async def add_posts(conn: aiosqlite.Connection, _: Wish) -> None:
            for chat_id in targets:
                await self._wishes.add_post(conn, wish_id, chat_id, now)

        return await self._apply(
            actor,
            Action.POST,
            wish_id,
            _Change(fields={"branch_id": branch}, details={"chats": targets}),
            after_write=add_posts,
        )

    async def claim(self, actor: Actor, wish_id: int, *, group_chat: int | None = None) -> Wish:
        """Claim an open wish, or join a joint wish that still needs members.

        group_chat is the group the tap came from (None: a private chat). A Claim button only
        exists under the wish's own cards, so a tap from any other group is a forged one.
        """
        try:
            wish = await self.get(wish_id)
        except NotFound:
            await self._refused(actor, Action.CLAIM, None, f"no wish {wish_id}")
            raise
        posts = await self._wishes.posts(wish.id)
        if group_chat is not None and group_chat not in {p.chat_id for p in posts}:
            await self._refused(actor, Action.CLAIM, wish, f"not posted in chat {group_chat}")
            raise NotAllowed("err.wrong_chat", code=wish.code)
        if wish.is_joint and wish.status is S.CLAIMED:
            return await self._join(actor, wish)
        community = await self.community(wish.community_id)
        claimed = await self._claim_in_one_trip(actor, wish, community, posts)
        if claimed is not None:
            return claimed
        now = self._clock.now()

        async def within_cap(conn: aiosqlite.Connection, current: Wish) -> None:
            await self._check_cap(conn, actor, current, community)

        async def hold(conn: aiosqlite.Connection, _: Wish) -> None:
            await self._wishes.add_holder(conn, wish_id, actor.user_id, now)

        return await self._apply(
            actor,
            Action.CLAIM,
            wish_id,
            _Change(fields={"holder_id": actor.user_id, "claimed_at": now}),
            before_write=within_cap,
            after_write=hold,
        )

    async def _claim_in_one_trip(
        self, actor: Actor, wish: Wish, community: Community, posts: list[WishPost]
    ) -> Wish | None:
        """The common claim (an open wish nobody holds) written in one trip to the database.

        Everything the change needs is read and rendered before the write lock is taken; the
        write happens only if the wish is still as read (bench/, scenario 2: the general path
        held the lock ~5 ms per claim, this one a fraction of a millisecond). None when it did
        not apply: the caller takes the general path, which decides and explains.
        """
        if wish.status is not S.OPEN or wish.is_joint or wish.holders or not self._db.has_units:
            return None
        await self._guard(actor, Action.CLAIM, wish, wish.community_id)
        now = self._clock.now()
        after = wish.model_copy(
            update={
                "status": S.CLAIMED,
                "holder_id": actor.user_id,
                "claimed_at": now,
                "updated_at": now,
                "holders": (actor.user_id,),
            }
        )
        ctx = await self._effects_context(wish, actor)
        effects = await self._effects(posts, Action.CLAIM, wish, after, actor, ctx)
        written = await self._wishes.claim_in_one_trip(
            wish_id=wish.id,
            community_id=wish.community_id,
            user_id=actor.user_id,
            now=now,
            unchanged_since=wish.updated_at,
            cap=community.member_cap,
            event_action=Action.CLAIM.value,
            outbox=effects,
        )
        if not written:
            return None
        self.on_outbox()
        return after

    async def release(self, actor: Actor, wish_id: int) -> Wish:
        """A holder gives a wish back (or leaves a joint one); a coordinator takes it back."""
        wish = await self.get(wish_id)
        await self._guard(actor, Action.RELEASE, wish, wish.community_id)
        if wish.status is S.CLAIMED and actor.user_id in wish.holders and len(wish.holders) > 1:
            return await self._leave(actor, wish)
        by_holder = actor.user_id in wish.holders

        async def let_go(conn: aiosqlite.Connection, _: Wish) -> None:
            await self._wishes.clear_holders(conn, wish_id)

        return await self._apply(
            actor,
            Action.RELEASE,
            wish_id,
            _Change(
                fields={"holder_id": None, "claimed_at": None},
                details={"holders": list(wish.holders), "by_holder": by_holder},
            ),
            after_write=let_go,
        )

    async def deliver(
        self, actor: Actor, wish_id: int, note: str | None = None, photo_file_id: str | None = None
    ) -> Wish:
        note = (note or "").strip()[:MAX_NOTE] or None
        return await self._apply(
            actor,
            Action.DELIVER,
            wish_id,
            _Change(
                holder_only=True,
                fields={
                    "delivered_at": self._clock.now(),
                    "delivery_note": note,
                    "delivery_photo_id": photo_file_id,
                },
                details={"note": note, "photo": bool(photo_file_id)},
            ),
        )

    async def reopen(self, actor: Actor, wish_id: int) -> Wish:
        """A coordinator does not accept a delivery report (its member was removed): the wish is
        open again for someone else, and the former holder's details are taken back."""

        async def let_go(conn: aiosqlite.Connection, _: Wish) -> None:
            await self._wishes.clear_holders(conn, wish_id)

        return await self._apply(actor, Action.REOPEN, wish_id, _Change(fields=_UNHELD), after_write=let_go)

    async def withdraw_member(
        self,
        actor: Actor,
        user_id: int,
        community_id: int,
        first: Callable[[aiosqlite.Connection], Awaitable[None]],
    ) -> Withdrawal:
        """A member leaves the program: `first` (their new status) and what it means for every
        wish they hold happen in one transaction, so a removal never stops half way.

        Claimed alone: back to open. Claimed jointly: the others keep it. Delivered but not yet
        confirmed: it stays delivered for the coordinators to Confirm or Reopen, and they are
        asked. Whatever it is, the member's copies of the beneficiary's details are taken back.
        """
        check(actor, Action.MANAGE_MEMBERS, None, community_id)
        held = [w for w in await self._wishes.held_by(user_id) if w.community_id == community_id]
        coordinators = await self._directory.coordinators(community_id)
        people = sorted({*coordinators, user_id, actor.user_id})
        langs = await self._directory.langs_of(people)
        ctx: dict[str, Any] = {"coordinators": coordinators, "langs": langs, "holder_name": None}
        name = await self._directory.name_of(user_id)
        result = Withdrawal()
        async with self._db.transaction() as conn:
            await first(conn)
            for wish in held:
                current = await self._wishes.get(wish.id, conn)
                assert current is not None
                if current.status is S.CLAIMED and len(current.holders) > 1:
                    await self._leave_in(conn, user_id, actor.user_id, wish.id)
                    result.left.append(current.code)
                elif current.status is S.CLAIMED:

                    async def let_go(conn: aiosqlite.Connection, _: Wish, wish_id: int = wish.id) -> None:
                        await self._wishes.clear_holders(conn, wish_id)

                    change = _Change(
                        fields={"holder_id": None, "claimed_at": None},
                        details={"holders": list(current.holders), "by_holder": False, "removed": user_id},
                    )
                    await self._apply_in(
                        conn, actor, Action.RELEASE, wish.id, change, ctx, after_write=let_go
                    )
                    result.reopened.append(current.code)
                elif current.status is S.DELIVERED:
                    await self._events.append(
                        conn,
                        action="holder_removed",
                        at=self._clock.now(),
                        actor_id=actor.user_id,
                        wish_id=wish.id,
                        community_id=community_id,
                        details={"member": user_id},
                    )
                    items = [_redact(user_id, wish.id)]
                    items += [
                        _rendered(
                            uid, cards.removed_holder_delivery(current, langs.get(uid, "zh"), name)
                        )
                        for uid in coordinators
                    ]
                    await self._enqueue(conn, items)
                    result.awaiting.append(current.code)
        self.on_outbox()
        return result

    async def confirm(self, actor: Actor, wish_id: int) -> Wish:
        return await self._apply(
            actor, Action.CONFIRM, wish_id, _Change(fields={"fulfilled_at": self._clock.now()})
        )

    async def dispute(self, actor: Actor, wish_id: int, reason: str = "") -> Wish:
        reason = reason.strip()[:MAX_REASON]
        return await self._apply(
            actor,
            Action.DISPUTE,
            wish_id,
            _Change(fields={"delivered_at": None}, details={"reason": reason}),
        )

    async def set_needed_members(self, actor: Actor, wish_id: int, needed: int) -> Wish:
        """Mark a wish as needing several members (a joint claim), before anyone holds it."""
        if not 1 <= needed <= MAX_JOINT:
            raise InvalidInput("val.joint_range", max=MAX_JOINT)
        wish = await self.get(wish_id)
        await self._guard(actor, Action.VERIFY, wish, wish.community_id)
        now = self._clock.now()
        async with self._db.transaction() as conn:
            current = await self._wishes.get(wish_id, conn)
            assert current is not None
            if current.status not in (S.PENDING, S.VERIFIED, S.OPEN):
                raise self._wrong_state(Action.VERIFY, current)
            await self._wishes.set_needed(conn, wish_id, needed, now)
            await self._events.append(
                conn,
                action="joint",
                at=now,
                actor_id=actor.user_id,
                wish_id=wish_id,
                community_id=current.community_id,
                details={"needed": needed},
            )
            after = await self._wishes.get(wish_id, conn)
            assert after is not None
            await self._enqueue(conn, await self._card_refreshes(conn, after))
        self.on_outbox()
        return after

    # --- joint claims -----------------------------------------------------------------------

    async def _join(self, actor: Actor, wish: Wish) -> Wish:
        await self._guard(actor, Action.CLAIM, wish, wish.community_id)
        community = await self.community(wish.community_id)
        lang = await self._directory.lang_of(actor.user_id)
        now = self._clock.now()
        async with self._db.transaction() as conn:
            current = await self._wishes.get(wish.id, conn)
            assert current is not None
            if actor.user_id in current.holders:
                raise DomainError("err.already_yours", code=current.code)
            if current.status is not S.CLAIMED or len(current.holders) >= current.needed_members:
                raise AlreadyTaken(code=current.code)
            await self._check_cap(conn, actor, current, community)
            await self._wishes.add_holder(conn, wish.id, actor.user_id, now)
            after = await self._wishes.get(wish.id, conn)
            assert after is not None
            await self._events.append(
                conn,
                action=Action.JOIN.value,
                at=now,
                actor_id=actor.user_id,
                wish_id=wish.id,
                community_id=wish.community_id,
                details={"holders": len(after.holders), "needed": after.needed_members},
            )
            items = await self._card_refreshes(conn, after)
            items.append(_details(actor.user_id, cards.holder_card(after, lang, intro=True), after.id))
            await self._enqueue(conn, items)
        self.on_outbox()
        return after

    async def _leave(self, actor: Actor, wish: Wish) -> Wish:
        """One of several holders steps out; the wish stays claimed by the others."""
        coordinators = await self._directory.coordinators(wish.community_id)
        langs = await self._directory.langs_of(coordinators)
        async with self._db.transaction() as conn:
            after = await self._leave_in(conn, actor.user_id, actor.user_id, wish.id)
            await self._enqueue(
                conn,
                _notices(
                    coordinators,
                    langs,
                    "notice.released_to_coordinators",
                    holder=actor.display_name,
                    code=wish.code,
                ),
            )
        self.on_outbox()
        return after

    async def _leave_in(self, conn: aiosqlite.Connection, leaver: int, by: int, wish_id: int) -> Wish:
        """Inside the caller's transaction: one holder of a joint wish is no longer one of them."""
        current = await self._wishes.get(wish_id, conn)
        assert current is not None
        if current.status is not S.CLAIMED or leaver not in current.holders or len(current.holders) < 2:
            raise self._wrong_state(Action.RELEASE, current)
        await self._wishes.remove_holder(conn, wish_id, leaver)
        if current.holder_id == leaver:
            rest = [uid for uid in current.holders if uid != leaver]
            await self._wishes.set_lead(conn, wish_id, rest[0])
        after = await self._wishes.get(wish_id, conn)
        assert after is not None
        await self._events.append(
            conn,
            action="leave",
            at=self._clock.now(),
            actor_id=by,
            wish_id=wish_id,
            community_id=current.community_id,
            details={"holders": len(after.holders), "member": leaver},
        )
        await self._enqueue(conn, [*await self._card_refreshes(conn, after), _redact(leaver, wish_id)])
        return after

    async def _check_cap(
        self, conn: aiosqlite.Connection, actor: Actor, wish: Wish, community: Community
    ) -> None:
        if actor.user_id in wish.holders:
            raise DomainError("err.already_yours", code=wish.code)
        held = await self._wishes.count_held(conn, actor.user_id)
        if len(held) >= community.member_cap:
            raise DomainError(
                "err.cap", cap=community.member_cap, codes=", ".join(format_code(i) for i in held)
            )

    # --- machinery ------------------------------------------------------------------------

    async def _refused(self, actor: Actor, action: Action, wish: Wish | None, why: str | None = None) -> None:
        await self._events.record(
            action=f"refused.{action.value}",
            at=self._clock.now(),
            actor_id=actor.user_id,
            wish_id=wish.id if wish else None,
            community_id=wish.community_id if wish else None,
            details={"why": why} if why else None,
        )

    async def _guard(self, actor: Actor, action: Action, wish: Wish | None, community_id: int) -> None:
        try:
            check(actor, action, wish, community_id)
        except NotAllowed as refusal:
            await self._events.record(
                action=f"refused.{action.value}",
                at=self._clock.now(),
                actor_id=actor.user_id,
                wish_id=wish.id if wish else None,
                community_id=community_id,
                details={"why": refusal.key},
            )
            raise

    async def _apply(
        self,
        actor: Actor,
        action: Action,
        wish_id: int,
        change: _Change,
        *,
        before_write: Hook | None = None,
        after_write: Hook | None = None,
    ) -> Wish:
        froms = EDGES[action][0]
        before = await self.get(wish_id)
        await self._guard(actor, action, before, before.community_id)
        if before.status not in froms:
            # Already decided (most taps of a claim storm): inside the transaction they would only
            # read the same and roll back, each waiting its turn for the write lock behind the
            # winner. Those that go on are still decided by the conditional write below.
            raise self._wrong_state(action, before)
        effects_ctx = await self._effects_context(before, actor)
        effects_ctx.update(change.details or {})
        async with self._db.transaction() as conn:
            after = await self._apply_in(
                conn,
                actor,
                action,
                wish_id,
                change,
                effects_ctx,
                before_write=before_write,
                after_write=after_write,
            )
        self.on_outbox()
        return after

    async def _apply_in(
        self,
        conn: aiosqlite.Connection,
        actor: Actor,
        action: Action,
        wish_id: int,
        change: _Change,
        effects_ctx: dict[str, Any],
        *,
        before_write: Hook | None = None,
        after_write: Hook | None = None,
    ) -> Wish:
        """The transition inside a transaction the caller holds: decided by the conditional
        write, recorded as an event, its messages queued. The caller wakes the sender."""
        froms, to = EDGES[action]
        now = self._clock.now()
        current = await self._wishes.get(wish_id, conn)
        assert current is not None  # wishes are never deleted
        if current.status not in froms:
            raise self._wrong_state(action, current)
        if change.holder_only and actor.user_id not in current.holders:
            raise IllegalTransition("err.not_holder", code=current.code)
        if before_write is not None:
            await before_write(conn, current)
        changed = await self._wishes.transition(
            conn, wish_id, from_statuses=froms, to_status=to, now=now, set_fields=change.fields
        )
        if not changed:  # the conditional write is the real guard
            raise self._wrong_state(action, current)
        if after_write is not None:
            await after_write(conn, current)
        after = await self._wishes.get(wish_id, conn)
        assert after is not None
        await self._events.append(
            conn,
            action=action.value,
            at=now,
            actor_id=actor.user_id,
            wish_id=wish_id,
            community_id=after.community_id,
            from_status=current.status,
            to_status=to,
            details=change.details,
        )
        posts = await self._wishes.posts(wish_id, conn)
        await self._enqueue(conn, await self._effects(posts, action, current, after, actor, effects_ctx))
        return after

    def _wrong_state(self, action: Action, wish: Wish) -> DomainError:
        if action is Action.CLAIM and wish.status in (S.CLAIMED, S.DELIVERED, S.FULFILLED):
            return AlreadyTaken(code=wish.code)
        return IllegalTransition(code=wish.code, status_key=f"status.{wish.status.value}")

    async def _enqueue(self, conn: aiosqlite.Connection, items: list[NewOutbox]) -> None:
        if items:
            await self._outbox.enqueue(conn, items, self._clock.now())

    async def _effects_context(self, wish: Wish, actor: Actor) -> dict[str, Any]:
        """Names and languages read before the transaction so it stays short."""
        coordinators = await self._directory.coordinators(wish.community_id)
        people = sorted({*coordinators, actor.user_id, *wish.holders})
        return {
            "coordinators": coordinators,
            "langs": await self._directory.langs_of(people),
            "holder_name": await self.holder_name(wish),
        }

    async def _card_refreshes(self, conn: aiosqlite.Connection, wish: Wish) -> list[NewOutbox]:
        return self._refreshes(wish, await self._wishes.posts(wish.id, conn))

    def _refreshes(self, wish: Wish, posts: list[WishPost]) -> list[NewOutbox]:
        """Every change of a posted wish refreshes its cards; rendering happens at send time.

        An edit of a card already in its group waits a few seconds: a busy card changes several
        times in a row (a storm, a joint wish filling up), and a group allows 20 messages a
        minute. Whatever changed meanwhile goes out in one edit (bench/, scenario 3).
        """
        return [
            NewOutbox(
                kind=OutboxKind.CARD,
                chat_id=post.chat_id,
                wish_id=wish.id,
                coalesce_key=card_key(wish.id, post.chat_id),
                delay_seconds=self.card_settle_seconds if post.message_id is not None else 0.0,
            )
            for post in posts
        ]

    async def _effects(
        self,
        posts: list[WishPost],
        action: Action,
        before: Wish,
        after: Wish,
        actor: Actor,
        ctx: dict[str, Any],
    ) -> list[NewOutbox]:
        langs: dict[int, str] = ctx["langs"]
        coordinators: list[int] = ctx["coordinators"]
        items = self._refreshes(after, posts)

        def lang(uid: int) -> str:
            return langs.get(uid, "zh")

        if action is Action.CLAIM:
            items.append(
                _details(actor.user_id, cards.holder_card(after, lang(actor.user_id), intro=True), after.id)
            )
        elif action is Action.RELEASE:
            # The details leave every former holder's chat with the claim.
            items += [_redact(uid, after.id) for uid in before.holders]
            if actor.user_id in before.holders:
                items += [
                    _message(
                        uid,
                        t(
                            lang(uid),
                            "notice.released_to_coordinators",
                            holder=ctx["holder_name"] or "?",
                            code=after.code,
                        ),
                    )
                    for uid in coordinators
                ]
            else:
                items += [
                    _message(uid, t(lang(uid), "notice.released_by_coordinator", code=after.code))
                    for uid in before.holders
                ]
        elif action is Action.REOPEN:
            items += [_redact(uid, after.id) for uid in before.holders]
            items += [
                _message(uid, t(lang(uid), "notice.released_by_coordinator", code=after.code))
                for uid in before.holders
            ]
        elif action is Action.DELIVER:
            items += [
                _rendered(uid, cards.delivery_report(after, lang(uid), actor.display_name))
                for uid in coordinators
            ]
        elif action is Action.CONFIRM:
            for uid in after.holders:
                items.append(_redact(uid, after.id))
                items.append(_message(uid, t(lang(uid), "notice.fulfilled_thanks", code=after.code)))
        elif action is Action.DISPUTE:
            for uid in after.holders:
                reason = (ctx.get("reason") or "") or t(lang(uid), "notice.none")
                card = cards.holder_card(after, lang(uid))
                notice = t(lang(uid), "notice.disputed", code=after.code, reason=reason)
                items.append(
                    _details(uid, Rendered(text=f"{notice}\n\n{card.text}", buttons=card.buttons), after.id)
                )
        elif action is Action.REJECT and before.created_by != actor.user_id:
            creator_lang = await self._directory.lang_of(before.created_by)
            items.append(
                _message(
                    before.created_by,
                    t(creator_lang, "notice.rejected", code=after.code, reason=after.reason or ""),
                )
            )
        return items

    # --- due dates (issue 4) ------------------------------------------------------------------

    async def extend(self, actor: Actor, wish_id: int, new_due: date, *, community: Community) -> Wish:
        """Move a claimed wish's due date: its holder asking for more time, or a coordinator.

        Not a change of state, but recorded like one: one transaction with the guarded update,
        an "extend" event and the notices (coordinators hear of a holder's request; the holder
        and the other coordinators hear of a coordinator's decision; the group cards show it).
        """
        before = await self.get(wish_id)
        await self._guard(actor, Action.EXTEND, before, before.community_id)
        if before.status is not S.CLAIMED:
            raise IllegalTransition(code=before.code, status_key=f"status.{before.status.value}")
        by_holder = actor.user_id in before.holders
        today = local_today(self._clock.now(), community_zone(community, UTC))
        earliest, latest = extension_window(
            before.due_date, today, community.max_extension_days, by_coordinator=not by_holder
        )
        if new_due < earliest:
            raise InvalidInput("extend.too_early", due=before.due_date.isoformat())
        if new_due > latest:
            raise InvalidInput("extend.too_late", latest=latest.isoformat())
        ctx = await self._effects_context(before, actor)
        now = self._clock.now()
        async with self._db.transaction() as conn:
            current = await self._wishes.get(wish_id, conn)
            assert current is not None  # wishes are never deleted
            if current.status is not S.CLAIMED or current.holder_id != before.holder_id:
                raise self._wrong_state(Action.RELEASE, current)
            changed = await self._wishes.transition(
                conn,
                wish_id,
                from_statuses={S.CLAIMED},
                to_status=S.CLAIMED,
                now=now,
                set_fields={"due_date": new_due},
            )
            after = await self._wishes.get(wish_id, conn) if changed else None
            if after is None:
                raise self._wrong_state(Action.RELEASE, current)
            old = current.due_date.isoformat()
            await self._events.append(
                conn,
                action=Action.EXTEND.value,
                at=now,
                actor_id=actor.user_id,
                wish_id=wish_id,
                community_id=after.community_id,
                details={
                    "from": old,
                    "to": new_due.isoformat(),
                    "holder": after.holder_id,
                    "by_holder": by_holder,
                },
            )
            items = await self._card_refreshes(conn, after)
            langs: dict[int, str] = ctx["langs"]
            due = new_due.isoformat()
            if by_holder:
                others = [uid for uid in ctx["coordinators"] if uid != actor.user_id]
                items += _notices(
                    others, langs, "notice.extended_by_holder",
                    holder=actor.display_name, code=after.code, description=after.description,
                    old=old, due=due,
                )  # fmt: skip
            else:
                items += _notices(
                    after.holders, langs, "notice.extended_by_coordinator", code=after.code, old=old, due=due
                )
                others = [u for u in ctx["coordinators"] if u != actor.user_id and u not in after.holders]
                items += _notices(
                    others, langs, "notice.extended_by_other",
                    actor=actor.display_name, code=after.code, old=old, due=due,
                )  # fmt: skip
            await self._enqueue(conn, items)
        self.on_outbox()
        return after

    async def create_many(self, actor: Actor, items: Sequence[ImportedWish], community_id: int) -> list[Wish]:
        """All rows become pending wishes in ONE transaction, or none does.

        One `create` event per wish (details {"source": "import", "row": n}) and one notice per
        other coordinator for the whole batch, not one per wish.
        """
        await self._guard(actor, Action.CREATE, None, community_id)
        if not items:
            return []
        now = self._clock.now()
        others = [c for c in await self._directory.coordinators(community_id) if c != actor.user_id]
        langs = await self._directory.langs_of(others)
        async with self._db.transaction() as conn:
            created = await self._wishes.insert_many(
                conn, community_id=community_id, items=items, created_by=actor.user_id, now=now
            )
            for item, wish in zip(items, created, strict=True):
                await self._events.append(
                    conn,
                    action=Action.CREATE.value,
                    at=now,
                    actor_id=actor.user_id,
                    wish_id=wish.id,
                    community_id=community_id,
                    to_status=S.PENDING,
                    details={"source": "import", "row": item.row},
                )
            await self._enqueue(
                conn,
                [
                    _message(
                        uid,
                        t(
                            langs[uid],
                            "imp.notice_imported",
                            name=actor.display_name,
                            count=len(created),
                            first=created[0].code,
                            last=created[-1].code,
                        ),
                    )
                    for uid in others
                ],
            )
        self.on_outbox()
        return created


def check_value(value_fen: int | None, community: Community) -> None:
    """A community may cap what one wish is worth (e.g. 300 yuan)."""
    cap = community.value_cap_fen
    if value_fen is not None and cap is not None and value_fen > cap:
        raise InvalidInput("val.value_cap", max=cards.format_value(cap))


def _details(chat_id: int, rendered: Rendered, wish_id: int) -> NewOutbox:
    """A private message with a beneficiary's details, tracked so it can be taken back."""
    return NewOutbox(
        kind=OutboxKind.MESSAGE, chat_id=chat_id, wish_id=wish_id, payload=rendered, tracks_details=True
    )


def _redact(chat_id: int, wish_id: int) -> NewOutbox:
    return NewOutbox(kind=OutboxKind.REDACT, chat_id=chat_id, wish_id=wish_id)

    # --- bulk creation (issue 5: imported spreadsheets) -----------------------------------


def _notices(user_ids: Iterable[int], langs: dict[int, str], key: str, **params: object) -> list[NewOutbox]:
    """The same notice to several people, each in their own language."""
    return [_message(uid, t(langs.get(uid, "zh"), key, **params)) for uid in user_ids]


def _message(chat_id: int, text: str) -> NewOutbox:
    return NewOutbox(kind=OutboxKind.MESSAGE, chat_id=chat_id, payload=Rendered(text=text))


def _rendered(chat_id: int, rendered: Rendered) -> NewOutbox:
    return NewOutbox(kind=OutboxKind.MESSAGE, chat_id=chat_id, payload=rendered)


def _clean_reason(reason: str) -> str:
    cleaned = reason.strip()
    if not cleaned:
        raise DomainError("val.empty")
    if len(cleaned) > MAX_REASON:
        raise DomainError("val.too_long", max=MAX_REASON)
    return cleaned

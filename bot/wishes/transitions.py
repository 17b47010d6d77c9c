"""The one transaction template every change of a wish goes through.

Read the wish, check the policy, one conditional write (`WishWrite`: `WHERE status IN (...)`
and whatever else the change requires), one event row, and the outbox rows for the messages it
causes (bot/wishes/effects.py). If any step fails, nothing of it happened. A `Change` says what
one change is; the lifecycle opens a transaction nowhere else.

A change that keeps the status (a new due date, a joint wish's size, a member joining or
leaving one) is a same-status transition: its write has no `to_status`, its event no statuses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import Clock
from bot.codes import format_code
from bot.errors import AlreadyTaken, DomainError, IllegalTransition, NotAllowed, NotFound
from bot.models import Action, Community, NewOutbox, Wish, WishPost, WishStatus
from bot.people.directory import Directory
from bot.people.policies import Actor, check
from bot.wishes.effects import (
    EFFECTS,
    Created,
    CreationEffect,
    Effect,
    EffectsContext,
    Outcome,
    card_refreshes,
)
from bot.wishes.graph import EDGES, NEW
from storage.db import Database
from storage.events import EventRepo, event_row
from storage.organisation import CommunityRepo
from storage.outbox import OutboxRepo
from storage.quick import Fetcher
from storage.wishes import ClaimRead, WishRepo, WishWrite

S = WishStatus

# Why a conditional write did not apply, told from the wish as read inside the transaction (or,
# for a one-trip write, through `Database.quick` from the wish unchanged since it was read).
Explain = Callable[[Fetcher, Wish], Awaitable[DomainError]]
# New wishes written inside the template's transaction, at the given instant.
Insert = Callable[[aiosqlite.Connection, datetime], Awaitable[list[Wish]]]
# Writes of the caller's that belong in the same transaction (a member's new status).
Hook = Callable[[aiosqlite.Connection], Awaitable[None]]


@dataclass(frozen=True)
class Change:
    """What one change of a wish is: its action, its conditional write, its event, its messages."""

    action: Action  # the policy's name for it, and the audit trail's unless `event` is given
    write: WishWrite
    effect: Effect
    event: str = ""
    details: dict[str, Any] | None = None
    holder_only: bool = False  # only someone holding the claim may do it
    explain: Explain | None = None  # when the write can fail for more than the wish's state

    @property
    def event_name(self) -> str:
        return self.event or self.action.value


# A change decided from the wish as it is: run on the wish read before the transaction (to
# refuse early) and again inside it. None: nothing to do for this wish (in a batch).
Plan = Callable[[Wish], Change | None]


@dataclass(frozen=True)
class Applied:
    change: Change
    before: Wish
    after: Wish


def edge(
    action: Action,
    fields: dict[str, Any] | None = None,
    *,
    details: dict[str, Any] | None = None,
    holder_only: bool = False,
    clear_holders: bool = False,
    add_posts: tuple[int, ...] = (),
) -> Change:
    """A change along one edge of the graph: EDGES says from where and to what."""
    froms, to = EDGES[action]
    write = WishWrite(
        from_statuses=froms,
        to_status=to,
        set_fields=fields or {},
        clear_holders=clear_holders,
        add_posts=add_posts,
    )
    return Change(
        action=action, write=write, effect=EFFECTS[action], details=details, holder_only=holder_only
    )


def wrong_state(action: Action, wish: Wish) -> DomainError:
    if action is Action.CLAIM and wish.status in (S.CLAIMED, S.DELIVERED, S.FULFILLED):
        return AlreadyTaken(code=wish.code)
    return IllegalTransition(code=wish.code, status_key=f"status.{wish.status.value}")


class Transitions:
    def __init__(
        self,
        *,
        db: Database,
        wishes: WishRepo,
        events: EventRepo,
        outbox: OutboxRepo,
        communities: CommunityRepo,
        directory: Directory,
        clock: Clock,
        on_outbox: Callable[[], None],
        card_settle_seconds: float,
    ) -> None:
        self._db = db
        self._wishes = wishes
        self._events = events
        self._outbox = outbox
        self._communities = communities
        self._directory = directory
        self._clock = clock
        self.on_outbox = on_outbox
        self.card_settle_seconds = card_settle_seconds

    # --- read and check ---------------------------------------------------------------------

    async def get(self, wish_id: int) -> Wish:
        wish = await self._wishes.get(wish_id)
        if wish is None:
            raise NotFound(code=format_code(wish_id))
        return wish

    async def for_claim(self, wish_id: int) -> ClaimRead:
        found = await self._wishes.for_claim(wish_id)
        if found is None:
            raise NotFound(code=format_code(wish_id))
        return found

    async def community(self, community_id: int) -> Community:
        community = await self._communities.get(community_id)
        if community is None:
            raise DomainError("err.no_community")
        return community

    async def checked(self, actor: Actor, action: Action, wish_id: int) -> Wish:
        """The wish, if the policy lets the actor take the action on it."""
        wish = await self.get(wish_id)
        await self.guard(actor, action, wish, wish.community_id)
        return wish

    async def guard(self, actor: Actor, action: Action, wish: Wish | None, community_id: int) -> None:
        try:
            check(actor, action, wish, community_id)
        except NotAllowed as refusal:
            await self._audit_refusal(actor, action, wish, community_id, refusal.key)
            raise

    async def refused(self, actor: Actor, action: Action, wish: Wish | None, why: str | None = None) -> None:
        """Record a refusal the caller decided on (a forged chat, four eyes)."""
        await self._audit_refusal(actor, action, wish, wish.community_id if wish else None, why)

    async def _audit_refusal(
        self, actor: Actor, action: Action, wish: Wish | None, community_id: int | None, why: str | None
    ) -> None:
        await self._events.record(
            action=f"refused.{action.value}",
            at=self._clock.now(),
            actor_id=actor.user_id,
            wish_id=wish.id if wish else None,
            community_id=community_id,
            details={"why": why} if why else None,
        )

    async def holder_name(self, wish: Wish) -> str | None:
        if not wish.holders and wish.holder_id is None:
            return None
        ids: list[int | None] = list(wish.holders) or [wish.holder_id]
        return "、".join([await self._directory.name_of(uid) for uid in ids if uid is not None])

    async def context(
        self,
        wish: Wish,
        actor: Actor,
        *,
        also: Iterable[int] = (),
        reason: str = "",
        by_holder: bool = False,
        reason_kind: str = "",
    ) -> EffectsContext:
        """Names and languages read before the transaction so it stays short."""
        coordinators = await self._directory.coordinators(wish.community_id)
        people = sorted({*coordinators, actor.user_id, *wish.holders, *also})
        return EffectsContext(
            coordinators=tuple(coordinators),
            langs=await self._directory.langs_of(people),
            holder_name=await self.holder_name(wish),
            reason=reason,
            by_holder=by_holder,
            reason_kind=reason_kind,
        )

    # --- the template -------------------------------------------------------------------------

    async def apply(
        self,
        actor: Actor,
        before: Wish,
        plan: Change | Plan,
        ctx: EffectsContext | Callable[[], Awaitable[EffectsContext]] | None = None,
    ) -> Wish:
        """One change in a transaction of its own, for an actor the caller has checked.

        `before` is the wish as read outside: a change that could not apply to it is refused
        here without the write lock (most taps of a claim storm find the wish taken; inside the
        transaction they would only read the same and roll back, each waiting its turn behind
        the winner). Those that go on are still decided by the conditional write. `ctx` (or
        what reads it; by default the standard context) is read only once that check passed.
        """
        change = _decide(plan, before)
        assert change is not None  # only a batch meets wishes with nothing to do
        if before.status not in change.write.from_statuses:
            raise wrong_state(change.action, before)
        if ctx is None:
            ctx = await self.context(before, actor)
        elif not isinstance(ctx, EffectsContext):
            ctx = await ctx()
        (applied,) = await self.apply_all(actor, [before.id], plan, ctx)
        return applied.after

    async def apply_all(
        self,
        actor: Actor,
        wish_ids: Sequence[int],
        plan: Change | Plan,
        ctx: EffectsContext,
        *,
        first: Hook | None = None,
    ) -> list[Applied]:
        """`first`, then the plan's change of each wish, all in one transaction (or none)."""
        applied: list[Applied] = []
        async with self._committed() as conn:
            if first is not None:
                await first(conn)
            for wish_id in wish_ids:
                done = await self._apply_in(conn, actor, wish_id, plan, ctx)
                if done is not None:
                    applied.append(done)
        return applied

    async def _apply_in(
        self, conn: aiosqlite.Connection, actor: Actor, wish_id: int, plan: Change | Plan, ctx: EffectsContext
    ) -> Applied | None:
        """The change inside a transaction the caller holds: decided by the conditional write,
        recorded as an event, its messages queued."""
        now = self._clock.now()
        current = await self._wishes.get(wish_id, conn)
        assert current is not None  # wishes are never deleted
        change = _decide(plan, current)
        if change is None:
            return None
        if current.status not in change.write.from_statuses:
            raise wrong_state(change.action, current)
        if change.holder_only and actor.user_id not in current.holders:
            raise IllegalTransition("err.not_holder", code=current.code)
        if not await self._wishes.write(conn, wish_id, change.write, now):  # the real guard
            raise (
                await change.explain(conn, current) if change.explain else wrong_state(change.action, current)
            )
        after = await self._wishes.get(wish_id, conn)
        assert after is not None
        await self._events.append(conn, **self._event(change, actor, current, now))
        posts = await self._wishes.posts(wish_id, conn)
        await self._enqueue(conn, change.effect(self._outcome(actor, current, after, posts, ctx)), now)
        return Applied(change, current, after)

    def one_trip_possible(self, read: Wish, change: Change) -> bool:
        """Whether `apply_in_one_trip` may be tried: the change applies to the wish as read, and
        the database runs units (a file, not :memory:)."""
        return read.status in change.write.from_statuses and self._db.has_units

    async def apply_in_one_trip(
        self, actor: Actor, read: Wish, change: Change, posts: list[WishPost], ctx: EffectsContext
    ) -> Wish | None:
        """The same change written in one trip to the database, for a wish read just before.

        Everything is read and rendered before the write lock is taken, from the wish as read
        and as it will be; the write applies only if the wish is still exactly as read
        (bench/, scenario 2: the general path held the lock ~5 ms per claim, this one a
        fraction of a millisecond). None when it did not apply: the caller then takes `apply`,
        which decides and explains.
        """
        if not self.one_trip_possible(read, change):
            return None
        now = self._clock.now()
        after = _predict(read, change.write, now)
        event = event_row(**self._event(change, actor, read, now))
        outbox = change.effect(self._outcome(actor, read, after, posts, ctx))
        if not await self._wishes.write_in_one_trip(
            read.id, change.write, now, as_read=read, event=event, outbox=outbox
        ):
            return None
        self.on_outbox()  # committed: the unit's transaction has ended
        return after

    async def refusal_as_read(self, read: Wish, current: Wish, change: Change) -> DomainError | None:
        """Why a one-trip write of `change` did not apply, if the wish (`current`, read after the
        write) is still as it was `read` before it.

        A wish's updated_at only moves forward, so finding it as read means it was so when the
        write was refused: a condition beside its state failed (a member's cap), and `explain`
        says which from reads alone. Under a storm most misses are members at their cap; the
        general path would take the write lock, keep every other claim's write back until it
        ended, and roll back (bench/, scenario 2). None when the wish changed meanwhile or
        nothing beside its state explains it: the caller then takes `apply`.
        """
        if change.explain is None or not _unchanged(read, current):
            return None
        why = await change.explain(self._db.quick, current)
        return None if isinstance(why, AlreadyTaken | IllegalTransition) else why

    async def create(
        self,
        actor: Actor,
        community_id: int,
        insert: Insert,
        effect: CreationEffect,
        ctx: EffectsContext,
        *,
        details: Sequence[dict[str, Any] | None] = (),
    ) -> list[Wish]:
        """New wishes, the graph's edge from nothing, in one transaction: the rows, one event
        each (`details`, by position, if given) and the messages they cause."""
        now = self._clock.now()
        async with self._committed() as conn:
            created = await insert(conn, now)
            for n, wish in enumerate(created):
                await self._events.append(
                    conn,
                    action=Action.CREATE.value,
                    at=now,
                    actor_id=actor.user_id,
                    wish_id=wish.id,
                    community_id=community_id,
                    to_status=NEW,
                    details=details[n] if details else None,
                )
            await self._enqueue(conn, effect(Created(actor, created, ctx)), now)
        return created

    @asynccontextmanager
    async def _committed(self) -> AsyncIterator[aiosqlite.Connection]:
        """The template's transaction. The sender is woken after COMMIT, or it could look before
        the rows exist; after a ROLLBACK there is nothing to send."""
        async with self._db.transaction() as conn:
            yield conn
        self.on_outbox()

    def _outcome(
        self, actor: Actor, before: Wish, after: Wish, posts: list[WishPost], ctx: EffectsContext
    ) -> Outcome:
        return Outcome(actor, before, after, card_refreshes(after, posts, self.card_settle_seconds), ctx)

    def _event(self, change: Change, actor: Actor, before: Wish, now: datetime) -> dict[str, Any]:
        """The event's columns; a same-status transition records no statuses."""
        moves = change.write.to_status is not None
        return {
            "action": change.event_name,
            "at": now,
            "actor_id": actor.user_id or None,  # the scheduler's SYSTEM actor is nobody
            "wish_id": before.id,
            "community_id": before.community_id,
            "from_status": before.status if moves else None,
            "to_status": change.write.to_status,
            "details": change.details,
        }

    async def _enqueue(self, conn: aiosqlite.Connection, items: list[NewOutbox], now: datetime) -> None:
        if items:
            await self._outbox.enqueue(conn, items, now)


def _decide(plan: Change | Plan, wish: Wish) -> Change | None:
    return plan if isinstance(plan, Change) else plan(wish)


def _predict(read: Wish, write: WishWrite, now: datetime) -> Wish:
    """The wish as the write will leave it (what the database will hold, without reading it)."""
    holders = set() if write.clear_holders else set(read.holders)
    if write.remove_holder is not None:
        holders.discard(write.remove_holder)
    if write.add_holder is not None:
        holders.add(write.add_holder)
    update: dict[str, Any] = {**write.set_fields, **dict.fromkeys(write.set_now, now), "updated_at": now}
    update["status"] = write.to_status or read.status
    update["holders"] = tuple(sorted(holders))  # as a read of the wish lists them
    return read.model_copy(update=update)


def _unchanged(read: Wish, current: Wish) -> bool:
    """The same version of the wish: what `WishWrite.as_read` requires of it."""
    return (
        current.updated_at == read.updated_at
        and current.status is read.status
        and current.needed_members == read.needed_members
        and current.holders == read.holders
    )

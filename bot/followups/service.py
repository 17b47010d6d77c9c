"""Follow-ups and visitors: each change is one transaction with its audit entry and its notices.

A follow-up is not a change of the wish's state (a fulfilled wish stays fulfilled), so it does
not go through the lifecycle; it is checked by the same policy (Action.FOLLOW_UP), refused and
audited the same way, and recorded at most once per wish by the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

import aiosqlite

from bot.clock import Clock
from bot.errors import DomainError, InvalidInput, NotFound
from bot.followups import render
from bot.followups.render import NOTE_MAX, PHOTO_MAX_BYTES
from bot.models import Action, Community, MembershipStatus, NewOutbox, OutboxKind, Rendered, Wish, WishStatus
from bot.people.audit import Audit
from bot.people.directory import Directory
from bot.people.policies import Actor, check
from bot.settings import Settings
from bot.texts import t
from bot.timing import community_zone
from bot.wishes.lifecycle import WishService
from storage.db import Database
from storage.events import EventRepo
from storage.followups import (
    FollowUp,
    FollowupFigures,
    FollowupRepo,
    Outcome,
    Visitor,
    VisitorRepo,
    WaitingWish,
)
from storage.organisation import CommunityRepo, MembershipRepo
from storage.outbox import OutboxRepo

LIST_MAX = 20  # wishes one /followups message lists (with a button each)


@dataclass(frozen=True)
class Waiting:
    """Fulfilled wishes of a community waiting for their follow-up, as /followups lists them."""

    community: Community
    wishes: list[WaitingWish]
    total: int
    everything: bool  # also those fulfilled less than followup_days ago
    zone: tzinfo
    now: datetime


def clean_note(text: str | None) -> str | None:
    """What the beneficiary said: kept as typed (lines and all), at most NOTE_MAX characters."""
    note = (text or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput("val.too_long", max=NOTE_MAX)
    return note or None


def check_photo(file_size: int | None) -> None:
    if file_size is not None and file_size > PHOTO_MAX_BYTES:
        raise InvalidInput("fu.photo_size", max=PHOTO_MAX_BYTES // (1024 * 1024))


class FollowupService:
    def __init__(
        self,
        *,
        db: Database,
        followups: FollowupRepo,
        visitors: VisitorRepo,
        wishes: WishService,
        communities: CommunityRepo,
        memberships: MembershipRepo,
        directory: Directory,
        events: EventRepo,
        outbox: OutboxRepo,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self._db = db
        self._followups = followups
        self._visitors = visitors
        self._wishes = wishes
        self._communities = communities
        self._memberships = memberships
        self._directory = directory
        self._events = events
        self._outbox = outbox
        self._settings = settings
        self._clock = clock
        self._audit = Audit(events, clock)

    @classmethod
    def build(
        cls, db: Database, settings: Settings, clock: Clock, wishes: WishService, directory: Directory
    ) -> FollowupService:
        """With repositories of its own over the same database (they hold nothing but it)."""
        return cls(
            db=db,
            followups=FollowupRepo(db),
            visitors=VisitorRepo(db),
            wishes=wishes,
            communities=CommunityRepo(db),
            memberships=MembershipRepo(db),
            directory=directory,
            events=EventRepo(db),
            outbox=OutboxRepo(db),
            settings=settings,
            clock=clock,
        )

    def _wake(self) -> None:
        """The sender's wake-up call (the lifecycle's: it is set once the sender exists)."""
        self._wishes.on_outbox()

    def zone(self, community: Community) -> tzinfo:
        return community_zone(community, self._settings.zone)

    async def community(self, community_id: int) -> Community:
        community = await self._communities.get(community_id)
        if community is None:
            raise DomainError("err.no_community")
        return community

    # --- visitors (coordinators appoint them) ------------------------------------------------

    async def visitors(self, actor: Actor, community_id: int) -> list[Visitor]:
        check(actor, Action.MANAGE_MEMBERS, None, community_id)
        return await self._visitors.of_community(community_id)

    async def appoint(self, actor: Actor, community_id: int, user_id: int) -> bool:
        """Only an active member of the community; False when they were a visitor already."""
        check(actor, Action.MANAGE_MEMBERS, None, community_id)
        membership = await self._memberships.get(user_id)
        if membership is None or membership.community_id != community_id:
            raise NotFound("fu.not_member", user_id=user_id)
        if membership.status is not MembershipStatus.ACTIVE:
            raise DomainError("fu.not_active", user_id=user_id)
        community = await self.community(community_id)
        async with self._db.transaction() as conn:
            added = await self._visitors.add(
                conn, community_id, user_id, actor.user_id or None, self._clock.now()
            )
            if added:
                await self._audit.change(conn, actor, "visitor.appoint", community_id, {"user": user_id})
                await self._tell(conn, [user_id], "fu.appointed", community=community.name)
        self._wake()
        return added

    async def dismiss(self, actor: Actor, community_id: int, user_id: int) -> bool:
        check(actor, Action.MANAGE_MEMBERS, None, community_id)
        community = await self.community(community_id)
        async with self._db.transaction() as conn:
            removed = await self._visitors.remove(conn, community_id, user_id)
            if removed:
                await self._audit.change(conn, actor, "visitor.dismiss", community_id, {"user": user_id})
                await self._tell(conn, [user_id], "fu.dismissed", community=community.name)
        self._wake()
        return removed

    # --- the waiting list ----------------------------------------------------------------------

    async def waiting(self, actor: Actor, *, everything: bool = False) -> Waiting:
        """/followups: the fulfilled wishes of the actor's community without a follow-up (due
        ones: fulfilled followup_days ago or more; `everything`: all of them)."""
        community = await self.community(actor.working_community())
        await self._wishes.transitions.guard(actor, Action.FOLLOW_UP, None, community.id)
        now = self._clock.now()
        cutoff = now if everything else now - timedelta(days=community.followup_days)
        wishes, total = await self._followups.waiting(community.id, cutoff, limit=LIST_MAX)
        return Waiting(community, wishes, total, everything, self.zone(community), now)

    async def waiting_for_report(self, community: Community, now: datetime) -> tuple[list[WaitingWish], int]:
        """What the coordinators' copy of the weekly report lists: the due ones, now."""
        cutoff = now - timedelta(days=community.followup_days)
        return await self._followups.waiting(community.id, cutoff, limit=LIST_MAX)

    async def figures(self, community: Community, at: datetime) -> FollowupFigures:
        """The follow-up rate's numbers as they stood at `at` (a report's week end)."""
        return await self._followups.figures(community.id, at, at - timedelta(days=community.followup_days))

    # --- recording one -------------------------------------------------------------------------

    async def start(self, actor: Actor, wish_id: int) -> Wish:
        """The wish a follow-up may be recorded for now, or the reason it may not."""
        wish = await self._wishes.get(wish_id)
        await self._wishes.transitions.guard(actor, Action.FOLLOW_UP, wish, wish.community_id)
        if wish.status is not WishStatus.FULFILLED:
            raise DomainError("fu.not_fulfilled", code=wish.code, status_key=f"status.{wish.status.value}")
        existing = await self._followups.get(wish.id)
        if existing is not None:
            raise await self._already(wish, existing)
        return wish

    async def record(
        self, actor: Actor, wish_id: int, outcome: Outcome, note: str | None, photo_file_id: str | None
    ) -> FollowUp:
        """One follow-up, its audit entry and its notices in one transaction. The coordinators
        (but the one who recorded it) are told, with the note and photo; the members who
        delivered it hear the beneficiary's thanks when they were satisfied (nothing personal)."""
        note = clean_note(note)
        wish = await self.start(actor, wish_id)
        coordinators = [
            c for c in await self._directory.coordinators(wish.community_id) if c != actor.user_id
        ]
        thanked = [h for h in wish.holders if h != actor.user_id] if outcome is Outcome.SATISFIED else []
        langs = await self._directory.langs_of(sorted({*coordinators, *thanked}))
        recorder = actor.display_name
        now = self._clock.now()
        async with self._db.transaction() as conn:
            done = await self._followups.insert(
                conn,
                wish_id=wish.id,
                community_id=wish.community_id,
                visitor_id=actor.user_id,
                outcome=outcome,
                note=note,
                photo_file_id=photo_file_id,
                now=now,
            )
            if not done:  # recorded meanwhile (a second tap, another visitor)
                existing = await self._followups.get(wish.id)
                raise await self._already(wish, existing) if existing else DomainError("err.generic")
            await self._events.append(
                conn,
                action="followup",
                at=now,
                actor_id=actor.user_id,
                wish_id=wish.id,
                community_id=wish.community_id,
                # What was said stays in the follow-up (which retention and /forget erase), not
                # in the append-only trail.
                details={
                    "outcome": outcome.value,
                    "has_note": note is not None,
                    "has_photo": bool(photo_file_id),
                },
            )
            items = [
                NewOutbox(
                    kind=OutboxKind.MESSAGE,
                    chat_id=uid,
                    payload=render.recorded_notice(wish, outcome, note, photo_file_id, recorder, langs[uid]),
                )
                for uid in coordinators
            ]
            items += [
                NewOutbox(kind=OutboxKind.MESSAGE, chat_id=uid, payload=render.thanks(wish, langs[uid]))
                for uid in thanked
            ]
            if items:
                await self._outbox.enqueue(conn, items, now)
        self._wake()
        found = await self._followups.get(wish.id)
        assert found is not None
        return found

    async def of_wish(self, actor: Actor, wish: Wish) -> FollowUp | None:
        """A wish's follow-up for its coordinators (the /wish card), None for anyone else."""
        if not actor.coordinates(wish.community_id):
            return None
        return await self._followups.get(wish.id)

    async def _already(self, wish: Wish, existing: FollowUp) -> DomainError:
        zone = self.zone(await self.community(wish.community_id))
        return DomainError(
            "fu.already",
            code=wish.code,
            day=existing.recorded_at.astimezone(zone).date().isoformat(),
            name=existing.visitor_name,
            outcome_key=f"fu.outcome.{existing.outcome.value}",
        )

    async def _tell(
        self, conn: aiosqlite.Connection, user_ids: list[int], key: str, **params: object
    ) -> None:
        langs = await self._directory.langs_of(user_ids)
        items = [
            NewOutbox(
                kind=OutboxKind.MESSAGE, chat_id=uid, payload=Rendered(text=t(langs[uid], key, **params))
            )
            for uid in user_ids
        ]
        await self._outbox.enqueue(conn, items, self._clock.now())

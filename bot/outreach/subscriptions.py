"""/subscribe, /unsubscribe and the daily digest of new wishes posted in a member's branch.

The digest pass runs with the reminders (bot/reminders/kinds.py): at each community's reminder
hour (moved out of quiet hours, like every daily message) every subscribed, active and reachable
member gets one digest of the wishes posted in a group of their branch since they subscribed
that are still open, that they never got before and that are in their categories. The day is
recorded in the same transaction as the messages, so a repeated or late pass, or a second
process, makes no second digest that day; a day with nothing new is recorded too, so wishes
posted later that day wait for tomorrow's digest instead of arriving one by one.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from bot.clock import Clock
from bot.errors import DomainError
from bot.models import Action, Frozen, NewOutbox, OutboxKind
from bot.outreach import cards
from bot.outreach.topics import Topics, key_of
from bot.people.policies import Actor, check
from bot.settings import Settings
from bot.timing import community_zone, daily_slot, send_hour
from storage.db import Database
from storage.organisation import BranchRepo, CommunityRepo
from storage.outbox import OutboxRepo
from storage.subscriptions import OfferedWish, Subscriber, SubscriptionRepo

# Wishes shown in one digest (one message each); the rest wait for the next day's digest.
MAX_DIGEST = 10


class SubscriptionView(Frozen):
    """A member's subscription as their answer shows it."""

    branch: str
    categories: tuple[str, ...]  # their names, in the member's language; empty: every category
    hour: int  # the local hour digests come at


class SubscriptionService:
    def __init__(
        self,
        *,
        db: Database,
        repo: SubscriptionRepo,
        communities: CommunityRepo,
        branches: BranchRepo,
        outbox: OutboxRepo,
        topics: Topics,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self._db = db
        self._repo = repo
        self._communities = communities
        self._branches = branches
        self._outbox = outbox
        self._topics = topics
        self._settings = settings
        self._clock = clock

    async def subscribe(self, actor: Actor, categories: str) -> SubscriptionView:
        """Subscribe (or change the categories: none named means every category)."""
        membership = actor.membership
        check(actor, Action.SUBSCRIBE, None, membership.community_id if membership else 0)
        assert membership is not None
        keys = await self._topics.parse(membership.community_id, categories, actor.lang)
        saved = await self._repo.save(actor.user_id, keys, self._clock.now())
        return await self._view(actor, membership.community_id, membership.branch_id, saved.categories)

    async def unsubscribe(self, actor: Actor) -> bool:
        """False when there was nothing to stop."""
        return await self._repo.delete(actor.user_id)

    async def current(self, actor: Actor) -> SubscriptionView | None:
        found = await self._repo.get(actor.user_id)
        membership = actor.membership
        if found is None or membership is None:
            return None
        return await self._view(actor, membership.community_id, membership.branch_id, found.categories)

    async def _view(
        self, actor: Actor, community_id: int, branch_id: int, keys: tuple[str, ...]
    ) -> SubscriptionView:
        community = await self._communities.get(community_id)
        branch = await self._branches.get(branch_id)
        if community is None or branch is None:
            raise DomainError("err.no_branch")
        return SubscriptionView(
            branch=branch.name,
            categories=await self._topics.labels(community_id, keys, actor.lang),
            hour=send_hour(community.reminder_hour, community),
        )

    # --- the daily digest -------------------------------------------------------------------

    async def digest_pass(self, now: datetime) -> int:
        """Today's digests that are due now; returns how many messages were queued."""
        queued = 0
        for community in await self._communities.all():
            local = now.astimezone(community_zone(community, self._settings.zone))
            today = daily_slot(local, community.reminder_hour, community)
            if today is None:
                continue
            by_branch: dict[int, list[Subscriber]] = defaultdict(list)
            for subscriber in await self._repo.subscribers(community.id, today):
                if subscriber.reachable:  # blocked or never opened: skipped until they write again
                    by_branch[subscriber.branch_id].append(subscriber)
            for branch_id, subscribers in by_branch.items():
                branch = await self._branches.get(branch_id)
                if branch is None:
                    continue
                offered = await self._repo.open_in_branch(community.id, branch_id)
                queued += await self._digests(branch.name, subscribers, offered, today, now)
        return queued

    async def _digests(
        self,
        branch: str,
        subscribers: list[Subscriber],
        offered: list[OfferedWish],
        today: date,
        now: datetime,
    ) -> int:
        chosen: dict[int, list[OfferedWish]] = {}
        for subscriber in subscribers:
            wanted = set(subscriber.subscription.categories)
            new = [
                o
                for o in offered
                if o.posted_at >= subscriber.subscription.since and (not wanted or key_of(o.wish) in wanted)
            ]
            sent = await self._repo.sent_among(subscriber.subscription.user_id, [o.wish.id for o in new])
            chosen[subscriber.subscription.user_id] = [o for o in new if o.wish.id not in sent]
        queued = 0
        async with self._db.transaction() as conn:
            for subscriber in subscribers:
                user_id = subscriber.subscription.user_id
                candidates = chosen[user_id]
                shown = candidates[:MAX_DIGEST]
                fresh = await self._repo.record_digest(conn, user_id, today, [o.wish.id for o in shown], now)
                if not fresh:  # made already today (another pass), or nothing new: no message
                    continue
                wishes = [o.wish for o in shown if o.wish.id in fresh]
                messages = cards.digest(subscriber.lang, branch, wishes, len(candidates) - len(shown))
                items = [NewOutbox(kind=OutboxKind.MESSAGE, chat_id=user_id, payload=m) for m in messages]
                queued += await self._outbox.enqueue(conn, items, now)
        return queued

"""The outreach services, built from the database and the few core services they share, so
that bot/services.py needs one line for them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.categories.service import Categories
from bot.clock import Clock
from bot.drafts import DraftService
from bot.outreach.broadcasts import BroadcastService
from bot.outreach.subscriptions import SubscriptionService
from bot.outreach.topics import Topics
from bot.people.audit import Audit
from bot.people.directory import Directory
from bot.settings import Settings
from storage.broadcasts import BroadcastRepo
from storage.categories import CategoryRepo
from storage.db import Database
from storage.events import EventRepo
from storage.members import MemberRepo
from storage.organisation import BranchRepo, CommunityRepo, MembershipRepo
from storage.outbox import OutboxRepo
from storage.subscriptions import SubscriptionRepo


@dataclass(frozen=True)
class Outreach:
    subscriptions: SubscriptionService
    broadcasts: BroadcastService

    @classmethod
    def build(
        cls, db: Database, settings: Settings, clock: Clock, directory: Directory, drafts: DraftService
    ) -> Outreach:
        # Repositories hold nothing but the database: these are the same as the services' own.
        communities, branches, outbox = CommunityRepo(db), BranchRepo(db), OutboxRepo(db)
        audit = Audit(EventRepo(db), clock)
        subscriptions = SubscriptionService(
            db=db,
            repo=SubscriptionRepo(db),
            communities=communities,
            branches=branches,
            outbox=outbox,
            topics=Topics(Categories(db=db, repo=CategoryRepo(db), audit=audit, clock=clock)),
            settings=settings,
            clock=clock,
        )
        broadcasts = BroadcastService(
            db=db,
            repo=BroadcastRepo(db),
            communities=communities,
            branches=branches,
            memberships=MembershipRepo(db),
            members=MemberRepo(db),
            directory=directory,
            outbox=outbox,
            drafts=drafts,
            audit=audit,
            settings=settings,
            clock=clock,
        )
        return cls(subscriptions=subscriptions, broadcasts=broadcasts)

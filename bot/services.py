"""The object graph the factory builds: storage, repositories and core services, no globals."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Bot

from bot.clock import Clock
from bot.directory import Directory
from bot.lifecycle import WishService
from bot.privacy import PrivacyService
from bot.ratelimit import SendLimits
from bot.records import RecordsService
from bot.sender import OutboxSender
from bot.settings import Settings
from storage.db import Database
from storage.drafts import ConversationRepo, DraftRepo
from storage.events import EventRepo
from storage.groups import GroupRepo
from storage.members import MemberRepo
from storage.organisation import BranchRepo, CommunityRepo, CoordinatorRepo, MembershipRepo
from storage.outbox import OutboxRepo
from storage.records import RecordsRepo
from storage.stats import StatsRepo
from storage.wishes import WishRepo


@dataclass
class Services:
    settings: Settings
    clock: Clock
    db: Database
    wish_repo: WishRepo
    events: EventRepo
    outbox: OutboxRepo
    groups: GroupRepo
    members: MemberRepo
    drafts: DraftRepo
    conversations: ConversationRepo
    communities: CommunityRepo
    branches: BranchRepo
    memberships: MembershipRepo
    coordinators: CoordinatorRepo
    directory: Directory
    wishes: WishService
    sender: OutboxSender | None = field(default=None)
    # Issue 5: records in and out (imports, figures, service records) and data care; built by
    # attach_records() from the pieces above.
    stats: StatsRepo = field(init=False)
    records: RecordsService = field(init=False)
    privacy: PrivacyService = field(init=False)

    @classmethod
    def build(cls, settings: Settings, clock: Clock) -> Services:
        db = Database(settings.db)
        wish_repo = WishRepo(db)
        events = EventRepo(db)
        outbox = OutboxRepo(db)
        groups = GroupRepo(db)
        members = MemberRepo(db)
        memberships = MembershipRepo(db)
        coordinators = CoordinatorRepo(db)
        directory = Directory(settings, members, memberships, coordinators)
        services = cls(
            settings=settings,
            clock=clock,
            db=db,
            wish_repo=wish_repo,
            events=events,
            outbox=outbox,
            groups=groups,
            members=members,
            drafts=DraftRepo(db),
            conversations=ConversationRepo(db),
            communities=CommunityRepo(db),
            branches=BranchRepo(db),
            memberships=memberships,
            coordinators=coordinators,
            directory=directory,
            wishes=WishService(
                db=db,
                wishes=wish_repo,
                events=events,
                outbox=outbox,
                groups=groups,
                directory=directory,
                clock=clock,
            ),
        )
        services.attach_records()
        return services

    def attach_records(self) -> None:
        self.stats = StatsRepo(self.db)
        records = RecordsRepo(self.db)
        self.records = RecordsService(
            stats=self.stats,
            records=records,
            communities=self.communities,
            branches=self.branches,
            memberships=self.memberships,
            directory=self.directory,
            wishes=self.wishes,
            events=self.events,
            clock=self.clock,
        )
        self.privacy = PrivacyService(
            db=self.db,
            records=records,
            events=self.events,
            communities=self.communities,
            wishes=self.wishes,
            clock=self.clock,
        )

    def attach_sender(self, bot: Bot) -> OutboxSender:
        self.sender = OutboxSender(
            bot=bot,
            db=self.db,
            outbox=self.outbox,
            wishes=self.wish_repo,
            groups=self.groups,
            members=self.members,
            directory=self.directory,
            clock=self.clock,
            limits=SendLimits(
                per_second=self.settings.outbox_rate_per_second,
                private_interval=self.settings.private_interval_seconds,
                group_per_minute=self.settings.group_messages_per_minute,
            ),
        )
        self.wishes.on_outbox = self.sender.wake
        return self.sender

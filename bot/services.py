"""The object graph the factory builds: storage, repositories and core services, no globals."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Bot

from bot.clock import Clock
from bot.messaging.ratelimit import SendLimits
from bot.messaging.sender import OutboxSender
from bot.people.directory import Directory
from bot.people.notices import Notices
from bot.people.organisation import OrgService
from bot.records.retention import PrivacyService
from bot.records.service import RecordsService
from bot.reminders.service import ReminderService
from bot.reports.chart_worker import ChartWorker
from bot.reports.weekly import ReportService
from bot.settings import Settings
from bot.wishes.balance import Balancer
from bot.wishes.lifecycle import WishService
from storage.db import Database
from storage.drafts import ConversationRepo, DraftRepo
from storage.events import EventRepo
from storage.groups import GroupRepo
from storage.identity import IdentityRepo
from storage.media import MediaRepo
from storage.members import MemberRepo
from storage.organisation import (
    BranchRepo,
    CommunityRepo,
    CoordinatorRepo,
    InviteRepo,
    JoinRequestRepo,
    MembershipRepo,
    PrefRepo,
)
from storage.outbox import OutboxRepo
from storage.records import RecordsRepo
from storage.reminders import ReminderRepo
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
    invites: InviteRepo
    requests: JoinRequestRepo
    prefs: PrefRepo
    directory: Directory
    wishes: WishService
    org: OrgService
    notices: Notices
    balancer: Balancer
    # Telegram's limits as this process sees them: the outbox and direct replies share them.
    limits: SendLimits = field(default_factory=SendLimits)
    sender: OutboxSender | None = field(default=None)
    # The scheduler's side (issue 4), built from the pieces above.
    reminder_repo: ReminderRepo = field(init=False)
    stats: StatsRepo = field(init=False)
    media: MediaRepo = field(init=False)
    records: RecordsService = field(init=False)
    privacy: PrivacyService = field(init=False)
    reminders: ReminderService = field(init=False)
    reports: ReportService = field(init=False)
    charts: ChartWorker = field(default_factory=ChartWorker)

    def __post_init__(self) -> None:
        self.reminder_repo = ReminderRepo(self.db)
        self.stats = StatsRepo(self.db)
        self.media = MediaRepo(self.db)
        self.reminders = ReminderService(
            db=self.db,
            repo=self.reminder_repo,
            communities=self.communities,
            members=self.members,
            groups=self.groups,
            directory=self.directory,
            outbox=self.outbox,
            events=self.events,
            wishes=self.wishes,
            settings=self.settings,
            clock=self.clock,
        )
        self.reports = ReportService(
            db=self.db,
            stats=self.stats,
            reminders=self.reminder_repo,
            communities=self.communities,
            branches=self.branches,
            groups=self.groups,
            members=self.members,
            directory=self.directory,
            media=self.media,
            outbox=self.outbox,
            settings=self.settings,
            charts=self.charts,
        )
        self.attach_records()

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
        prefs = PrefRepo(db)
        communities = CommunityRepo(db)
        directory = Directory(settings, members, IdentityRepo(db), coordinators, communities)
        wishes = WishService(
            db=db,
            wishes=wish_repo,
            events=events,
            outbox=outbox,
            groups=groups,
            communities=communities,
            directory=directory,
            clock=clock,
            card_settle_seconds=settings.card_settle_seconds,
        )
        branches = BranchRepo(db)
        notices = Notices(db=db, outbox=outbox, directory=directory, clock=clock)
        invites = InviteRepo(db)
        requests = JoinRequestRepo(db)
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
            communities=communities,
            branches=branches,
            memberships=memberships,
            coordinators=coordinators,
            directory=directory,
            wishes=wishes,
            invites=invites,
            requests=requests,
            prefs=prefs,
            notices=notices,
            balancer=Balancer(wishes=wishes, wish_repo=wish_repo, branches=branches, groups=groups),
            limits=SendLimits(
                per_second=settings.outbox_rate_per_second,
                private_interval=settings.private_interval_seconds,
                group_per_minute=settings.group_messages_per_minute,
                reply_headroom=settings.reply_headroom_per_second,
                private_burst=settings.private_burst,
            ),
            org=OrgService(
                db=db,
                settings=settings,
                clock=clock,
                communities=communities,
                branches=branches,
                memberships=memberships,
                coordinators=coordinators,
                invites=invites,
                requests=requests,
                prefs=prefs,
                members=members,
                groups=groups,
                events=events,
                outbox=outbox,
                directory=directory,
                notices=notices,
                wishes=wishes,
            ),
        )
        return services

    async def close(self) -> None:
        await self.charts.close()
        await self.db.close()

    def attach_records(self) -> None:
        """Issue 5's side: imports, figures, service records and data care."""
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
            outbox=self.outbox,
            wishes=self.wish_repo,
            groups=self.groups,
            members=self.members,
            directory=self.directory,
            notices=self.notices,
            memberships=self.memberships,
            clock=self.clock,
            limits=self.limits,
            max_in_flight=self.settings.outbox_in_flight,
            media=self.media,
        )
        self.wishes.on_outbox = self.sender.wake
        self.notices.on_outbox = self.sender.wake
        return self.sender

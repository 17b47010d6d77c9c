"""The object graph the factory builds: storage, repositories and core services, no globals."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.browse.service import Browse
from bot.categories.service import Categories
from bot.core import Core
from bot.drafts import DraftService
from bot.followups.service import FollowupService
from bot.foundation import Foundation
from bot.operations.backups import Backups
from bot.operations.health import Health, Heartbeat
from bot.operations.metrics import Metrics
from bot.outreach.service import Outreach
from bot.people.audit import Audit
from bot.people.newcomers import Newcomers
from bot.points.service import PointsService
from bot.records.retention import PrivacyService
from bot.records.service import RecordsService
from bot.reminders.service import ReminderService
from bot.reports.chart_worker import ChartWorker
from bot.reports.weekly import ReportService
from bot.wall.service import CoordinatorParts, WallService
from storage.media import MediaRepo
from storage.outbox import OutboxBacklog
from storage.records import RecordsRepo
from storage.reminders import ReminderRepo
from storage.stats import StatsRepo
from storage.wall import WallRepo

if TYPE_CHECKING:
    from telegram import Bot

    from bot.messaging.sender import OutboxSender


@dataclass
class Services(Foundation):
    """The features built on the foundation (bot/foundation.py: settings, clock, database,
    repositories, directory, wish lifecycle, organisation), and the handlers' view of them."""

    sender: OutboxSender | None = field(default=None)
    # The scheduler's side (reminders and reports), built from the pieces above.
    reminder_repo: ReminderRepo = field(init=False)
    stats: StatsRepo = field(init=False)
    media: MediaRepo = field(init=False)
    records: RecordsService = field(init=False)
    privacy: PrivacyService = field(init=False)
    reminders: ReminderService = field(init=False)
    reports: ReportService = field(init=False)
    charts: ChartWorker = field(default_factory=ChartWorker)
    # Drafts of conversations, and what people who have not joined yet see (handlers: `core`).
    draft_store: DraftService = field(init=False)
    newcomers: Newcomers = field(init=False)
    # The wish wall (the Mini App's API): reads of its own, changes through the lifecycle.
    wall: WallService = field(init=False)
    # Each community's wish categories (bot/categories/).
    categories: Categories = field(init=False)
    # Members' daily digest of new wishes, coordinators' broadcasts to a branch (bot/outreach/).
    outreach: Outreach = field(init=False)
    followups: FollowupService = field(init=False)  # follow-up visits (回访): bot/followups/
    # Service hours and points: what service adds up to, leaderboards, rules (bot/points/).
    points: PointsService = field(init=False)
    # The handlers' view of all this: the core's services without the repositories.
    core: Core = field(init=False)
    # Running it for years: what /healthz and /metrics report, and the backups.
    heartbeat: Heartbeat = field(init=False)
    metrics: Metrics = field(default_factory=Metrics)
    backups: Backups = field(init=False)
    backlog: OutboxBacklog = field(init=False)
    health: Health = field(init=False)

    def __post_init__(self) -> None:
        self.reminder_repo = ReminderRepo(self.db)
        self.stats = StatsRepo(self.db)
        self.media = MediaRepo(self.db)
        self.points = PointsService.over(self.db, Audit(self.events, self.clock), self.clock)
        self.categories = Categories.build(self.db, self.events, self.clock)
        self.followups = FollowupService.build(
            self.db, self.settings, self.clock, self.wishes, self.directory
        )
        self.draft_store = DraftService(self.drafts, self.clock)
        self.newcomers = Newcomers(self.communities, self.requests)
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
            followups=self.followups,
            points=self.points,
        )
        self.attach_records()
        self.attach_operations()
        self.wall = self.build_wall()
        self.outreach = Outreach.build(self.db, self.settings, self.clock, self.directory, self.draft_store)
        self.core = Core(
            settings=self.settings,
            clock=self.clock,
            directory=self.directory,
            communities=self.org.communities,
            people=self.org.people,
            groups=self.org.groups,
            newcomers=self.newcomers,
            drafts=self.draft_store,
            wishes=self.wishes,
            balancer=self.balancer,
            reminders=self.reminders,
            reports=self.reports,
            records=self.records,
            privacy=self.privacy,
            wall=self.wall,
            points=self.points,
            categories=self.categories,
            browse=Browse(wall=self.wall, categories=self.categories),
            outreach=self.outreach,
            followups=self.followups,
        )

    async def close(self) -> None:
        await self.charts.close()
        await self.db.close()

    def attach_operations(self) -> None:
        zone = self.settings.zone
        self.heartbeat = Heartbeat(started_at=self.clock.now())
        self.backups = Backups(
            db_path=self.settings.db, folder=Path(self.settings.backup_dir), zone=zone, now=self.clock.now
        )
        self.backlog = OutboxBacklog(self.db)
        self.health = Health(
            db=self.db,
            backlog=self.backlog,
            heartbeat=self.heartbeat,
            clock=self.clock,
            tick_seconds=self.settings.job_tick_seconds,
            backups=self.backups,
        )

    async def refresh_metrics(self) -> None:
        """Read what /metrics shows from the database at scrape time."""
        now = self.clock.now()

        async def backlog() -> tuple[int, float | None]:
            queued, oldest = await self.backlog.measure(now)
            return queued, (now - oldest).total_seconds() if oldest else None

        await self.metrics.refresh(backlog, self.backlog.wishes_by_state, asdict(self.db.writer_stats))

    def attach_records(self) -> None:
        """Records in and out: imports, figures, service records and data care."""
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
            categories=self.categories,
            points=self.points,
        )
        self.privacy = PrivacyService(
            db=self.db,
            records=records,
            events=self.events,
            communities=self.communities,
            wishes=self.wishes,
            clock=self.clock,
        )

    def build_wall(self) -> WallService:
        """The wish wall's API: its own reads, changes through the lifecycle, figures from the
        same places as /stats and the weekly report."""
        return WallService(
            settings=self.settings,
            clock=self.clock,
            db=self.db,
            wall=WallRepo(self.db),
            media=self.media,
            wishes=self.wishes,
            communities=self.communities,
            branches=self.branches,
            directory=self.directory,
            categories=self.categories,
            coordinators=CoordinatorParts(
                self.stats, self.reports, self.groups, self.records, self.balancer, self.org.people
            ),
        )

    def attach_sender(self, bot: Bot) -> OutboxSender:
        # Imported here: the sender brings the HTTP client (aiohttp, ~90 ms to import), which a
        # cron job that only queues (`wishwall jobs run --enqueue-only`) never needs.
        from bot.messaging.sender import OutboxSender

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
            observe=self.metrics.outbox_outcome,
            wall_app=self.settings.wall_app,
        )
        self.wishes.on_outbox = self.sender.wake
        self.notices.on_outbox = self.sender.wake
        self.outreach.broadcasts.on_outbox = self.sender.wake
        return self.sender

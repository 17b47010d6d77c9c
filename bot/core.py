"""What the Telegram layer may reach: the core's services, the settings and the clock. No
repository and no database: handlers ask the core, and the core alone asks storage."""

from __future__ import annotations

from dataclasses import dataclass

from bot.browse.service import Browse
from bot.categories.service import Categories
from bot.clock import Clock
from bot.drafts import DraftService
from bot.followups.service import FollowupService
from bot.outreach.service import Outreach
from bot.people.communities import Communities
from bot.people.directory import Directory
from bot.people.groups import Groups
from bot.people.membership import People
from bot.people.newcomers import Newcomers
from bot.points.service import PointsService
from bot.records.retention import PrivacyService
from bot.records.service import RecordsService
from bot.reminders.service import ReminderService
from bot.reports.weekly import ReportService
from bot.settings import Settings
from bot.wall.service import WallService
from bot.wishes.balance import Balancer
from bot.wishes.lifecycle import WishService


@dataclass(frozen=True, slots=True)
class Core:
    settings: Settings
    clock: Clock
    directory: Directory
    communities: Communities
    people: People
    groups: Groups
    newcomers: Newcomers
    drafts: DraftService
    wishes: WishService
    balancer: Balancer
    reminders: ReminderService
    reports: ReportService
    records: RecordsService
    privacy: PrivacyService
    wall: WallService
    points: PointsService
    categories: Categories
    browse: Browse
    outreach: Outreach
    followups: FollowupService

"""When scheduled messages may go, in each community's own time zone. Pure functions.

The scheduler runs a short pass every few minutes and asks these functions whether a daily or
weekly message is due *now*; together with the record of what was sent (storage/reminders.py)
that makes a late, repeated or restarted pass send each message exactly once.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.arguments import YEAR_MAX, YEAR_MIN
from bot.models import Community, Frozen, Period

_WEEK = re.compile(r"^\s*(\d{4})\s*-?\s*[Ww]\s*(\d{1,2})\s*$")


def community_zone(community: Community, fallback: tzinfo) -> tzinfo:
    try:
        return ZoneInfo(community.tz)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def at_local(day: date, hour: int, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone)


def in_quiet_hours(hour: int, community: Community) -> bool:
    """Quiet from quiet_start:00 up to quiet_end:00 local, across midnight when start > end."""
    start, end = community.quiet_start, community.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def send_hour(hour: int, community: Community) -> int:
    """A daily hour that falls in quiet hours moves to the end of them."""
    return community.quiet_end if in_quiet_hours(hour, community) else hour


def daily_slot(local: datetime, hour: int, community: Community) -> date | None:
    """The local day whose daily message may go now: today, once its hour has come, outside quiet hours.

    A pass that starts late (the bot was down at the hour) still sends today's message; a day
    the bot missed entirely is not sent the next morning on top of that day's own message.
    """
    if in_quiet_hours(local.hour, community) or local.hour < send_hour(hour, community):
        return None
    return local.date()


def latest_weekly_slot(local: datetime, community: Community, zone: tzinfo) -> datetime:
    """The most recent report moment (report_weekday at report_hour, moved out of quiet hours)."""
    hour = send_hour(community.report_hour, community)
    today = local.date()
    day = today - timedelta(days=(today.isoweekday() - community.report_weekday) % 7)
    slot = at_local(day, hour, zone)
    if slot > local:
        slot = at_local(day - timedelta(days=7), hour, zone)
    return slot


class IsoWeek(Frozen):
    """An ISO week (Monday to Sunday), written 2026-W47."""

    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> Self | None:
        match = _WEEK.match(text)
        if not match:
            return None
        year, week = int(match.group(1)), int(match.group(2))
        if not YEAR_MIN <= year <= YEAR_MAX:
            return None
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            return None
        return cls(year=year, week=week)

    @classmethod
    def of(cls, day: date) -> Self:
        year, week, _ = day.isocalendar()
        return cls(year=year, week=week)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def first_day(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=6)

    def shifted(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.first_day + timedelta(weeks=weeks))

    def period(self, zone: tzinfo) -> Period:
        """Monday 00:00 to the next Monday 00:00, local time."""
        return Period(
            start=at_local(self.first_day, 0, zone),
            end=at_local(self.first_day + timedelta(days=7), 0, zone),
            first_day=self.first_day,
            last_day=self.last_day,
            label=self.label,
        )


def report_week_for(slot: datetime) -> IsoWeek:
    """A report covers the last full week before the day it is made."""
    return IsoWeek.of(slot.date()).shifted(-1)


# How far a coordinator may move a due date (a holder is bound by the community's setting).
COORDINATOR_MAX_DAYS = 366


def extension_window(due: date, today: date, max_days: int, *, by_coordinator: bool) -> tuple[date, date]:
    """(earliest, latest) new due date: after the current one and not in the past; at most
    max_days after the current due date (or after today, for a wish already overdue)."""
    earliest = max(due + timedelta(days=1), today)
    if by_coordinator:
        return earliest, today + timedelta(days=COORDINATOR_MAX_DAYS)
    return earliest, max(due, today) + timedelta(days=max_days)

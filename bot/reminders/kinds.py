"""The reminder kinds, listed once: the scheduler's tick, `wishwall jobs run NAME` (its choices
and help) and the passes all come from `KINDS`; tests/test_scheduler_units.py checks they agree.

Plain data on purpose: `wishwall --help` and the argument parser read this table, and must not
pay for importing the core. So a row names its kind by the value of `ReminderKind` (a test ties
the two) and reaches its pass through the services it is given.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.models import ReminderKind
    from bot.services import Services

# One pass at the instant given; returns how many messages it queued.
Pass = Callable[[datetime], Awaitable[int]]
# `wishwall jobs run all`: every kind the tick runs (what cron runs when the tick is off).
ALL = "all"


@dataclass(frozen=True)
class ReminderJob:
    name: str  # the value of its ReminderKind
    help: str
    pass_of: Callable[[Services], Pass]
    # False: only `wishwall jobs run NAME` runs it (neither the tick nor "all").
    on_tick: bool = True
    # Further kinds of reminder rows the pass records besides its own (values of ReminderKind).
    also_records: tuple[str, ...] = ()

    @property
    def kind(self) -> ReminderKind:
        from bot.models import ReminderKind  # here, not at the top: see the module docstring

        return ReminderKind(self.name)


KINDS: tuple[ReminderJob, ...] = (
    ReminderJob(
        "due_soon",
        "a day before a claimed wish is due, remind its holder once",
        lambda services: services.reminders.due_soon,
    ),
    ReminderJob(
        "overdue",
        "chase the holders of overdue wishes daily; escalate to coordinators",
        lambda services: services.reminders.overdue,
        also_records=("escalation",),
    ),
    ReminderJob(
        "unclaimed",
        "nudge groups about posted wishes nobody has claimed",
        lambda services: services.reminders.unclaimed,
    ),
    ReminderJob(
        "weekly_report",
        "last week's report to groups and coordinators",
        lambda services: services.reports.weekly_pass,
    ),
    ReminderJob(
        "digest",
        "the daily digest of new wishes to members who subscribed",
        lambda services: services.outreach.subscriptions.digest_pass,
    ),
    ReminderJob(
        "broadcast_report",
        "tell coordinators how many members their broadcast reached, once it is out",
        lambda services: services.outreach.broadcasts.report_pass,
    ),
)
BY_NAME: dict[str, ReminderJob] = {job.name: job for job in KINDS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
ON_TICK: tuple[str, ...] = tuple(job.name for job in KINDS if job.on_tick)

"""The reminder kinds, listed once: the scheduler's tick, `wishwall jobs run NAME` (its choices
and help) and the passes all come from `KINDS`; tests/test_scheduler_units.py checks they agree.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.models import ReminderKind

if TYPE_CHECKING:
    from bot.services import Services

# One pass at the instant given; returns how many messages it queued.
Pass = Callable[[datetime], Awaitable[int]]
# `wishwall jobs run all`: every kind the tick runs (what cron runs when the tick is off).
ALL = "all"


@dataclass(frozen=True)
class ReminderJob:
    kind: ReminderKind
    help: str
    pass_of: Callable[[Services], Pass]
    # False: only `wishwall jobs run NAME` runs it (neither the tick nor "all").
    on_tick: bool = True
    # Further kinds of reminder rows the pass records besides its own.
    also_records: tuple[ReminderKind, ...] = ()

    @property
    def name(self) -> str:
        return self.kind.value


KINDS: tuple[ReminderJob, ...] = (
    ReminderJob(
        ReminderKind.DUE_SOON,
        "a day before a claimed wish is due, remind its holder once",
        lambda services: services.reminders.due_soon,
    ),
    ReminderJob(
        ReminderKind.OVERDUE,
        "chase the holders of overdue wishes daily; escalate to coordinators",
        lambda services: services.reminders.overdue,
        also_records=(ReminderKind.ESCALATION,),
    ),
    ReminderJob(
        ReminderKind.UNCLAIMED,
        "nudge groups about posted wishes nobody has claimed",
        lambda services: services.reminders.unclaimed,
    ),
    ReminderJob(
        ReminderKind.WEEKLY_REPORT,
        "last week's report to groups and coordinators",
        lambda services: services.reports.weekly_pass,
    ),
)
BY_NAME: dict[str, ReminderJob] = {job.name: job for job in KINDS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
ON_TICK: tuple[str, ...] = tuple(job.name for job in KINDS if job.on_tick)

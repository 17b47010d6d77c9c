"""Records of scheduled messages and figures: reminders as recorded (sent at most once), and a
period's figures for the weekly report."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from storage.frozen import Frozen


class ReminderKind(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    UNCLAIMED = "unclaimed"
    WEEKLY_REPORT = "weekly_report"
    # Kept in tables of their own (storage/subscriptions.py, storage/broadcasts.py), not in
    # `reminders`, but run by the same scheduler.
    DIGEST = "digest"
    BROADCAST_REPORT = "broadcast_report"


class Reminder(Frozen):
    """One scheduled message as recorded: (kind, wish_id, recipient, period) is sent at most once."""

    kind: ReminderKind
    community_id: int
    wish_id: int = 0  # 0: not about one wish (a weekly report)
    recipient: int  # the chat it went to: a member, a coordinator or a group
    period: str  # local date, ISO week, or a due-date key: whatever makes "once" true for the kind
    due_date: date | None = None  # the due date a wish reminder was about (counts restart when it moves)


class Period(Frozen):
    """A stretch of time for figures: instants for events, local calendar days for due dates."""

    start: datetime  # aware; inclusive
    end: datetime  # aware; exclusive (the moment the figures are taken)
    first_day: date  # the local calendar days the period covers, inclusive
    last_day: date
    label: str


class Figures(Frozen):
    """What happened to a community's wishes in one period: one branch (None: not posted yet) or all.

    Activity counts are distinct wishes with that step in the period. The completion rate is
    due_fulfilled / due: of the wishes whose due date falls in the period (rejected and cancelled
    ones left out), those fulfilled before the period ended. Overdue: wishes held by a member,
    past their due date and not delivered when the period ended.
    """

    branch_id: int | None = None
    collected: int = 0
    verified: int = 0
    posted: int = 0
    claimed: int = 0
    delivered: int = 0
    fulfilled: int = 0
    due: int = 0
    due_fulfilled: int = 0
    overdue: int = 0

    @property
    def completion_rate(self) -> float | None:
        return self.due_fulfilled / self.due if self.due else None

    def plus(self, other: Figures) -> Figures:
        """Sum of two sets of figures (branch_id is kept only when both share it)."""
        names = [n for n in type(self).model_fields if n != "branch_id"]
        summed = {n: getattr(self, n) + getattr(other, n) for n in names}
        same = self.branch_id if self.branch_id == other.branch_id else None
        return Figures(branch_id=same, **summed)

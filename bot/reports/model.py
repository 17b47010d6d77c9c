"""What a weekly report is, apart from how it is computed: the worker process that draws its
chart needs these and nothing of the service that builds them."""

from __future__ import annotations

from bot.models import Figures, Frozen
from bot.points.rules import ServiceTotals
from bot.timing import IsoWeek
from storage.followups import FollowupFigures


class BranchRow(Frozen):
    branch_id: int | None  # None: wishes not posted to any branch yet
    name: str
    figures: Figures


class WeeklyReport(Frozen):
    community_id: int
    community_name: str
    week: IsoWeek
    this: Figures
    previous: Figures
    branches: list[BranchRow]
    history: list[tuple[str, float | None]]  # (week label, completion rate), oldest first
    # Follow-ups (回访) as they stood at the week's end, and how long a fulfilled wish may wait.
    followups: FollowupFigures | None = None
    followup_days: int = 14
    # Service hours and points of the wishes fulfilled in the week (bot/points).
    service: ServiceTotals | None = None


class ReportOutput(Frozen):
    """One report as a chat receives it: a text message and a chart photo with a caption."""

    text: str
    chart: bytes
    caption: str

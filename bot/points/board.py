"""A leaderboard as data: which scope and period it was asked for, and the ranking itself."""

from __future__ import annotations

from datetime import date

from bot.models import Branch, Community, Frozen
from bot.points.rules import PointsRules, ServiceTotals
from bot.reports import figures
from storage.stats import Period

# What /leaderboard takes besides a period or a branch's name, in either language.
_SCOPES = {
    "branch": "branch",
    "支部": "branch",
    "community": "community",
    "社区": "community",
    "全社区": "community",
}
_SPANS = {
    "month": figures.month_of,
    "月": figures.month_of,
    "本月": figures.month_of,
    "half": figures.half_of,
    "半年": figures.half_of,
    "year": figures.year_of,
    "年": figures.year_of,
    "今年": figures.year_of,
    "全年": figures.year_of,
}


class BoardRow(Frozen):
    rank: int
    user_id: int
    name: str | None  # None: they hide from leaderboards ("a volunteer")
    totals: ServiceTotals


class Board(Frozen):
    community: Community
    branch: Branch | None  # None: the whole community
    period: Period
    rows: list[BoardRow]
    rules: PointsRules  # those in force now, stated under the ranking


def parse_board(
    tokens: list[str], today: date, default: tuple[date, date] | None = None
) -> tuple[str | None, tuple[date, date]]:
    """(scope, days) from the words after the command: scope is "branch", "community", a
    branch's name or None (not said); days this month, half year or year (the month unless
    said), or any period /export takes (2026, 2026H1, two dates). Raises InvalidInput for a
    period that is not one."""
    words: list[str] = []
    span: tuple[date, date] | None = None
    scope: str | None = None
    for token in tokens:
        lowered = token.strip().lower()
        if lowered in _SPANS:
            span = _SPANS[lowered](today)
        elif lowered in _SCOPES:
            scope = _SCOPES[lowered]
        else:
            words.append(token)
    parsed, rest = figures.parse_period(words, span or default or figures.month_of(today))
    if rest:
        scope = " ".join(rest)
    return scope, parsed


def rank(totals: dict[int, ServiceTotals]) -> list[tuple[int, int]]:
    """(place, user) by points, then hours; equal totals share a place (1, 2, 2, 4)."""
    order = sorted(totals, key=lambda uid: (-totals[uid].points_tenths, -totals[uid].hours_tenths, uid))
    places: list[tuple[int, int]] = []
    for index, uid in enumerate(order):
        before = order[index - 1] if index else None
        same = before is not None and (totals[before].points_tenths, totals[before].hours_tenths) == (
            totals[uid].points_tenths,
            totals[uid].hours_tenths,
        )
        places.append((places[-1][0] if same else index + 1, uid))
    return places

"""A whole community's figures of a period from its per-day counts (migration 0016).

A month or a year counted from the indexes walks every wish of it, several times (one range
per figure and per category): ~80-160 ms for a year of a community collecting 100,000 wishes
(bench/, scenario 5). The counts per UTC day, kept by triggers with every change of a wish,
give the period's whole UTC days in a few hundred rows; the hours at its two ends (a period's
days begin at midnight in the community's time zone, not in UTC) are still counted from the
indexes, a day's wishes at most. Due dates are calendar days already: their counts are exact.

due_fulfilled counts a wish fulfilled at any time, and a period's figure only those fulfilled
before its cutoff: the ones fulfilled since are taken off, from an index range. So the counts
answer for a period that has not ended (its cutoff is now, the range the last instants); an
ended period's figures are counted from the indexes (storage/stats.py). Its top categories
have no cutoff: any period's come from the counts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from storage.db import utc_text
from storage.stats_models import Period


def whole_days(period: Period) -> dict[str, Any] | None:
    """The parameters of a period's split: its whole UTC days [:first_day, :end_day), and the
    instants of the hours before (:start .. :edge1) and after them (:edge2 .. :end). None when
    no whole UTC day lies inside."""
    start, end = period.start_instant(), period.end_instant()
    first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if first < start:
        first += timedelta(days=1)
    last = end.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if first >= last:
        return None
    return {
        "start": utc_text(start),
        "edge1": utc_text(first),
        "edge2": utc_text(last),
        "end": utc_text(end),
        "first_day": first.date().isoformat(),
        "end_day": last.date().isoformat(),
    }


def counts_apply(period: Period, now: datetime) -> bool:
    """Whether the counts may give the period's figures: it has not ended."""
    return now.astimezone(UTC) < period.end_instant()


def _days(figure: str, first: str = ":first_day", end: str = ":end_day") -> str:
    return (
        "(SELECT COALESCE(SUM(d.n), 0) FROM wish_days d WHERE d.community_id = :community"
        f" AND d.figure = {figure} AND d.day >= {first} AND d.day < {end})"
    )


def _instant(figure: str, column: str, condition: str = "", total: str = "COUNT(*)") -> str:
    """A figure counted by the instant in `column`: whole days from the counts, the two ends
    from the column's index."""
    ends = [
        f"(SELECT {total} FROM wishes w WHERE w.community_id = :community{condition}"
        f" AND {column} >= {low} AND {column} < {high})"
        for low, high in ((":start", ":edge1"), (":edge2", ":end"))
    ]
    return " + ".join([_days(figure), *ends])


_FULFILLED = " AND w.status = 'fulfilled'"

# collected, claimed, fulfilled, their value, due, due_fulfilled: PeriodFigures' order.
FIGURES_SQL = "SELECT " + ", ".join(
    [
        _instant("'collected'", "w.created_at"),
        _instant("'claimed'", "w.claimed_at"),
        _instant("'fulfilled'", "w.fulfilled_at", _FULFILLED),
        _instant("'value'", "w.fulfilled_at", _FULFILLED, "COALESCE(SUM(COALESCE(w.value_fen, 0)), 0)"),
        _days("'due'", ":day_start", ":day_end"),
        # Less those fulfilled at or after the cutoff (now): normally none, an index range of
        # the last instants at most.
        _days("'due_fulfilled'", ":day_start", ":day_end")
        + " - (SELECT COUNT(*) FROM wishes w WHERE w.community_id = :community"
        " AND w.status = 'fulfilled' AND w.fulfilled_at >= :cutoff"
        " AND w.due_date >= :day_start AND w.due_date < :day_end)",
    ]
)


def category_counts_sql(keys: str) -> str:
    """(category, n) of the period's collected wishes not rejected, for each key in the
    subquery `keys` (column key) with any."""
    counted = _instant("'c:' || c.key", "w.created_at", " AND w.category = c.key AND w.status <> 'rejected'")
    return f"SELECT category, n FROM (SELECT c.key AS category, {counted} AS n FROM ({keys}) c) WHERE n > 0"

"""The arithmetic behind every reported figure, and the periods people ask for.

Pure functions; the counts come from storage/stats.py. The completion rate is defined once,
here, and its formula is stated to users once per report (text key "fig.formula"):

    completion rate = due_fulfilled / due

where *due* counts the wishes whose due date falls in the period (rejected and cancelled ones
left out) and *due_fulfilled* those of them fulfilled before the period ended, or before now
when it has not ended yet. A wish fulfilled after its period ended does not raise that
period's rate afterwards, so a report once sent stays true.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo

from bot import arguments
from bot.errors import InvalidInput
from bot.models import WishStatus

_YEAR = re.compile(r"^(\d{4})$")
_HALF = re.compile(r"^(\d{4})\s*[Hh]([12])$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def format_percent(rate: float) -> str:
    """0.625 -> 62.5%, 0.5 -> 50%: one decimal only when it says something."""
    text = f"{rate * 100:.1f}".removesuffix(".0")
    return f"{text}%"


def completion_rate(due_fulfilled: int, due: int) -> float | None:
    """None when nothing was due: a rate of an empty period is not 0% and not 100%."""
    if due <= 0:
        return None
    return due_fulfilled / due


def percent(due_fulfilled: int, due: int) -> str:
    """'75%' (rounded half up to a whole percent), or '—' when nothing was due."""
    if due <= 0:
        return "—"
    whole = (200 * due_fulfilled + due) // (2 * due)
    return f"{whole}%"


def yuan(value_fen: int | None) -> str:
    if value_fen is None:
        return ""
    whole, fen = divmod(value_fen, 100)
    return f"{whole}" if fen == 0 else f"{whole}.{fen:02d}"


def local_day(when: datetime | None, zone: tzinfo) -> date | None:
    return when.astimezone(zone).date() if when is not None else None


def days_late(due: date, status: WishStatus, delivered_on: date | None, today: date) -> int | None:
    """Days past the due date: until delivery once delivered, until today while still pending
    delivery. None for wishes that were withdrawn (rejected, cancelled); 0 when on time."""
    if status in (WishStatus.REJECTED, WishStatus.CANCELLED):
        return None
    done = delivered_on if status in (WishStatus.DELIVERED, WishStatus.FULFILLED) and delivered_on else today
    return max(0, (done - due).days)


def on_time(due: date, delivered_on: date | None) -> bool | None:
    """Whether a delivered wish was delivered by its due date; None while not delivered."""
    if delivered_on is None:
        return None
    return delivered_on <= due


# --- periods --------------------------------------------------------------------------------


def year_of(day: date) -> tuple[date, date]:
    return date(day.year, 1, 1), date(day.year + 1, 1, 1)


def half_of(day: date) -> tuple[date, date]:
    """The half year a day is in: January–June or July–December (the branch reporting cycle)."""
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 7, 1)
    return date(day.year, 7, 1), date(day.year + 1, 1, 1)


def month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def parse_period(tokens: list[str], default: tuple[date, date]) -> tuple[tuple[date, date], list[str]]:
    """Read a period from command arguments; return it and the arguments left over.

    Accepted: ``2026`` (the year), ``2026H1``/``2026H2`` (a half year), ``2026-01-01
    2026-06-30`` (both days included), or a single day (from it to the end of its year).
    Raises InvalidInput("fig.bad_period") for anything that looks like a period but is not one.
    """
    rest: list[str] = []
    days: list[date] = []
    found: tuple[date, date] | None = None
    for token in tokens:
        if match := _HALF.match(token):
            year, half = arguments.year(int(match.group(1))), int(match.group(2))
            found = (
                (date(year, 1, 1), date(year, 7, 1))
                if half == 1
                else (date(year, 7, 1), date(year + 1, 1, 1))
            )
        elif match := _YEAR.match(token):
            found = year_of(date(arguments.year(int(match.group(1))), 1, 1))
        elif _ISO_DAY.match(token):
            try:
                day = date.fromisoformat(token)
            except ValueError as exc:
                raise InvalidInput("fig.bad_period") from exc
            arguments.year(day.year)
            days.append(day)
        else:
            rest.append(token)
    if days:
        if found is not None or len(days) > 2:
            raise InvalidInput("fig.bad_period")
        start = days[0]
        end = days[1] + timedelta(days=1) if len(days) == 2 else year_of(start)[1]
        if end <= start:
            raise InvalidInput("fig.bad_period")
        found = (start, end)
    return (found or default), rest


def period_token(start: date, end: date) -> str:
    """A compact name for a period that parse_period reads back (for buttons)."""
    if (start.month, start.day) == (1, 1) and end == date(start.year + 1, 1, 1):
        return str(start.year)
    if (start.month, start.day) == (1, 1) and end == date(start.year, 7, 1):
        return f"{start.year}H1"
    if (start.month, start.day) == (7, 1) and end == date(start.year + 1, 1, 1):
        return f"{start.year}H2"
    return f"{start.isoformat()}_{(end - timedelta(days=1)).isoformat()}"


def parse_token(token: str) -> tuple[date, date] | None:
    """The inverse of period_token; None for anything else."""
    try:
        period, rest = parse_period(token.split("_"), (date.min, date.min))
    except InvalidInput:
        return None
    if rest or period == (date.min, date.min):
        return None
    return period

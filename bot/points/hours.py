"""Service hours as people type, tap and read them.

Hours are kept in tenths of an hour (25: 2.5 h) wherever they are counted, so sums are exact;
an event records them as a number of hours (2 or 2.5). One delivery counts 0 to 24 hours for
each member who served it (a joint wish's members each served the hours stated).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from bot.callbacks import HoursBy, HoursCallback
from bot.errors import InvalidInput
from bot.models import Button
from bot.texts import t

MAX_HOURS = 24
MAX_TENTHS = MAX_HOURS * 10
# The hours offered as buttons (the default or the hours recorded are added when not among them).
CHOICES = (1, 2, 3, 4, 6, 8)
_PER_ROW = 4

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
# "2", "2.5", "2,5", "2h", "2 小时", "2个小时": a number with at most one decimal, then a unit.
_HOURS = re.compile(r"^([0-9]{1,3})(?:[.,]([0-9]))?\s*(?:h|hr|hrs|hour|hours|小时|个小时|個小時|小時)?$")


def parse_hours(text: str) -> int:
    """Typed hours as tenths; InvalidInput naming the accepted form otherwise (negative numbers,
    more than 24 hours, two decimals and words all get the same short answer)."""
    match = _HOURS.match(text.strip().lower().translate(_FULL_WIDTH))
    if match is None:
        raise InvalidInput("hp.bad_hours", max=MAX_HOURS)
    tenths = int(match.group(1)) * 10 + int(match.group(2) or 0)
    return check_tenths(tenths)


def check_tenths(tenths: int) -> int:
    if not 0 <= tenths <= MAX_TENTHS:
        raise InvalidInput("hp.bad_hours", max=MAX_HOURS)
    return tenths


def as_number(tenths: int) -> int | float:
    """Hours as an event or a spreadsheet records them: 2 or 2.5."""
    return tenths // 10 if tenths % 10 == 0 else tenths / 10


def from_number(hours: float | None) -> int | None:
    """Hours read back from an event, as tenths."""
    if hours is None:
        return None
    return int((Decimal(str(hours)) * 10).quantize(Decimal(1), ROUND_HALF_UP))


def format_tenths(tenths: int) -> str:
    """Tenths (of an hour or of a point) as people read them: 20 -> '2', 25 -> '2.5'."""
    whole, tenth = divmod(tenths, 10)
    return f"{whole}" if tenth == 0 else f"{whole}.{tenth}"


def round_tenths(value: Fraction) -> int:
    """A number of tenths, rounded half up (a third of ten points is 3.3, two thirds 6.7)."""
    return int((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal(1), ROUND_HALF_UP))


def choices(current: int) -> list[int]:
    """The tenths offered as buttons: the usual hours and the current ones, in order."""
    return sorted({c * 10 for c in CHOICES} | {current})


def hours_rows(lang: str, wish_id: int, by: HoursBy, current: int) -> tuple[tuple[Button, ...], ...]:
    """Buttons for a wish's hours. A member's show every choice, the current one ticked; a
    coordinator's confirm with other hours than the current ones (Confirm keeps those)."""
    buttons: list[Button] = []
    for tenths in choices(current):
        if by is HoursBy.COORDINATOR and tenths == current:
            continue
        if by is HoursBy.COORDINATOR:
            key = "hp.btn_confirm_with"
        else:
            key = "hp.btn_hours_current" if tenths == current else "hp.btn_hours"
        data = HoursCallback(by=by, wish_id=wish_id, tenths=tenths).pack()
        buttons.append(Button(text=t(lang, key, hours=format_tenths(tenths)), callback_data=data))
    return tuple(tuple(buttons[i : i + _PER_ROW]) for i in range(0, len(buttons), _PER_ROW))

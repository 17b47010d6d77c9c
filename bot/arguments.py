"""Numbers typed after a command, read strictly.

`str.isdigit()` says yes to "²" and "٣" and `int()` accepts twenty-digit numbers that no
SQLite column holds; both used to end in the generic error. These readers accept ASCII (and
full-width, as Chinese input methods type them) digits within a stated range, and each refusal
names the range or form that would be accepted.
"""

from __future__ import annotations

import re

from bot.errors import InvalidInput

# Years a period or week may name: wide enough for any program's history, narrow enough that
# the year after the last one is still a valid date.
YEAR_MIN, YEAR_MAX = 2000, 2100
# Telegram user ids fit in 52 bits.
USER_ID_MAX = 2**52

_FULL_WIDTH = str.maketrans("０１２３４５６７８９－＋", "0123456789-+")
_WHOLE = re.compile(r"^[+-]?[0-9]{1,18}$")


def _ascii(text: str) -> str:
    return text.strip().translate(_FULL_WIDTH)


def is_whole(text: str) -> bool:
    return _WHOLE.match(_ascii(text)) is not None


def whole(text: str, low: int, high: int, *, reason: str = "arg.whole_range", **params: object) -> int:
    """A whole number from low to high; InvalidInput(reason, low=, high=, ...) otherwise."""
    plain = _ascii(text)
    if not _WHOLE.match(plain) or not low <= int(plain) <= high:
        raise InvalidInput(reason, low=low, high=high, **params)
    return int(plain)


def user_id(text: str) -> int:
    """A Telegram user id as /members lists it."""
    return whole(text, 1, USER_ID_MAX, reason="arg.user_id")


def year(value: int) -> int:
    if not YEAR_MIN <= value <= YEAR_MAX:
        raise InvalidInput("arg.year_range", low=YEAR_MIN, high=YEAR_MAX)
    return value

"""What a wall user may ask for, read strictly: every parameter known, each value in its form and
range, or InvalidInput naming the parameter (the page shows the message as it is).

A web client sends plain ASCII, so unlike bot/arguments.py (people typing in a chat) nothing is
translated or guessed here: a value is right or it is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum

from bot.errors import InvalidInput
from bot.models import Category, Frozen, category_key
from bot.validation import VALUE_MAX_YUAN

LIMIT_MAX = 100
LIMIT_DEFAULT = 50
OFFSET_MAX = 100_000
DUE_WITHIN_MAX = 366
SEARCH_MAX = 50
ID_MAX = 2**62

_WHOLE = re.compile(r"^[0-9]{1,19}$")
_AMOUNT = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")


class Sort(StrEnum):
    DUE = "due"
    NEW = "new"


class WallQuery(Frozen):
    category: str | None = None  # a key: built in, or one of the community's own (c12)
    branch_id: int | None = None
    min_fen: int | None = None
    max_fen: int | None = None
    due_within: int | None = None  # days from today in the community's zone
    sort: Sort = Sort.DUE
    text: str | None = None
    limit: int = LIMIT_DEFAULT
    offset: int = 0


_PARAMS = ("category", "branch", "min_value", "max_value", "due_within", "sort", "q", "limit", "offset")


def whole(name: str, raw: str, low: int, high: int) -> int:
    if not _WHOLE.match(raw) or not low <= int(raw) <= high:
        raise InvalidInput("wall.bad_whole", name=name, low=low, high=high)
    return int(raw)


def amount_fen(name: str, raw: str) -> int:
    if not _AMOUNT.match(raw) or Decimal(raw) > VALUE_MAX_YUAN:
        raise InvalidInput("wall.bad_amount", name=name, max=VALUE_MAX_YUAN)
    return int(Decimal(raw) * 100)


def single(params: Mapping[str, Sequence[str]], known: Sequence[str]) -> dict[str, str]:
    """One value per known parameter. Unknown or repeated ones are refused: a filter the server
    silently ignored would show a list the user did not ask for."""
    values: dict[str, str] = {}
    for name, given in params.items():
        if name not in known:
            raise InvalidInput("wall.unknown_param", name=name[:40])
        if len(given) != 1:
            raise InvalidInput("wall.repeated_param", name=name)
        values[name] = given[0]
    return values


def parse_query(params: Mapping[str, Sequence[str]]) -> WallQuery:
    """The list's filters from the query string (each name mapped to every value given)."""
    raw = {name: value for name, value in single(params, _PARAMS).items() if value != ""}
    category = raw.get("category")
    if category is not None:
        # Only the form is checked here; a key no category of the community has finds nothing.
        try:
            category = category_key(category)
        except ValueError:
            choices = ", ".join([*(c.value for c in Category), "c<number>"])
            raise InvalidInput("wall.bad_choice", name="category", choices=choices) from None
    sort = raw.get("sort", Sort.DUE.value)
    if sort not in {s.value for s in Sort}:
        raise InvalidInput("wall.bad_choice", name="sort", choices=", ".join(s.value for s in Sort))
    min_fen = amount_fen("min_value", raw["min_value"]) if "min_value" in raw else None
    max_fen = amount_fen("max_value", raw["max_value"]) if "max_value" in raw else None
    if min_fen is not None and max_fen is not None and min_fen > max_fen:
        raise InvalidInput("wall.bad_value_range")
    text = " ".join(raw.get("q", "").split()) or None
    if text is not None and len(text) > SEARCH_MAX:
        raise InvalidInput("wall.bad_text", name="q", max=SEARCH_MAX)
    return WallQuery(
        category=category,
        branch_id=whole("branch", raw["branch"], 1, ID_MAX) if "branch" in raw else None,
        min_fen=min_fen,
        max_fen=max_fen,
        due_within=whole("due_within", raw["due_within"], 0, DUE_WITHIN_MAX) if "due_within" in raw else None,
        sort=Sort(sort),
        text=text,
        limit=whole("limit", raw["limit"], 1, LIMIT_MAX) if "limit" in raw else LIMIT_DEFAULT,
        offset=whole("offset", raw["offset"], 0, OFFSET_MAX) if "offset" in raw else 0,
    )


def parse_day(name: str, raw: object) -> date:
    """A calendar day as YYYY-MM-DD, nothing else (date.fromisoformat also takes 20261231)."""
    if not isinstance(raw, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        raise InvalidInput("wall.bad_date", name=name)
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput("wall.bad_date", name=name) from exc

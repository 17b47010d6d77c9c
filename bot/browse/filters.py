"""What a member types after /wishes, read as filters that combine: a category's name in either
language (the community's list), a value cap (<100, ≤100, <=100 yuan), a due window (7d, 7天).

    /wishes 独居老人 <100 7d      /wishes Elderly living alone ≤ 50      /wishes 14天
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from bot.browse.buttons import ListAction, ListCallback
from bot.categories.book import CategoryBook
from bot.errors import InvalidInput
from bot.models import Frozen
from bot.validation import DUE_MAX_DAYS, VALUE_MAX_YUAN

TEXT_MAX = 120
# A category name may be several words ("Elderly living alone"): tried up to this many at once.
_WORDS_MAX = 6
_VALUE = re.compile(r"(<=|≤|≦|<)\s*([0-9]{1,9}(?:\.[0-9]{1,2})?)\s*(?:元|yuan|¥)?", re.IGNORECASE)
_DUE = re.compile(r"^([0-9]{1,4})\s*(?:d|days?|天|日)$", re.IGNORECASE)


class BrowseFilter(Frozen):
    category: str | None = None
    max_fen: int | None = None  # at most this value (wishes without a value do not match)
    due_within: int | None = None  # due within this many days from today (overdue ones too)

    @property
    def any(self) -> bool:
        return self.category is not None or self.max_fen is not None or self.due_within is not None

    def button(self, action: ListAction, page: int, wish_id: int = 0) -> str:
        return ListCallback(
            action=action,
            wish_id=wish_id,
            page=page,
            category=self.category or "-",
            max_fen=-1 if self.max_fen is None else self.max_fen,
            due_within=-1 if self.due_within is None else self.due_within,
        ).pack()

    @classmethod
    def of(cls, data: ListCallback) -> BrowseFilter:
        return cls(
            category=None if data.category == "-" else data.category,
            max_fen=None if data.max_fen < 0 else data.max_fen,
            due_within=None if data.due_within < 0 else data.due_within,
        )


def _cap_fen(operator: str, amount: str) -> int:
    value = Decimal(amount)
    if value > VALUE_MAX_YUAN:
        raise InvalidInput("browse.bad_value", max=VALUE_MAX_YUAN)
    fen = int(value * 100)
    if operator == "<":
        if fen == 0:
            raise InvalidInput("browse.bad_value", max=VALUE_MAX_YUAN)
        return fen - 1  # below 100 yuan: 99.99 at most
    return fen


def parse_filters(text: str, book: CategoryBook) -> BrowseFilter:
    """The filters typed, or InvalidInput naming the first word that is none of them."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    if len(folded) > TEXT_MAX:
        raise InvalidInput("browse.too_long", max=TEXT_MAX)
    found: dict[str, object] = {}

    def once(name: str, value: object) -> None:
        if name in found:
            raise InvalidInput("browse.twice")
        found[name] = value

    for match in _VALUE.finditer(folded):
        once("max_fen", _cap_fen(match.group(1), match.group(2)))
    words = _VALUE.sub(" ", folded).split()
    i = 0
    while i < len(words):
        due = _DUE.match(words[i])
        if due:
            days = int(due.group(1))
            if days > DUE_MAX_DAYS:
                raise InvalidInput("browse.bad_days", max=DUE_MAX_DAYS)
            once("due_within", days)
            i += 1
            continue
        # The longest run of words from here that names a category (hidden ones too: their
        # open wishes are still there to claim).
        for j in range(min(len(words), i + _WORDS_MAX), i, -1):
            key = book.match(" ".join(words[i:j]), hidden=True)
            if key is not None:
                once("category", key)
                i = j
                break
        else:
            raise InvalidInput("browse.unknown_word", word=words[i][:30])
    return BrowseFilter.model_validate(found)

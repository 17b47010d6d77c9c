"""Which categories a member means when they name some after /subscribe, and their names.

The one place that knows where a community's categories come from: its category book (the
seven built in and its own, bot/categories/), matched in Chinese or English as /newwish and the
import match them.
"""

from __future__ import annotations

import re

from bot.categories.book import CategoryBook, category_label
from bot.categories.service import Categories
from bot.errors import InvalidInput
from bot.models import Wish
from bot.texts import t

# Named categories are separated by commas (any width), 、 or ; — or by spaces, as long as
# the words between still name a category ("elderly living alone" is one).
_SEPARATORS = re.compile(r"[,，、;；\n]+")
MAX_ARGUMENT = 300


def key_of(wish: Wish) -> str:
    return str(wish.category)


class Topics:
    def __init__(self, categories: Categories) -> None:
        self._categories = categories

    async def parse(self, community_id: int, text: str, lang: str) -> tuple[str, ...]:
        """The category keys named in `text` (in the community's order, without repeats);
        raises InvalidInput naming the first word that is no category, and listing them."""
        if len(text) > MAX_ARGUMENT:
            raise InvalidInput("val.too_long", max=MAX_ARGUMENT)
        book = await self._categories.book(community_id)
        found: set[str] = set()
        for chunk in _SEPARATORS.split(text):
            found |= _named_in(book, chunk, lang)
        return tuple(entry.key for entry in book.entries if entry.key in found)

    async def labels(self, community_id: int, keys: tuple[str, ...], lang: str) -> tuple[str, ...]:
        book = await self._categories.book(community_id)
        found = []
        for key in keys:
            entry = book.entry(key)
            found.append(entry.label(lang) if entry is not None else category_label(lang, key))
        return tuple(found)


def _named_in(book: CategoryBook, chunk: str, lang: str) -> set[str]:
    if not chunk.strip():
        return set()
    whole = book.match(chunk)
    if whole is not None:
        return {whole}
    found: set[str] = set()
    words = chunk.split()
    start = 0
    while start < len(words):
        # The longest run of words from here that names a category.
        for end in range(len(words), start, -1):
            key = book.match(" ".join(words[start:end]))
            if key is not None:
                found.add(key)
                start = end
                break
        else:
            known = t(lang, "sep.list").join(label for _, label in book.choices(lang))
            raise InvalidInput("sub.unknown_category", name=words[start][:40], known=known)
    return found

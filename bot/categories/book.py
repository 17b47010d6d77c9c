"""A community's categories as one value: the seven built in (names in the text catalog) and its
own (names in both languages, maybe hidden). Pure: labels, matching typed names in either
language, and the checks a new name must pass. No I/O; bot/categories/service.py reads it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple, Protocol

from bot import validation
from bot.errors import InvalidInput
from bot.models import Category, CategoryNames
from bot.texts import CATALOG, t

BUILTIN: tuple[str, ...] = tuple(c.value for c in Category)
_BUILTIN = frozenset(BUILTIN)
NAME_MAX = 30
# A community's own categories at most: each is a button in /newwish and /categories.
CUSTOM_MAX = 30
# Between the two names when typed on one line: 独居青年 / Young people living alone.
NAME_SEPARATORS = ("/", "|", "\n")


def category_label(lang: str, key: str, names: CategoryNames | None = None) -> str:
    """The name of a category in a language: a custom one's own, a built-in one's text."""
    if names is not None:
        return names.name(lang)
    if key in _BUILTIN:
        return t(lang, f"cat.{key}")
    # A custom key read without its names (a query that did not select them): still readable.
    return t(lang, "cat.other")


class Labelled(Protocol):
    """Anything read from storage with a category: a wish, a claim-sheet row, a count."""

    @property
    def category(self) -> str: ...
    @property
    def category_names(self) -> CategoryNames | None: ...


def label_of(item: Labelled, lang: str) -> str:
    return category_label(lang, item.category, item.category_names)


# How typed names are compared: width, case, spaces, punctuation and anything in brackets
# ignored ("Left-behind child" is "left_behind_child", "独居老人（男）" is "独居老人").
_BRACKETS = re.compile(r"[(【\[][^)】\]]*[)】\]]")
_NOISE = re.compile(r"[\s*_\-:.·]+")


def match_form(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    return _NOISE.sub("", _BRACKETS.sub("", folded)).casefold()


class CategoryChoice(NamedTuple):
    key: str
    label: str


@dataclass(frozen=True)
class CategoryEntry:
    key: str
    number: int | None = None  # a custom category's id (what /categories shows); None: built in
    names: CategoryNames | None = None  # a custom category's names
    hidden: bool = False

    @property
    def builtin(self) -> bool:
        return self.number is None

    def label(self, lang: str) -> str:
        return category_label(lang, self.key, self.names)

    def spellings(self) -> list[str]:
        """Every way of writing it that matching accepts: its names in every language, its key."""
        if self.names is not None:
            return [self.names.zh, self.names.en, self.key]
        return [*CATALOG[f"cat.{self.key}"].values(), self.key]


@dataclass(frozen=True)
class CategoryBook:
    entries: tuple[CategoryEntry, ...]

    def visible(self) -> list[CategoryEntry]:
        return [e for e in self.entries if not e.hidden]

    def custom(self) -> list[CategoryEntry]:
        return [e for e in self.entries if not e.builtin]

    def entry(self, key: str) -> CategoryEntry | None:
        return next((e for e in self.entries if e.key == key), None)

    def label(self, key: str, lang: str) -> str:
        entry = self.entry(key)
        return entry.label(lang) if entry is not None else category_label(lang, key)

    def numbered(self, number: int) -> CategoryEntry | None:
        return next((e for e in self.entries if e.number == number), None)

    def choices(self, lang: str, *, hidden: bool = False) -> list[CategoryChoice]:
        """The categories to offer (visible ones unless asked), named in `lang`."""
        return [CategoryChoice(e.key, e.label(lang)) for e in self.entries if hidden or not e.hidden]

    @cached_property
    def _spelled(self) -> dict[str, CategoryEntry]:
        """Each spelling's match form and its category (an import matches thousands of cells)."""
        index: dict[str, CategoryEntry] = {}
        for entry in self.entries:
            for spelling in entry.spellings():
                index.setdefault(match_form(spelling), entry)
        return index

    def match(self, text: str, *, hidden: bool = False) -> str | None:
        """The key of the category a typed name (any language) or key means, or None."""
        entry = self._spelled.get(match_form(text))
        if entry is None or (entry.hidden and not hidden):
            return None
        return entry.key

    def clash(self, names: CategoryNames, *, besides: str | None = None) -> str | None:
        """A name of `names` that another category (hidden ones too) already answers to."""
        for name in (names.zh, names.en):
            entry = self._spelled.get(match_form(name))
            if entry is not None and entry.key != besides:
                return name
        return None


def builtin_book() -> CategoryBook:
    return CategoryBook(tuple(CategoryEntry(key) for key in BUILTIN))


# --- names a coordinator types ------------------------------------------------------------------

# Typed after /wishes, these would read as filters, not as a category (bot/browse/filters.py).
# A custom category's key (c12) is one of its spellings too.
_LIKE_FILTER = re.compile(r"^(<|<=|≤|>|>=|≥)|^[0-9]+\s*(d|天|日|days?)$|^[0-9.]+$|^c[0-9]+$", re.IGNORECASE)
# A comma would split the template's drop-down list, a quote end its formula.
_FORBIDDEN = frozenset(',，"')


def one_name(raw: str) -> str:
    name = validation.text(raw, NAME_MAX)
    if any(ch in _FORBIDDEN for ch in name) or any(sep in name for sep in NAME_SEPARATORS):
        raise InvalidInput("cats.bad_char")
    if not match_form(name) or _LIKE_FILTER.search(unicodedata.normalize("NFKC", name)):
        raise InvalidInput("cats.bad_name", name=name)
    return name


def parse_names(raw: str | None) -> CategoryNames:
    """'中文名 / English name' (or the two on two lines): both required, each checked."""
    text = (raw or "").strip()
    parts = [text]
    for separator in NAME_SEPARATORS:
        if separator in text:
            parts = text.split(separator)
            break
    parts = [p for p in (p.strip() for p in parts) if p]
    if len(parts) != 2:
        raise InvalidInput("cats.two_names", max=NAME_MAX)
    return CategoryNames(zh=one_name(parts[0]), en=one_name(parts[1]))

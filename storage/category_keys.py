"""What a wish's category is, as stored: one of the seven built in (names in the text catalog)
or a community's own (storage/categories.py), keyed 'c' followed by its row id."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict


class Category(StrEnum):
    ELDERLY_ALONE = "elderly_alone"
    LEFT_BEHIND_CHILD = "left_behind_child"
    DISABLED = "disabled"
    VETERAN = "veteran"
    HARDSHIP_FAMILY = "hardship_family"
    POOR_STUDENT = "poor_student"
    OTHER = "other"


CUSTOM_CATEGORY_PREFIX = "c"
_CUSTOM = re.compile(r"^c[1-9][0-9]{0,11}$")
_BUILTIN: dict[str, Category] = {c.value: c for c in Category}


def category_key(value: str) -> str:
    """A built-in category as its enum member (so `is Category.X` holds), a custom one as its key."""
    # The enum's own value map, not Category(value): a call through EnumType.__call__ (and a
    # ValueError for every custom key) on each wish read, several per tap (bench/, scenario 2).
    builtin = _BUILTIN.get(value)
    if builtin is not None:
        return builtin
    if not _CUSTOM.match(value):
        raise ValueError(f"not a category key: {value[:40]!r}")
    return value


# A wish's (or a row's) category: one of Category, or a key of a community's own category.
CategoryKey = Annotated[str, AfterValidator(category_key)]


class CategoryNames(BaseModel):
    """A custom category's names, read along with the wish (or row) that has it."""

    model_config = ConfigDict(frozen=True)

    zh: str
    en: str

    def name(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en


def _names_from_json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


# As storage reads it with a row: a JSON object (storage/categories.py), or NULL (built in).
StoredCategoryNames = Annotated[CategoryNames | None, BeforeValidator(_names_from_json)]

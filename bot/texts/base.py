"""Types shared by the text modules."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
Entries = dict[str, dict[Lang, str]]


def merge(*parts: Entries) -> Entries:
    merged: Entries = {}
    for part in parts:
        twice = merged.keys() & part.keys()
        if twice:
            raise KeyError(f"text keys defined twice: {sorted(twice)}")
        merged.update(part)
    return merged

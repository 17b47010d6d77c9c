"""The languages the bot speaks, by code: plain data, so that the command line can offer them
(`--lang`) and the settings check them without reading every text file (bot/texts/ does that)."""

from __future__ import annotations

Lang = str  # a code listed in LANGS

# The registry: each code names a file of bot/texts/, `<code>.toml` (package data, see
# pyproject.toml). The first is the source the others translate, and the fallback for a text
# missing in another language or for an unknown code.
LANGS: tuple[Lang, ...] = ("zh", "en")

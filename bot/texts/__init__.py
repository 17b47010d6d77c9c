"""Every user-facing text and button label: one TOML file per language (`zh.toml`, `en.toml`),
each a flat table key = text, grouped by feature with comments.

Adding a language is adding its file (a copy of `en.toml`, translated) and its code to `LANGS`
in bot/languages.py. Texts are plain (no parse mode) so user-typed names and wishes can never
break formatting.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Any

from bot.languages import LANGS, Lang

__all__ = ["CATALOG", "LANGS", "LANGUAGES", "Lang", "pick_lang", "t", "t_error"]

Texts = dict[str, str]

# The language a text falls back to when a person's is unknown or lacks it.
FALLBACK: Lang = LANGS[0]


def parse(name: str, source: str) -> Texts:
    """One language's texts; a value that is not a text (a bare dotted key makes a table) fails."""
    table = tomllib.loads(source)
    wrong = sorted(key for key, value in table.items() if not isinstance(value, str))
    if wrong:
        raise ValueError(f"bot/texts/{name}: not texts (quote keys that contain a dot): {wrong}")
    return table


def _load(code: Lang) -> Texts:
    name = f"{code}.toml"
    return parse(name, files(__name__).joinpath(name).read_text(encoding="utf-8"))


LANGUAGES: dict[Lang, Texts] = {code: _load(code) for code in LANGS}
_FALLBACK = LANGUAGES[LANGS[0]]

# key → {language → text}, for callers that want every translation of one key (the importer
# accepts a category in any language) or ask whether a key exists.
CATALOG: dict[str, dict[Lang, str]] = {
    key: {code: texts[key] for code, texts in LANGUAGES.items() if key in texts}
    for key in dict.fromkeys(key for texts in LANGUAGES.values() for key in texts)
}

_MISSING = "⟨{key}⟩"


def pick_lang(language_code: str | None, default: Lang | None = None) -> Lang:
    """The registered language for Telegram's code ('zh-hans', 'en-GB', ... or nothing): the code
    itself if registered, else its shorter prefixes ('zh-hant-tw' → 'zh-hant' → 'zh'), else the
    default (the first registered language if none is given)."""
    if language_code is not None and language_code in LANGUAGES:  # as registered: nearly every update asks
        return language_code
    code = (language_code or "").lower().replace("_", "-")
    while code:
        if code in LANGUAGES:
            return code
        code = code.rpartition("-")[0]
    return default if default is not None else LANGS[0]


def t(lang: str, key: str, /, **params: Any) -> str:
    # Positional-only: a placeholder may be called "key" or "lang" like any other.
    template = LANGUAGES.get(lang, _FALLBACK).get(key) or _FALLBACK.get(key)
    if template is None:
        # A missing key is a bug the catalog tests catch; users still get something readable.
        return _MISSING.format(key=key)
    return template.format(**params) if params else template


def t_error(lang: str, key: str, params: dict[str, Any], /) -> str:
    """Render a domain error; params named *_key are catalog keys translated first."""
    resolved = {}
    for name, value in params.items():
        if name.endswith("_key") and isinstance(value, str):
            resolved[name.removesuffix("_key")] = t(lang, value)
        else:
            resolved[name] = value
    return t(lang, key, **resolved)

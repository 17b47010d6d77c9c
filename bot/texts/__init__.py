"""Every user-facing text and button label, in Simplified Chinese and English.

Texts are plain (no parse mode) so user-typed names and wishes can never break formatting.
Each feature keeps its texts in a module of this package; the catalog is their union, and a
key defined twice is an error at import.
"""

from __future__ import annotations

from typing import Any

from bot.texts import core, organisation, records, reminders
from bot.texts.base import LANGS, Entries, Lang, merge

__all__ = ["CATALOG", "LANGS", "Lang", "pick_lang", "t", "t_error"]

CATALOG: Entries = merge(core.TEXTS, organisation.TEXTS, reminders.TEXTS, records.TEXTS)

_MISSING = "⟨{key}⟩"


def pick_lang(language_code: str | None, default: Lang = "zh") -> Lang:
    """Telegram gives 'zh-hans', 'zh-hant', 'en', 'en-GB', ... or nothing."""
    if not language_code:
        return default
    code = language_code.lower()
    if code.startswith("zh"):
        return "zh"
    if code.startswith("en"):
        return "en"
    return default


def t(lang: str, key: str, /, **params: Any) -> str:
    # Positional-only: a placeholder may be called "key" or "lang" like any other.
    entry = CATALOG.get(key)
    if entry is None:
        # A missing key is a bug the catalog test catches; users still get something readable.
        return _MISSING.format(key=key)
    # An unknown language code (narrowed to Lang by the check) finds nothing: Chinese is shown.
    template = (entry.get(lang) if lang in LANGS else None) or entry["zh"]
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

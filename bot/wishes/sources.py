"""Where a wish came from (网格员 / 楼长 / 社区医生 / 居民自报 / other, and who): read from what
people type or put in a spreadsheet cell, and written back the same way. Coordinators only see
it: it names the person who recommended the wish, so no group card or member's view shows it.
"""

from __future__ import annotations

from bot import validation
from bot.callbacks import ChoiceCallback, DraftChoice
from bot.models import Button, Rendered, SourceKind, WishSource
from bot.texts import CATALOG, LANGS, t

SOURCE_NAME_MAX = 40
# Between a kind and its name ("网格员：张三", "Grid worker - Zhang San", "楼长（李四）").
_SEPARATORS = " \t:：-—–·・,，、/|()（）[]【】"

# Words people use for each kind besides the labels the bot shows (which are read in every language).
_EXTRA_WORDS: dict[SourceKind, tuple[str, ...]] = {
    SourceKind.GRID_WORKER: ("网格长", "网格", "grid", "grid member"),
    SourceKind.BUILDING_HEAD: ("楼栋长", "单元长", "楼组长", "building leader", "building head"),
    SourceKind.DOCTOR: ("家庭医生", "医生", "doctor", "family doctor"),
    SourceKind.SELF_REPORTED: ("本人", "自报", "居民", "self reported", "self-report", "self", "resident"),
    SourceKind.OTHER: ("其它", "other"),
}


def _words() -> list[tuple[str, SourceKind]]:
    found: dict[str, SourceKind] = {}
    for kind in SourceKind:
        for label in (*CATALOG[f"src.{kind.value}"].values(), kind.value, *_EXTRA_WORDS[kind]):
            found.setdefault(label.lower(), kind)
    # Longest first: "家庭医生" before "医生", "self-reported" before "self".
    return sorted(found.items(), key=lambda item: -len(item[0]))


_WORDS = _words()


def kind_label(kind: SourceKind, lang: str) -> str:
    return t(lang, f"src.{kind.value}")


def source_text(source: WishSource | None, lang: str) -> str | None:
    """'网格员：张三', 'Self-reported', or None when nobody said."""
    if source is None:
        return None
    label = kind_label(source.kind, lang)
    return t(lang, "src.with_name", kind=label, name=source.name) if source.name else label


def clean_name(value: str | None) -> str:
    """Who recommended the wish (or what "other" means): one line, at most SOURCE_NAME_MAX."""
    return validation.text(value, SOURCE_NAME_MAX)


def parse_source(value: str | None) -> WishSource | None:
    """A spreadsheet cell: empty is no source; a kind's label in any language, optionally
    followed by a name; anything else is "other" with the cell as its text. InvalidInput when
    the name is too long."""
    raw = " ".join(validation.visible(value or "").split())
    if not raw:
        return None
    lowered = raw.lower()
    for word, kind in _WORDS:
        if not lowered.startswith(word):
            continue
        rest = raw[len(word) :]
        # A Latin word must end at a boundary ("selfridge" is not "self"); Chinese has none.
        if word.isascii() and rest and rest[0] not in _SEPARATORS:
            continue
        name = rest.strip(_SEPARATORS)
        return WishSource(kind=kind, name=clean_name(name) if name else None)
    return WishSource(kind=SourceKind.OTHER, name=clean_name(raw))


def every_label() -> list[str]:
    """The kinds' labels in every language, for the import template's help sheet."""
    return [" / ".join(t(lang, f"src.{kind.value}") for lang in LANGS) for kind in SourceKind]


# --- the /newwish summary: an optional last question ------------------------------------------


def _choice(lang: str, text: str, choice: DraftChoice, value: str) -> Button:
    return Button(text=text, callback_data=ChoiceCallback(choice=choice, value=value).pack())


def summary_lines(source: WishSource | None, lang: str) -> list[str]:
    """Under the summary: the source chosen so far, and the (optional) question."""
    shown = source_text(source, lang)
    return [*([t(lang, "src.line", source=shown)] if shown else []), t(lang, "src.ask")]


def source_buttons(lang: str) -> tuple[tuple[Button, ...], ...]:
    kinds = [_choice(lang, kind_label(k, lang), DraftChoice.SOURCE, k.value) for k in SourceKind]
    return tuple(tuple(kinds[i : i + 3]) for i in range(0, len(kinds), 3))


def asks_name(kind: SourceKind) -> bool:
    """A resident reporting their own need is the beneficiary: there is nobody else to name."""
    return kind is not SourceKind.SELF_REPORTED


def ask_name(kind: SourceKind, lang: str) -> Rendered:
    key = "src.ask_other" if kind is SourceKind.OTHER else "src.ask_name"
    skip = _choice(lang, t(lang, "btn.skip"), DraftChoice.SKIP, "source_name")
    return Rendered(text=t(lang, key, kind=kind_label(kind, lang), max=SOURCE_NAME_MAX), buttons=((skip,),))

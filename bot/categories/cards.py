"""/categories as a message with buttons: pure, like bot/wishes/cards.py."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from bot.callbacks import CallbackData
from bot.categories.book import CategoryBook
from bot.models import Button, Rendered
from bot.texts import t


class CategoryButton(StrEnum):
    ADD = "add"
    RENAME = "ren"
    HIDE = "hide"
    SHOW = "show"


class CategoryCallback(CallbackData):
    """A coordinator's button under /categories; number: the category's (0 for Add)."""

    prefix: ClassVar[str] = "ct1"
    action: CategoryButton
    number: int = Field(ge=0, lt=10**12)


def _button(lang: str, key: str, action: CategoryButton, target: int = 0, **params: object) -> Button:
    return Button(
        text=t(lang, key, **params), callback_data=CategoryCallback(action=action, number=target).pack()
    )


def categories_card(community: str, book: CategoryBook, lang: str) -> Rendered:
    builtin = t(lang, "sep.list").join(e.label(lang) for e in book.entries if e.builtin)
    lines = [t(lang, "cats.title", community=community), t(lang, "cats.builtin", names=builtin), ""]
    rows: list[tuple[Button, ...]] = []
    custom = book.custom()
    if custom:
        lines.append(t(lang, "cats.custom_header"))
    else:
        lines.append(t(lang, "cats.none"))
    for entry in custom:
        assert entry.number is not None and entry.names is not None
        hidden = t(lang, "cats.hidden_mark") if entry.hidden else ""
        lines.append(
            t(
                lang,
                "cats.custom_line",
                number=entry.number,
                zh=entry.names.zh,
                en=entry.names.en,
                hidden=hidden,
            )
        )
        toggle = (
            _button(lang, "btn.cat_show", CategoryButton.SHOW, entry.number)
            if entry.hidden
            else _button(lang, "btn.cat_hide", CategoryButton.HIDE, entry.number)
        )
        rename = _button(
            lang,
            "btn.cat_rename",
            CategoryButton.RENAME,
            entry.number,
            number=entry.number,
            name=entry.label(lang),
        )
        rows.append((rename, toggle))
    rows.append((_button(lang, "btn.cat_add", CategoryButton.ADD),))
    lines += ["", t(lang, "cats.footer")]
    return Rendered(text="\n".join(lines)[:4096], buttons=tuple(rows))

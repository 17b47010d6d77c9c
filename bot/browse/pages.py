"""One page of /wishes as a message: pure, like bot/wishes/cards.py. Each entry shows what the
wish's group card shows (masked name, category, wish, value, due date) and nothing more."""

from __future__ import annotations

from dataclasses import dataclass

from bot.browse.buttons import PAGES_MAX, ListAction
from bot.browse.filters import BrowseFilter
from bot.categories.book import label_of
from bot.models import Button, Rendered, Wish
from bot.texts import t
from bot.wishes.cards import format_date, format_value, mask_name

PAGE_SIZE = 5


@dataclass(frozen=True)
class BrowsePage:
    community: str
    filter: BrowseFilter
    filter_category: str | None  # the filtered category's name in the reader's language
    page: int  # from 0
    total: int
    wishes: list[Wish]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _filters_text(page: BrowsePage, lang: str) -> str | None:
    parts = []
    if page.filter_category is not None:
        parts.append(page.filter_category)
    if page.filter.max_fen is not None:
        parts.append(t(lang, "browse.f_value", value=format_value(page.filter.max_fen)))
    if page.filter.due_within is not None:
        parts.append(t(lang, "browse.f_due", days=page.filter.due_within))
    return t(lang, "sep.list").join(parts) if parts else None


def _entry(n: int, wish: Wish, lang: str) -> str:
    extra = ""
    value = format_value(wish.value_fen)
    if value is not None:
        extra += t(lang, "browse.entry_value", value=value)
    if wish.is_joint:
        extra += t(lang, "browse.entry_joint", k=len(wish.holders), n=wish.needed_members)
    return t(
        lang,
        "browse.entry",
        n=n,
        code=wish.code,
        masked=mask_name(wish.beneficiary_name),
        category=label_of(wish, lang),
        description=wish.description,
        extra=extra,
        due=format_date(wish.due_date),
    )


def _claim_button(wish: Wish, page: BrowsePage, lang: str) -> Button:
    if wish.is_joint:
        label = t(lang, "btn.list_join", code=wish.code, k=len(wish.holders), n=wish.needed_members)
    else:
        label = t(lang, "btn.list_claim", code=wish.code)
    return Button(text=label, callback_data=page.filter.button(ListAction.CLAIM, page.page, wish.id))


def browse_page(page: BrowsePage, lang: str) -> Rendered:
    filters = _filters_text(page, lang)
    lines = [t(lang, "browse.header", community=page.community)]
    if filters is not None:
        lines.append(t(lang, "browse.filters", filters=filters))
    if not page.wishes:
        lines.append(t(lang, "browse.none_filtered" if page.filter.any else "browse.none"))
        return Rendered(text="\n".join(lines))
    lines.append(t(lang, "browse.counts", total=page.total, page=page.page + 1, pages=page.pages))
    first = page.page * PAGE_SIZE + 1
    lines += ["", *(_entry(first + i, w, lang) for i, w in enumerate(page.wishes))]
    if not page.filter.any:
        lines += ["", t(lang, "browse.hint")]
    rows: list[tuple[Button, ...]] = [(_claim_button(w, page, lang),) for w in page.wishes]
    turns = []
    if page.page > 0:
        turns.append(
            Button(
                text=t(lang, "btn.list_prev"),
                callback_data=page.filter.button(ListAction.PAGE, page.page - 1),
            )
        )
    if page.page + 1 < min(page.pages, PAGES_MAX):
        turns.append(
            Button(
                text=t(lang, "btn.list_next"),
                callback_data=page.filter.button(ListAction.PAGE, page.page + 1),
            )
        )
    if turns:
        rows.append(tuple(turns))
    return Rendered(text="\n".join(lines)[:4096], buttons=tuple(rows))

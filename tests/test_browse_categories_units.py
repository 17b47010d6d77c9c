"""Categories per community and /wishes' filters and pages, without Telegram: the book's labels
and matching, the names a coordinator may give, the filters a member may type, the buttons."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.browse.buttons import PAGES_MAX, ListAction, ListCallback
from bot.browse.filters import BrowseFilter, parse_filters
from bot.browse.pages import PAGE_SIZE, BrowsePage, browse_page
from bot.callbacks import MAX_CALLBACK_BYTES
from bot.categories.book import (
    NAME_MAX,
    CategoryBook,
    CategoryEntry,
    builtin_book,
    category_label,
    parse_names,
)
from bot.categories.cards import CategoryButton, CategoryCallback, categories_card
from bot.errors import InvalidInput
from bot.models import Category, CategoryNames, Wish, WishDraft, WishStatus
from bot.texts import t
from tests.factories import BENEFICIARY

YOUNG = CategoryNames(zh="独居青年", en="Young people living alone")
OLD = CategoryNames(zh="高龄老人", en="Very old people")


def book() -> CategoryBook:
    return CategoryBook(
        (
            *builtin_book().entries,
            CategoryEntry(key="c3", number=3, names=YOUNG),
            CategoryEntry(key="c4", number=4, names=OLD, hidden=True),
        )
    )


def test_labels_come_from_the_catalog_or_the_community() -> None:
    assert category_label("zh", "elderly_alone") == "独居老人"
    assert category_label("en", "elderly_alone") == t("en", "cat.elderly_alone")
    assert category_label("zh", "c3", YOUNG) == "独居青年"
    assert category_label("en", "c3", YOUNG) == "Young people living alone"
    assert book().label("c4", "zh") == "高龄老人"  # hidden: still labels its wishes
    assert category_label("en", "c99") == t("en", "cat.other")  # read without names: never a key


def test_matching_either_language_any_spelling() -> None:
    b = book()
    assert b.match("独居老人") == "elderly_alone"
    assert b.match("ELDERLY living-alone") == "elderly_alone"
    assert b.match("left_behind_child") == "left_behind_child"
    assert b.match("独居青年") == "c3"
    assert b.match("young people living alone") == "c3"
    assert b.match("高龄老人") is None  # hidden: not for new wishes or imports
    assert b.match("高龄老人", hidden=True) == "c4"
    assert b.match("老人") is None and b.match("") is None and b.match("***") is None


def test_offered_categories_are_the_visible_ones() -> None:
    keys = [c.key for c in book().choices("zh")]
    assert keys == [*(c.value for c in Category), "c3"]
    assert "c4" in [c.key for c in book().choices("zh", hidden=True)]


@pytest.mark.parametrize(
    "typed",
    ["独居青年 / Young", "独居青年|Young", "独居青年\nYoung", "  独居青年  /  Young  "],
)
def test_two_names_however_separated(typed: str) -> None:
    assert parse_names(typed) == CategoryNames(zh="独居青年", en="Young")


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("只有中文", "cats.two_names"),
        ("a / b / c", "cats.two_names"),
        ("", "cats.two_names"),
        (" / ", "cats.two_names"),
        ("长" * (NAME_MAX + 1) + " / Long", "val.too_long"),
        ("独居, 青年 / Young", "cats.bad_char"),
        ('独居"青年 / Young', "cats.bad_char"),
        ("<100 / Cheap", "cats.bad_name"),
        ("7天 / Week", "cats.bad_name"),
        ("123 / Numbers", "cats.bad_name"),
        ("c12 / Key", "cats.bad_name"),
        ("\u200b\u200b / Young", "val.empty"),  # invisible only: empty
        ("*** / Young", "cats.bad_name"),
    ],
)
def test_names_refused(typed: str, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_names(typed)
    assert caught.value.key == key


def test_a_clash_with_any_category_in_any_language() -> None:
    b = book()
    assert b.clash(CategoryNames(zh="新类别", en="Veteran")) == "Veteran"
    assert b.clash(CategoryNames(zh="高龄老人", en="New")) == "高龄老人"  # a hidden one too
    assert b.clash(CategoryNames(zh="独居青年", en="Youth"), besides="c3") is None  # its own name
    assert b.clash(CategoryNames(zh="新类别", en="New one")) is None


def test_custom_keys_are_read_from_storage_and_nothing_else() -> None:
    made = WishDraft(beneficiary=BENEFICIARY, category="c12", description="x", due_date=date(2026, 12, 1))
    assert made.category == "c12"
    builtin = WishDraft(
        beneficiary=BENEFICIARY, category="veteran", description="x", due_date=date(2026, 12, 1)
    )
    assert builtin.category is Category.VETERAN
    for bad in ("c0", "c", "dragons", "c1x", "C1"):
        with pytest.raises(ValueError):
            WishDraft(beneficiary=BENEFICIARY, category=bad, description="x", due_date=date(2026, 12, 1))


# --- /wishes filters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", BrowseFilter()),
        ("独居老人", BrowseFilter(category="elderly_alone")),
        ("Elderly living alone", BrowseFilter(category="elderly_alone")),
        ("<100", BrowseFilter(max_fen=9999)),
        ("＜100", BrowseFilter(max_fen=9999)),
        ("≤100", BrowseFilter(max_fen=10000)),
        ("<= 99.5元", BrowseFilter(max_fen=9950)),
        ("7d", BrowseFilter(due_within=7)),
        ("14天", BrowseFilter(due_within=14)),
        ("独居老人 <100 7d", BrowseFilter(category="elderly_alone", max_fen=9999, due_within=7)),
        ("7d Young people living alone ≤50", BrowseFilter(category="c3", max_fen=5000, due_within=7)),
        ("独居老人<100", BrowseFilter(category="elderly_alone", max_fen=9999)),
        ("高龄老人", BrowseFilter(category="c4")),  # hidden, but its open wishes can be found
    ],
)
def test_filters_combine(typed: str, expected: BrowseFilter) -> None:
    assert parse_filters(typed, book()) == expected


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("老人", "browse.unknown_word"),
        ("独居老人 留守儿童", "browse.twice"),
        ("<100 ≤50", "browse.twice"),
        ("7d 14d", "browse.twice"),
        ("<0", "browse.bad_value"),
        ("<1000000", "browse.bad_value"),
        ("400d", "browse.bad_days"),
        ("<", "browse.unknown_word"),
        ("x" * 200, "browse.too_long"),
    ],
)
def test_filters_refused(typed: str, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_filters(typed, book())
    assert caught.value.key == key


def test_buttons_fit_in_64_bytes_and_round_trip() -> None:
    widest = BrowseFilter(category="left_behind_child", max_fen=10_000_000, due_within=366)
    for action in ListAction:
        data = widest.button(action, PAGES_MAX - 1, 10**12 - 1)
        assert len(data.encode()) <= MAX_CALLBACK_BYTES
        parsed = ListCallback.unpack(data)
        assert parsed is not None and BrowseFilter.of(parsed) == widest
    plain = ListCallback.unpack(BrowseFilter().button(ListAction.PAGE, 0))
    assert plain is not None and BrowseFilter.of(plain) == BrowseFilter()
    for forged in ("ls1:p:0:1000:-:-1:-1", "ls1:p:0:0:DROP:-1:-1", "ls1:c:0:0:-:-2:-1", "ls1:p:0:0:-:-1:367"):
        assert ListCallback.unpack(forged) is None, forged
    data = CategoryCallback(action=CategoryButton.RENAME, number=10**12 - 1).pack()
    assert len(data.encode()) <= MAX_CALLBACK_BYTES


def _wish(n: int, **changes: object) -> Wish:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    fields: dict[str, object] = dict(
        id=n,
        community_id=1,
        status=WishStatus.OPEN,
        beneficiary_name="王秀英",
        beneficiary_phone="13812345678",
        beneficiary_address="幸福路 8 号",
        category="c3",
        category_names=YOUNG,
        description=f"心愿{n}",
        value_fen=12000,
        due_date=date(2026, 12, 1),
        photo_file_id=None,
        created_by=1,
        created_at=now,
        holder_id=None,
        claimed_at=None,
        delivered_at=None,
        delivery_note=None,
        delivery_photo_id=None,
        fulfilled_at=None,
        reason=None,
        updated_at=now,
    )
    fields.update(changes)
    return Wish.model_validate(fields)


def test_a_page_shows_what_a_group_card_shows_and_turns() -> None:
    wishes = [_wish(i) for i in range(6, 11)]
    wishes[1] = _wish(7, needed_members=3, holders=(5,), status=WishStatus.CLAIMED, holder_id=5)
    page = BrowsePage("幸福社区", BrowseFilter(max_fen=20000), None, 1, 12, wishes)
    shown = browse_page(page, "zh")
    assert "王**" in shown.text and "独居青年" in shown.text and "120" in shown.text
    for secret in ("王秀英", "13812345678", "幸福路"):
        assert secret not in shown.text
    assert "第 2/3 页" in shown.text and "价值 ≤ 200 元" in shown.text
    labels = [b.text for row in shown.buttons for b in row]
    assert labels[:2] == ["🙋 认领 W-0006", "🤝 加入 W-0007（1/3）"]
    assert labels[-2:] == ["◀ 上一页", "下一页 ▶"]
    claim = ListCallback.unpack(shown.buttons[0][0].callback_data)
    assert claim is not None and claim.wish_id == 6 and claim.page == 1 and claim.max_fen == 20000
    assert len(wishes) == PAGE_SIZE


def test_an_empty_page_says_so() -> None:
    page = BrowsePage("幸福社区", BrowseFilter(), None, 0, 0, [])
    assert "没有开放认领" in browse_page(page, "zh").text and browse_page(page, "zh").buttons == ()
    filtered = BrowsePage("幸福社区", BrowseFilter(due_within=3), None, 0, 0, [])
    assert "/wishes" in browse_page(filtered, "en").text


def test_the_categories_card_offers_rename_hide_show_and_add() -> None:
    shown = categories_card("幸福社区", book(), "zh")
    assert "独居老人" in shown.text and "3. 独居青年 / Young people living alone" in shown.text
    assert "4. 高龄老人 / Very old people（已隐藏）" in shown.text
    labels = [[b.text for b in row] for row in shown.buttons]
    assert labels == [["✏️ 3. 独居青年", "🙈 隐藏"], ["✏️ 4. 高龄老人", "👁 恢复"], ["➕ 新增类别"]]

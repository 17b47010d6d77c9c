"""Reading wishes from a spreadsheet: the file is checked whole before anything is saved.

`read_table` (bot/records/sheet_reader.py) turns the bytes of an .xlsx or .csv file into rows of
cells (or refuses the file with a reason), `check_table` maps the header to the columns it knows
(Chinese or English) and checks every row with the same rules as /newwish (bot/validation.py).
Only a table without a single bad row is imported, and then all of it at once (bot/records.py).

Nothing here does I/O: tests feed it bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot import validation
from bot.errors import InvalidInput
from bot.models import Beneficiary, Category, ImportedWish, WishDraft

# Reading the file (sheet_reader.py): handlers, the CLI and tests name these from here too.
from bot.records.sheet_reader import MAX_BYTES as MAX_BYTES
from bot.records.sheet_reader import MAX_ROWS as MAX_ROWS
from bot.records.sheet_reader import ImportRefused, Table, blank, is_filled
from bot.records.sheet_reader import read_table as read_table
from bot.texts import CATALOG
from bot.wishes import sources

NOTES_MAX = 500

NAME, PHONE, ADDRESS, CATEGORY, WISH, VALUE, DUE, NOTES = (
    "name",
    "phone",
    "address",
    "category",
    "wish",
    "value",
    "due",
    "notes",
)
SOURCE = "source"  # where the wish came from (optional): bot/wishes/sources.py
FIELDS = (NAME, PHONE, ADDRESS, CATEGORY, WISH, VALUE, DUE, NOTES, SOURCE)
REQUIRED = (NAME, PHONE, ADDRESS, CATEGORY, WISH, DUE)

# Header words people use for each column, in Chinese and English. Matching ignores case,
# spaces, '*' marks and anything in brackets ("价值（元）" is "价值"); a header cell may hold
# both languages separated by '/' ("姓名 / Name"), which is what the template writes.
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    NAME: (
        "姓名",
        "受助人",
        "受助人姓名",
        "受助群众",
        "受助群众姓名",
        "受助对象",
        "name",
        "beneficiary",
        "beneficiaryname",
        "fullname",
    ),
    PHONE: (
        "电话",
        "联系电话",
        "手机",
        "手机号",
        "手机号码",
        "联系方式",
        "电话号码",
        "phone",
        "mobile",
        "telephone",
        "tel",
        "contactphone",
        "phonenumber",
    ),
    ADDRESS: ("地址", "住址", "家庭住址", "居住地址", "详细地址", "address", "homeaddress"),
    CATEGORY: ("类别", "类型", "人员类别", "困难类别", "受助人类别", "category", "type"),
    WISH: ("心愿", "心愿内容", "微心愿", "微心愿内容", "愿望", "wish", "description", "wishdescription"),
    VALUE: ("价值", "金额", "估计价值", "预估价值", "价格", "value", "amount", "price", "valueyuan"),
    DUE: ("截止日期", "截止时间", "完成时限", "期限", "截止", "due", "duedate", "deadline"),
    NOTES: ("备注", "说明", "notes", "note", "remarks", "remark", "comment", "comments"),
    SOURCE: ("来源", "心愿来源", "推荐人", "反映人", "source", "wishsource", "referredby", "recommendedby"),
}
# The template's header: one cell per column, Chinese then English, which the reader accepts.
TEMPLATE_HEADER: tuple[tuple[str, str], ...] = (
    (NAME, "姓名 / Name"),
    (PHONE, "联系电话 / Phone"),
    (ADDRESS, "住址 / Address"),
    (CATEGORY, "类别 / Category"),
    (WISH, "心愿内容 / Wish"),
    (VALUE, "价值（元） / Value (yuan)"),
    (DUE, "截止日期 / Due date"),
    (NOTES, "备注 / Notes"),
    (SOURCE, "来源 / Source"),
)

_BRACKETS = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
_NOISE = re.compile(r"[\s*_\-:：.·]+")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%Y-%m-%d %H:%M:%S")


# What a validation error means for one cell of a row (short: a report lists many of them).
_ROW_KEYS = {
    "val.empty": "imp.r_missing",
    "val.too_long": "imp.r_too_long",
    "val.phone": "imp.r_phone",
    "val.value": "imp.r_value",
    "val.value_range": "imp.r_value_range",
    "val.date": "imp.r_date",
    "val.date_past": "imp.r_date_past",
    "val.date_far": "imp.r_date_far",
    "imp.r_category": "imp.r_category",
    "imp.r_over_cap": "imp.r_over_cap",
}


def _norm(text: str) -> str:
    return _NOISE.sub("", _BRACKETS.sub("", text)).lower()


_HEADER_INDEX: dict[str, str] = {_norm(word): name for name, words in HEADER_WORDS.items() for word in words}


def _category_index() -> dict[str, Category]:
    index: dict[str, Category] = {}
    for category in Category:
        index[_norm(category.value)] = category
        for label in CATALOG[f"cat.{category.value}"].values():
            index[_norm(label)] = category
    return index


_CATEGORIES = _category_index()


def header_field(cell: object) -> str | None:
    """Which field a header cell names, or None."""
    if cell is None:
        return None
    text = str(cell)
    for candidate in (text, *re.split(r"[/|\n]", text)):
        found = _HEADER_INDEX.get(_norm(candidate))
        if found:
            return found
    return None


def category_of(value: str) -> Category | None:
    return _CATEGORIES.get(_norm(value))


CategoryMatch = Callable[[str], str | None]  # a cell's category key (bot/categories' book.match)


# --- checking the rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One reason a row is refused: a text key and its parameters, rendered in the reader's language."""

    column: str  # a field name, or "" for the row as a whole
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RowError:
    row: int
    problems: tuple[Problem, ...]


@dataclass
class CheckedTable:
    items: list[ImportedWish]
    errors: list[RowError]
    ignored_columns: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.items)


def check_table(
    table: Table, *, today: date, value_cap_fen: int | None, categories: CategoryMatch = category_of
) -> CheckedTable:
    header_at = next((i for i, (_, cells) in enumerate(table) if is_filled(cells)), None)
    if header_at is None:
        raise ImportRefused("imp.empty")
    header_row, header = table[header_at]
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        name = header_field(cell)
        if name is None:
            if not blank(cell):
                ignored.append(str(cell).strip())
        elif name not in columns:
            columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ImportRefused("imp.missing_columns", columns=missing, row=header_row)
    items: list[ImportedWish] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, cells in table[header_at + 1 :]:
        if not is_filled(cells):
            continue
        values = {name: cells[index] if index < len(cells) else None for name, index in columns.items()}
        if not any(not blank(v) for v in values.values()):
            continue  # something only in ignored columns (a running number, say)
        item, problems = _check_row(number, values, today, value_cap_fen, categories)
        if item is not None:
            key = (item.draft.beneficiary.name, item.draft.beneficiary.phone, _norm(item.draft.description))
            if key in seen:
                problems.append(Problem("", "imp.r_duplicate", {"other": seen[key]}))
            else:
                seen[key] = number
        if problems:
            errors.append(RowError(number, tuple(problems)))
        elif item is not None:
            items.append(item)
    if not items and not errors:
        raise ImportRefused("imp.no_rows")
    return CheckedTable(items=items, errors=errors, ignored_columns=ignored)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 13812345678 typed into a number cell
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _check_row(
    number: int, values: dict[str, Any], today: date, value_cap_fen: int | None, categories: CategoryMatch
) -> tuple[ImportedWish | None, list[Problem]]:
    problems: list[Problem] = []
    parsed: dict[str, Any] = {}

    def attempt(column: str, parse: Any, raw: object) -> None:
        try:
            parsed[column] = parse(raw)
        except InvalidInput as error:
            problems.append(Problem(column, _ROW_KEYS.get(error.key, "imp.r_invalid"), dict(error.params)))

    attempt(NAME, lambda v: validation.text(_text(v), validation.BENEFICIARY_NAME_MAX), values.get(NAME))
    attempt(PHONE, lambda v: validation.phone(_text(v)), values.get(PHONE))
    attempt(ADDRESS, lambda v: validation.text(_text(v), validation.ADDRESS_MAX, 2), values.get(ADDRESS))
    attempt(CATEGORY, lambda v: _category(v, categories), values.get(CATEGORY))
    attempt(WISH, lambda v: validation.text(_text(v), validation.DESCRIPTION_MAX, 2), values.get(WISH))
    attempt(VALUE, lambda v: _value(v, value_cap_fen), values.get(VALUE))
    attempt(DUE, lambda v: validation.due_date(_day(v), today), values.get(DUE))
    attempt(NOTES, _notes, values.get(NOTES))
    attempt(SOURCE, lambda v: sources.parse_source(_text(v)), values.get(SOURCE))
    if problems:
        return None, problems
    draft = WishDraft(
        beneficiary=Beneficiary(name=parsed[NAME], phone=parsed[PHONE], address=parsed[ADDRESS]),
        category=parsed[CATEGORY],
        description=parsed[WISH],
        value_fen=parsed[VALUE],
        due_date=parsed[DUE],
        source=parsed[SOURCE],
    )
    return ImportedWish(row=number, draft=draft, notes=parsed[NOTES]), problems


def _category(value: object, categories: CategoryMatch) -> str:
    text = _text(value)
    if not text:
        raise InvalidInput("val.empty")
    found = categories(text)
    if found is None:
        raise InvalidInput("imp.r_category", value=text[:40])
    return found


def _value(value: object, cap_fen: int | None) -> int | None:
    text = _text(value)
    if not text:
        return None
    fen = validation.value_fen(text)
    if cap_fen is not None and fen > cap_fen:
        whole, rest = divmod(cap_fen, 100)
        raise InvalidInput("imp.r_over_cap", cap=f"{whole}" if not rest else f"{whole}.{rest:02d}")
    return fen


def _day(value: object) -> str:
    """An ISO day from a date cell, a typed date in the usual Chinese and ISO forms, or an
    Excel day number; anything else is passed on for validation.due_date to refuse."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 100000:
        return (date(1899, 12, 30) + timedelta(days=int(value))).isoformat()
    text = _text(value)
    if not text:
        raise InvalidInput("val.empty")
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    return text


def _notes(value: object) -> str | None:
    text = " ".join(_text(value).split())
    if not text:
        return None
    if len(text) > NOTES_MAX:
        raise InvalidInput("val.too_long", max=NOTES_MAX)
    return text

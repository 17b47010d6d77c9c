"""Importing wishes from spreadsheets: the checks, the all-or-nothing rule, the limits, the
template round trip, repeat beneficiaries — through the fake Bot API and the CLI."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from bot.clock import FakeClock
from bot.models import Category, WishStatus
from bot.records import importer
from bot.services import Services
from bot.settings import Settings
from bot.wishes import cards
from tests.conftest import Bot
from tests.factories import BENEFICIARY, COORDINATOR, coordinator, draft, member
from tests.factories import run_cli as _cli

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TODAY = date(2026, 11, 20)
ZH_HEADER = ["序号", "姓名", "联系电话", "住址", "类别", "心愿内容", "价值（元）", "截止日期", "备注"]
EN_HEADER = ["Name", "Phone", "Address", "Category", "Wish", "Value", "Due date", "Notes"]
GOOD_ROWS = [
    [1, "王秀英", "13812345678", "幸福路 8 号", "独居老人", "电暖器一台", 200, "2026-12-31", "下午在家"],
    [2, "赵小宝", 13900000002, "和平街 2 号", "留守儿童", "书包和文具", "89.5", datetime(2026, 12, 20), None],
    [3, "孙大爷", "010-12345678", "建设路 3 号", "veteran", "血压计", None, "2026/12/25", ""],
]


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str) -> bytes:
    return "\r\n".join(",".join("" if c is None else str(c) for c in row) for row in rows).encode(encoding)


def refusal(content: bytes, name: str) -> str:
    with pytest.raises(importer.ImportRefused) as caught:
        importer.read_table(content, name)
    return caught.value.key


# --- the pure checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "field"),
    [
        ("姓名", "name"),
        ("受助人", "name"),
        ("Name", "name"),
        ("姓名 / Name", "name"),
        ("联系电话*", "phone"),
        ("电话", "phone"),
        ("住址", "address"),
        ("地址", "address"),
        ("类别 / Category", "category"),
        ("心愿内容", "wish"),
        ("价值（元）", "value"),
        ("金额", "value"),
        ("Due date", "due"),
        ("截止日期", "due"),
        ("备注", "notes"),
        ("序号", None),
        (None, None),
    ],
)
def test_header_words(cell: str | None, field: str | None) -> None:
    assert importer.header_field(cell) == field


def test_categories_by_chinese_english_or_code() -> None:
    assert importer.category_of("独居老人") is Category.ELDERLY_ALONE
    assert importer.category_of("Elderly living alone") is Category.ELDERLY_ALONE
    assert importer.category_of("left-behind child") is Category.LEFT_BEHIND_CHILD
    assert importer.category_of("poor_student") is Category.POOR_STUDENT
    assert importer.category_of("老人") is None


def test_template_header_is_read_back() -> None:
    assert [importer.header_field(label) for _, label in importer.TEMPLATE_HEADER] == list(importer.FIELDS)


def test_files_that_are_not_tables_are_refused() -> None:
    assert refusal(b"", "a.xlsx") == "imp.empty"
    assert refusal(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "photo.xlsx") == "imp.wrong_type"
    assert refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls") == "imp.old_excel"
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert refusal(docx.getvalue(), "letter.docx") == "imp.wrong_type"
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("xl/workbook.xml", "this is not xml")
    assert refusal(broken.getvalue(), "broken.xlsx") == "imp.unreadable"
    assert refusal(b"\x00\x01\x02 binary", "data.csv") == "imp.wrong_type"
    assert refusal(b"a" * (importer.MAX_BYTES + 1), "big.csv") == "imp.too_big"
    assert refusal(b"name,phone\n", "notes.pdf") == "imp.wrong_type"


def test_row_and_size_caps() -> None:
    rows = [EN_HEADER] + [
        [f"N{i}", "13812345678", "Road 1", "other", "a wish", "", "2026-12-31", ""] for i in range(2001)
    ]
    assert refusal(xlsx(rows), "many.xlsx") == "imp.too_many_rows"
    assert refusal(csv_bytes(rows, "utf-8"), "many.csv") == "imp.too_many_rows"
    exactly = rows[: importer.MAX_ROWS + 1]
    assert len(importer.read_table(csv_bytes(exactly, "utf-8"), "ok.csv")) == importer.MAX_ROWS + 1


def test_a_good_table_with_chinese_headers_and_mixed_cells() -> None:
    table = importer.read_table(xlsx([ZH_HEADER, *GOOD_ROWS]), "wishes.xlsx")
    checked = importer.check_table(table, today=TODAY, value_cap_fen=None)
    assert checked.errors == [] and checked.ignored_columns == ["序号"]
    first, second, third = checked.items
    assert (first.row, second.row, third.row) == (2, 3, 4)
    assert first.draft.value_fen == 20000 and first.notes == "下午在家"
    assert second.draft.beneficiary.phone == "13900000002" and second.draft.value_fen == 8950
    assert second.draft.due_date == date(2026, 12, 20) and second.notes is None
    assert third.draft.category is Category.VETERAN and third.draft.due_date == date(2026, 12, 25)
    assert third.draft.value_fen is None


def test_every_bad_row_is_reported_with_its_spreadsheet_row_number() -> None:
    rows = [
        EN_HEADER,
        ["王秀英", "13812345678", "Road 8", "独居老人", "heater", "200", "2026-12-31", ""],
        [None, "13812345678", "Road 8", "独居老人", "heater", "", "2026-12-31", ""],  # 3: no name
        [],  # 4: blank, skipped but counted
        ["Li", "12345", "Road 9", "老人", "rice", "", "2026-12-31", ""],  # 5: phone, category
        ["Wu", "13812345679", "Road 10", "other", "oil", "", "31/12/2026", ""],  # 6: date
        ["Wu", "13812345679", "Road 10", "other", "fan", "", "2026-01-01", ""],  # 7: in the past
        ["Xu", "13812345670", "Road 11", "other", "bike", "900", "2026-12-31", ""],  # 8: over the cap
        [
            "王秀英",
            "13812345678",
            "Road 8",
            "独居老人",
            "Heater",
            "200",
            "2026-12-31",
            "",
        ],  # 9: duplicate of 2
    ]
    checked = importer.check_table(
        importer.read_table(xlsx(rows), "w.xlsx"), today=TODAY, value_cap_fen=50000
    )
    found = {e.row: [(p.column, p.key) for p in e.problems] for e in checked.errors}
    assert found == {
        3: [("name", "imp.r_missing")],
        5: [("phone", "imp.r_phone"), ("category", "imp.r_category")],
        6: [("due", "imp.r_date")],
        7: [("due", "imp.r_date_past")],
        8: [("value", "imp.r_over_cap")],
        9: [("", "imp.r_duplicate")],
    }


def test_csv_encodings() -> None:
    rows = [
        ZH_HEADER,
        *[[c.strftime("%Y-%m-%d") if isinstance(c, datetime) else c for c in r] for r in GOOD_ROWS],
    ]
    for content in (
        csv_bytes(rows, "gb18030"),
        csv_bytes(rows, "utf-8"),
        b"\xef\xbb\xbf" + csv_bytes(rows, "utf-8"),
        csv_bytes(rows, "utf-16"),
    ):
        checked = importer.check_table(importer.read_table(content, "w.csv"), today=TODAY, value_cap_fen=None)
        assert [i.draft.beneficiary.name for i in checked.items] == ["王秀英", "赵小宝", "孙大爷"]


def test_a_table_without_the_needed_columns() -> None:
    with pytest.raises(importer.ImportRefused) as caught:
        importer.check_table(
            importer.read_table(xlsx([["姓名", "电话"], ["王", "13812345678"]]), "w.xlsx"),
            today=TODAY,
            value_cap_fen=None,
        )
    assert caught.value.key == "imp.missing_columns"
    assert caught.value.params["columns"] == ["address", "category", "wish", "due"]


# --- through Telegram ------------------------------------------------------------------------------


async def test_a_coordinator_imports_a_good_file(bot: Bot) -> None:
    api, d, services = bot.api, bot.driver, bot.services
    boss = api.user(COORDINATOR, "Li")
    colleague = api.user(9002, "Chen")
    api.open_private(colleague.id)
    async with services.db.transaction() as conn:
        await services.coordinators.add(conn, 1, colleague.id, COORDINATOR, services.clock.now())
    await d.send_document(boss, "心愿.xlsx", xlsx([ZH_HEADER, *GOOD_ROWS]), XLSX)
    reply = d.last_private(boss).text or ""
    assert "已导入 3 个微心愿（W-0001 至 W-0003）" in reply and "待核查" in reply
    assert "序号" in reply  # the ignored column is named
    pending = await services.wish_repo.list_by_status(1, WishStatus.PENDING)
    assert [w.beneficiary_name for w in pending] == ["王秀英", "赵小宝", "孙大爷"]
    assert pending[0].notes == "下午在家" and pending[0].created_by == COORDINATOR
    events = await services.events.for_wish(pending[1].id)
    assert [(e.action, e.details) for e in events] == [("create", {"source": "import", "row": 3})]
    # One notice for the whole batch to the other coordinator, not three.
    notices = [m.text or "" for m in d.private(colleague)]
    assert len(notices) == 1 and "导入了 3 个微心愿" in notices[0]
    # The notes show on the coordinator's card.
    await d.send(boss, "/wish W-0001")
    assert "备注：下午在家" in (d.last_private(boss).text or "")


async def test_a_file_with_bad_rows_imports_nothing(bot: Bot) -> None:
    api, d = bot.api, bot.driver
    boss = api.user(COORDINATOR, "Li", language_code="en")
    rows = [
        EN_HEADER,
        ["王秀英", "13812345678", "Road 8", "独居老人", "heater", "200", "2026-12-31", ""],
        ["", "13812345678", "Road 8", "独居老人", "heater", "", "2026-12-31", ""],
        ["Li", "13812345677", "Road 9", "old man", "rice", "", "someday", ""],
        ["王秀英", "13812345678", "Road 8", "独居老人", "heater", "200", "2026-12-31", ""],
    ]
    await d.send_document(boss, "wishes.xlsx", xlsx(rows), XLSX)
    reply = d.last_private(boss).text or ""
    assert "3 rows have problems, so nothing from this file was imported" in reply
    assert "Row 3: name: missing" in reply
    assert "Row 4: category: “old man” is not a category" in reply and "due date: not a date" in reply
    assert "Row 5: duplicates row 2" in reply
    assert await bot.services.wish_repo.all_ids() == []


async def test_limits_and_wrong_files_get_a_clear_refusal(bot: Bot) -> None:
    api, d = bot.api, bot.driver
    boss = api.user(COORDINATOR, "Li")
    await d.send_document(boss, "huge.xlsx", b"PK\x03\x04" + b"\x00" * (importer.MAX_BYTES + 10), XLSX)
    assert "文件太大（最大 2 MB）" in (d.last_private(boss).text or "")
    assert api.calls_to("getFile") == []  # refused before downloading
    await d.send_document(boss, "photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x01" * 300, XLSX)
    assert "不是 Excel（.xlsx）或 CSV 表格" in (d.last_private(boss).text or "")
    letter = io.BytesIO()
    with zipfile.ZipFile(letter, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    await d.send_document(boss, "letter.docx", letter.getvalue(), "application/msword")
    assert "不是 Excel（.xlsx）或 CSV 表格" in (d.last_private(boss).text or "")
    many = [EN_HEADER] + [
        [f"N{i}", "13812345678", "Road 1", "other", "a wish", "", "2026-12-31", ""] for i in range(2001)
    ]
    await d.send_document(boss, "many.csv", csv_bytes(many, "utf-8"), "text/csv")
    assert "最多 2000 行" in (d.last_private(boss).text or "")
    await d.send_document(boss, "blank.csv", b"\r\n\r\n", "text/csv")
    assert "文件是空的" in (d.last_private(boss).text or "")
    assert await bot.services.wish_repo.all_ids() == []


async def test_gb18030_csv_from_chinese_excel(bot: Bot) -> None:
    boss = bot.api.user(COORDINATOR, "Li")
    rows = [
        ZH_HEADER,
        [1, "钱奶奶", "13812345601", "长安街 1 号", "独居老人", "棉被两床", "300", "2026/12/01", "耳背"],
    ]
    await bot.driver.send_document(boss, "心愿.csv", csv_bytes(rows, "gb18030"), "text/csv")
    assert "已导入 1 个微心愿" in (bot.driver.last_private(boss).text or "")
    wish = await bot.services.wishes.get(1)
    assert (wish.beneficiary_name, wish.description, wish.notes) == ("钱奶奶", "棉被两床", "耳背")


async def test_members_cannot_import(bot: Bot) -> None:
    await member(bot.services, 5, "张丽")
    zhang = bot.api.user(5, "Zhang")
    await bot.driver.send_document(zhang, "w.xlsx", xlsx([ZH_HEADER, *GOOD_ROWS]), XLSX)
    assert "只有社区工作人员" in (bot.driver.last_private(zhang).text or "")
    assert await bot.services.wish_repo.all_ids() == []


async def test_the_template_round_trip(bot: Bot) -> None:
    """A new coordinator asks for the template, fills it in Excel and sends it back."""
    boss = bot.api.user(COORDINATOR, "Li")
    await bot.driver.send(boss, "/import")
    assert "/template" in (bot.driver.last_private(boss).text or "")
    await bot.driver.send(boss, "/template")
    message = bot.driver.last_private(boss)
    assert message.document is not None and message.document.file_name == "wishwall-import-template.xlsx"
    book = load_workbook(io.BytesIO(bot.api.file_content(message.document.file_id)))
    assert book.sheetnames == ["心愿 Wishes", "说明 Help"]
    sheet = book["心愿 Wishes"]
    header = next(sheet.iter_rows(values_only=True))
    assert list(header) == [label for _, label in importer.TEMPLATE_HEADER]
    assert sheet.max_row == 1  # no example row that could be imported by mistake
    sheet.append(
        ["钱奶奶", "13812345601", "长安街 1 号", "独居老人", "棉被两床", 300, datetime(2026, 12, 1), "耳背"]
    )
    sheet.append(["Tom", "13812345602", "Road 2", "poor student", "a school bag", None, "2026-12-05", None])
    filled = io.BytesIO()
    book.save(filled)
    await bot.driver.send_document(boss, "filled.xlsx", filled.getvalue(), XLSX)
    assert "已导入 2 个微心愿" in (bot.driver.last_private(boss).text or "")


async def test_repeat_beneficiaries_are_flagged_not_refused(bot: Bot) -> None:
    services, d = bot.services, bot.driver
    boss_actor = await coordinator(services)
    helper = await member(services, 7, "张丽")
    earlier = await services.wishes.create(boss_actor, draft(), 1)  # 王秀英 13812345678
    async with services.db.transaction() as conn:
        await conn.execute(
            "UPDATE wishes SET status = 'fulfilled', holder_id = ?, claimed_at = ?, delivered_at = ?,"
            " fulfilled_at = ? WHERE id = ?",
            (
                helper.user_id,
                "2026-05-01T01:00:00.000000Z",
                "2026-05-02T01:00:00.000000Z",
                "2026-05-03T01:00:00.000000Z",
                earlier.id,
            ),
        )
    boss = bot.api.user(COORDINATOR, "Li")
    # The check report of a refused file flags the repeat too.
    bad = [*GOOD_ROWS, [4, "钱奶奶", "", "", "", "", "", "", ""]]
    await d.send_document(boss, "w.xlsx", xlsx([ZH_HEADER, *bad]), XLSX)
    reply = d.last_private(boss).text or ""
    assert (
        "第 5 行" in reply and "另外，以下受助人近 12 个月内已有心愿" in reply and "第 2 行 王秀英" in reply
    )
    await d.send_document(boss, "w.xlsx", xlsx([ZH_HEADER, *GOOD_ROWS]), XLSX)
    reply = d.last_private(boss).text or ""
    assert "已导入 3 个微心愿" in reply
    assert "近 12 个月内已有心愿" in reply and "第 2 行 王秀英：W-0001 已于 2026-05-03 圆梦" in reply
    assert "赵小宝" not in reply.split("近 12 个月")[1]
    await d.send(boss, "/pending")
    cards = [m.text or "" for m in d.private(boss)[-3:]]
    flagged = [c for c in cards if "重复受助" in c]
    assert len(flagged) == 1 and "王秀英" in flagged[0] and "W-0001 已于 2026-05-03 圆梦" in flagged[0]


async def test_a_beneficiary_with_many_earlier_wishes_lists_the_latest_five(services: Services) -> None:
    boss = await coordinator(services)
    earlier = [await services.wishes.create(boss, draft(), 1) for _ in range(8)]  # 王秀英, all pending
    other_phone = await services.wishes.create(
        boss,
        draft().model_copy(update={"beneficiary": BENEFICIARY.model_copy(update={"phone": "13900000000"})}),
        1,
    )
    now = await services.wishes.create(boss, draft(), 1)
    repeat = await services.records.repeats_for(now)
    assert repeat is not None and not repeat.name_only
    assert [e.wish_id for e in repeat.earlier] == [w.id for w in earlier[-5:]]
    assert repeat.more == 3 and other_phone.id not in [e.wish_id for e in repeat.earlier]
    text = cards.coordinator_card(now, "zh", repeat=repeat).text
    assert "W-0004（待核查）" in text and "W-0003" not in text and "另有更早的 3 个" in text
    assert "and 3 earlier" in cards.coordinator_card(now, "en", repeat=repeat).text


# --- the command line -----------------------------------------------------------------------------


async def test_cli_import(
    services: Services,
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    del services  # opened only so the community exists in the database the CLI uses
    good = tmp_path / "wishes.csv"
    rows = [EN_HEADER, ["Tom", "13812345602", "Road 2", "poor student", "a school bag", "", "2026-12-05", ""]]
    good.write_bytes(b"\xef\xbb\xbf" + csv_bytes(rows, "utf-8"))
    assert await asyncio.to_thread(_cli, settings, clock, "import", str(good), "--community", "幸福社区") == 0
    assert "已导入 1 个微心愿" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([*rows, ["", "1", "", "x", "", "", "", ""]], "utf-8"))
    code = await asyncio.to_thread(
        _cli, settings, clock, "import", str(bad), "--community", "1", "--lang", "en"
    )
    assert code == 1
    assert "Row 3: name: missing" in capsys.readouterr().err
    png = tmp_path / "photo.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x01" * 50)
    assert await asyncio.to_thread(_cli, settings, clock, "import", str(png), "--community", "1") == 1
    assert "不是 Excel" in capsys.readouterr().err
    assert (
        await asyncio.to_thread(
            _cli, settings, clock, "import", str(tmp_path / "none.csv"), "--community", "1"
        )
        == 2
    )
    services = Services.build(settings, clock)
    await services.db.open()
    try:
        assert [
            w.beneficiary_name for w in await services.wish_repo.list_by_status(1, WishStatus.PENDING)
        ] == ["Tom"]
    finally:
        await services.db.close()

"""A hostile spreadsheet can neither freeze nor bloat the bot: zip bombs are refused from the
archive's directory and its real streams (bot/sheet_guard.py), and whatever slips past is
parsed in a child process bounded in time and memory (bot/sheet_worker.py). Also: Excel's
_xHHHH_ escapes in cell text."""

from __future__ import annotations

import asyncio
import functools
import io
import multiprocessing
import struct
import time
import zipfile
from collections.abc import Sequence

import pytest
from openpyxl import Workbook

from bot.models import WishStatus
from bot.records import importer, sheet_guard, sheet_worker
from bot.services import Services
from tests.conftest import Bot
from tests.factories import BENEFICIARY, COORDINATOR, coordinator, draft
from tests.test_flow import enter_wish, register, setup_group, verify_and_post

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["姓名", "联系电话", "住址", "类别", "心愿内容", "价值（元）", "截止日期", "备注"]
ROW = ["钱奶奶", "13812345601", "长安街 1 号", "独居老人", "棉被两床", 300, "2026-12-01", ""]
SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def workbook(*rows: Sequence[object]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@functools.cache
def hostile_xlsx(unpacked_mb: int = 850) -> bytes:
    """A good one-wish workbook whose shared strings unpack to `unpacked_mb` MB of one letter:
    under 1 MB on the wire, under the 2 MB upload limit. Written a chunk at a time, so
    building it costs the test ~2 s but no memory."""
    plain = zipfile.ZipFile(io.BytesIO(workbook(HEADER, ROW)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in plain.infolist():
            data = plain.read(info)
            if info.filename == "[Content_Types].xml":
                # openpyxl writes inline strings; the part must be declared to be read at all.
                part = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS}"/>'
                data = data.replace(b"</Types>", part.encode() + b"</Types>")
            archive.writestr(info.filename, data)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part_file:
            part_file.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
            )
            chunk = b"A" * (1024 * 1024)
            for _ in range(unpacked_mb):
                part_file.write(chunk)
            part_file.write(b"</t></si></sst>")
    content = out.getvalue()
    assert len(content) < importer.MAX_BYTES
    return content


def archive_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def trimmed(table: importer.Table) -> list[tuple[int, list[object]]]:
    """The table without the empty cells the reader pads every row with."""
    return [(number, [c for c in cells if c is not None]) for number, cells in table]


def refusal(content: bytes) -> str:
    with pytest.raises(importer.ImportRefused) as caught:
        sheet_guard.check_archive(content)
    return caught.value.key


def sheet_xml(megabytes: float) -> bytes:
    """Spreadsheet-like XML that deflates about as well as a real sheet (not a bomb)."""
    rows = (f'<row r="{i}"><c r="A{i}"><v>{i * 7919 % 1000003}</v></c></row>' for i in range(1, 10**9))
    out = io.StringIO()
    while out.tell() < megabytes * 1024 * 1024:
        out.write(next(rows))
    return out.getvalue().encode()


# --- the archive checks ---------------------------------------------------------------------------


def test_ordinary_workbooks_pass() -> None:
    sheet_guard.check_archive(workbook(HEADER, ROW))
    many = [HEADER] + [
        [f"N{i}", "13812345678", "Road 1", "other", "wish", "", "2026-12-31", ""] for i in range(2000)
    ]
    sheet_guard.check_archive(workbook(*many))
    # A big part that deflates like spreadsheet XML is no bomb, only a bit over the ratio floor.
    sheet_guard.check_archive(archive_of({"xl/worksheets/sheet1.xml": sheet_xml(4)}))


def test_the_hostile_file_is_refused_from_its_directory_at_once() -> None:
    content = hostile_xlsx()
    started = time.monotonic()
    with pytest.raises(importer.ImportRefused) as caught:
        sheet_guard.check_archive(content)
    assert time.monotonic() - started < 0.5
    assert (caught.value.key, caught.value.params) == ("imp.unpacked_too_big", {"max_mb": 20})


def test_too_much_unpacked_in_total() -> None:
    # Each part is within the limit and deflates like a sheet; together they are not.
    part = sheet_xml(8)
    assert refusal(archive_of({f"xl/worksheets/sheet{i}.xml": part for i in range(1, 4)})) == (
        "imp.unpacked_too_big"
    )
    sheet_guard.check_archive(archive_of({f"xl/worksheets/sheet{i}.xml": part for i in range(1, 3)}))


def test_a_part_that_deflates_like_a_bomb() -> None:
    assert refusal(archive_of({"xl/sharedStrings.xml": b"A" * (2 * 1024 * 1024)})) == "imp.unpacked_too_big"
    # Small parts may deflate as well as they like.
    sheet_guard.check_archive(archive_of({"xl/sharedStrings.xml": b"A" * (512 * 1024)}))


def test_too_many_members() -> None:
    members = {f"xl/media/image{i}.png": b"x" for i in range(sheet_guard.MAX_MEMBERS + 1)}
    assert refusal(archive_of(members)) == "imp.too_complex"
    del members["xl/media/image0.png"]
    sheet_guard.check_archive(archive_of(members))


def _understate(content: bytes, name: str, declared: int) -> bytes:
    """The archive with `name`'s uncompressed size rewritten to `declared` in both headers."""
    patched = bytearray(content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo(name)
    struct.pack_into("<L", patched, info.header_offset + 22, declared)  # local header
    encoded = name.encode()
    central = content.index(b"PK\x01\x02")
    while content[central + 46 : central + 46 + len(encoded)] != encoded:
        central = content.index(b"PK\x01\x02", central + 1)
    struct.pack_into("<L", patched, central + 24, declared)  # central directory
    return bytes(patched)


def test_a_part_whose_stream_is_longer_than_its_header_says() -> None:
    honest = archive_of({"xl/workbook.xml": b"<workbook/>", "xl/sharedStrings.xml": sheet_xml(0.5)})
    sheet_guard.check_archive(honest)
    lying = _understate(honest, "xl/sharedStrings.xml", 1000)
    with zipfile.ZipFile(io.BytesIO(lying)) as archive:
        assert archive.getinfo("xl/sharedStrings.xml").file_size == 1000  # what the directory claims
    assert refusal(lying) == "imp.unreadable"


def test_not_a_zip_or_a_damaged_one() -> None:
    assert refusal(b"PK\x03\x04" + b"\x00" * 200) == "imp.unreadable"
    good = workbook(HEADER, ROW)
    assert refusal(good[: len(good) // 2]) == "imp.unreadable"
    # A member's data cut short, the directory intact.
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + 10
    damaged = good[:start] + bytes(len(good[start : start + 40])) + good[start + 40 :]
    assert refusal(damaged) == "imp.unreadable"


# --- the bounded parse ----------------------------------------------------------------------------


async def test_a_workbook_is_parsed_in_a_child_and_a_csv_is_not() -> None:
    table = await sheet_worker.read_table(workbook(HEADER, ROW), "w.xlsx")
    assert trimmed(table) == [(1, HEADER), (2, [c for c in ROW if c != ""])]
    assert multiprocessing.active_children() == []
    csv = "\n".join(",".join(str(c) for c in row) for row in (HEADER, ROW)).encode()
    assert [cells[0] for _, cells in await sheet_worker.read_table(csv, "w.csv")] == ["姓名", "钱奶奶"]
    with pytest.raises(importer.ImportRefused) as caught:
        await sheet_worker.read_table(b"\x89PNG\r\n\x1a\n", "photo.xlsx")
    assert caught.value.key == "imp.wrong_type"


async def test_a_parse_over_its_time_is_killed_and_refused() -> None:
    started = time.monotonic()
    with pytest.raises(importer.ImportRefused) as caught:
        # Too short for the child even to start: the deadline passes while it is busy.
        await sheet_worker.read_table(workbook(HEADER, ROW), "w.xlsx", seconds=0.05)
    assert caught.value.key == "imp.too_complex"
    assert time.monotonic() - started < 1.0
    assert multiprocessing.active_children() == []  # killed and reaped, not left behind


async def test_a_parse_over_its_memory_is_refused() -> None:
    with pytest.raises(importer.ImportRefused) as caught:
        await sheet_worker.read_table(workbook(HEADER, ROW), "w.xlsx", memory_bytes=16 * 1024 * 1024)
    assert caught.value.key == "imp.too_complex"
    assert multiprocessing.active_children() == []


# --- through Telegram -----------------------------------------------------------------------------


async def _claim_while_importing(bot: Bot, content: bytes) -> tuple[float, float, float, float]:
    """A coordinator sends `content`; as soon as the bot is at work on it, a member taps Claim
    under a posted wish. Returns when the file was sent and the tap made, answered and the
    import replied to (time.monotonic)."""
    api, d = bot.api, bot.driver
    boss, alice = api.user(COORDINATOR, "Li"), api.user(1, "Alice")
    await register(bot, boss, "李主任")
    await register(bot, alice, "张丽")
    group = await setup_group(bot, boss)
    wish_id = await enter_wish(bot, boss)
    card = await verify_and_post(bot, boss, wish_id)

    sent_at = time.monotonic()
    importing = asyncio.create_task(d.send_document(boss, "心愿.xlsx", content, XLSX))
    async with asyncio.timeout(5):
        # The bot has fetched the file: the import is under way. (The fake API signals no event.)
        while not api.calls_to("getFile"):  # noqa: ASYNC110
            await asyncio.sleep(0.001)
    tapped_at = time.monotonic()
    answer = await d.tap(alice, card, "认领", chat=group)  # waits for the import as well
    await importing
    assert answer is not None and "认领成功" in (answer.text or "")
    wish = await bot.services.wishes.get(wish_id)
    assert wish.status is WishStatus.CLAIMED and wish.holder_id == alice.id
    assert await bot.services.wish_repo.all_ids() == [wish_id]  # nothing imported
    reply = next(
        c for c in reversed(api.calls_to("sendMessage")) if c.params.get("chat_id") in (boss.id, str(boss.id))
    )
    return sent_at, tapped_at, answer.at, reply.at


async def test_a_hostile_workbook_is_refused_and_claims_are_answered_meanwhile(bot: Bot) -> None:
    sent_at, tapped_at, answered_at, replied_at = await _claim_while_importing(bot, hostile_xlsx())
    assert "这个表格解压后超过 20 MB，没有导入" in (
        bot.driver.last_private(bot.api.user(COORDINATOR, "Li")).text or ""
    )
    assert replied_at - sent_at < 2.0
    assert answered_at - tapped_at < 1.0


async def test_a_workbook_past_the_archive_checks_is_parsed_without_stopping_the_bot(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Suppose a bomb the archive checks miss: the parse runs in the child, the bot goes on.
    monkeypatch.setattr(sheet_guard, "check_archive", lambda content: None)
    monkeypatch.setattr(sheet_worker, "MEMORY_LIMIT_BYTES", 128 * 1024 * 1024)
    _, tapped_at, answered_at, replied_at = await _claim_while_importing(bot, hostile_xlsx())
    boss = bot.api.user(COORDINATOR, "Li")
    assert "这个表格太复杂，无法在限定的时间和内存内读完，没有导入" in (
        bot.driver.last_private(boss).text or ""
    )
    assert answered_at - tapped_at < 1.0
    assert answered_at < replied_at  # answered while the import was still running


async def test_the_refusals_in_english(bot: Bot) -> None:
    boss = bot.api.user(COORDINATOR, "Li", language_code="en")
    await bot.driver.send_document(boss, "wishes.xlsx", hostile_xlsx(), XLSX)
    assert "This spreadsheet unpacks to more than 20 MB; nothing was imported" in (
        bot.driver.last_private(boss).text or ""
    )
    await bot.driver.send_document(boss, "wishes.xlsx", b"PK\x03\x04" + b"\x00" * 300, XLSX)
    assert "This spreadsheet cannot be read (it may be damaged)" in (bot.driver.last_private(boss).text or "")
    assert await bot.services.wish_repo.all_ids() == []


# --- Excel's escapes --------------------------------------------------------------------------------


def test_excel_escapes_are_read_as_the_characters_they_stand_for() -> None:
    table = importer.read_table(
        workbook(["张三_x000D_", "13812345678_x000D_", "a_x000A_b", "x_x005F_y"]), "w.xlsx"
    )
    assert trimmed(table) == [(1, ["张三\r", "13812345678\r", "a\nb", "x_y"])]


async def test_an_escaped_line_end_after_a_name_still_finds_the_repeat_beneficiary(
    services: Services,
) -> None:
    boss = await coordinator(services)
    zhang = BENEFICIARY.model_copy(update={"name": "张三"})
    earlier = await services.wishes.create(boss, draft().model_copy(update={"beneficiary": zhang}), 1)
    row = [
        "张三_x000D_",
        f"{zhang.phone}_x000D_",
        "幸福路 8 号",
        "独居老人",
        "棉被两床",
        300,
        "2026-12-01",
        "",
    ]
    outcome = await services.records.import_file(boss, 1, "w.xlsx", workbook(HEADER, row))
    assert outcome.imported and outcome.names == {2: "张三"}
    repeat = outcome.repeats[2]
    assert [e.wish_id for e in repeat.earlier] == [earlier.id] and not repeat.name_only
    [created] = outcome.created
    assert (created.beneficiary_name, created.beneficiary_phone) == ("张三", zhang.phone)

"""The claim sheet's writer process (bot/records/xlsx_process.py): what it writes, how many rows
its reader keeps on their way, and what happens when either side stops in the middle."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any
from zipfile import ZipFile

import pytest
import xlsxwriter
from openpyxl import load_workbook

from bot.records import xlsx_child
from bot.records.xlsx_child import SheetWriterFailed, XlsxChild
from storage.piped_child import PipedChild
from tests.test_cli_imports import HEAVY, _loaded


def _sheets(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(path)
    return {sheet.title: [tuple(c.value for c in row) for row in sheet.iter_rows()] for sheet in book}


async def test_cells_keep_their_types_and_text_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    async with await XlsxChild.open(path, str(tmp_path)) as book:
        book.add_sheet("认领 Claims")
        await book.add_rows([["code", "due", "value", "note"]])
        await book.add_rows(
            [
                ["W-0001", date(2026, 12, 1), 120, '=HYPERLINK("http://x")'],
                ["W-0002", None, 12.5, "@SUM(A1)"],
            ]
        )
        book.add_sheet("Summary")
        await book.add_rows([["total", 2], [], ["formula", "done / due"]])
        await book.close()
    sheets = _sheets(path)
    assert list(sheets) == ["认领 Claims", "Summary"]
    claims = sheets["认领 Claims"]
    assert claims[1][0] == "W-0001" and claims[1][1].date() == date(2026, 12, 1)
    assert claims[1][2] == 120 and claims[2][2] == 12.5 and claims[2][1] is None
    # Written as strings, never as formulas, whatever they start with.
    assert claims[1][3] == '=HYPERLINK("http://x")' and claims[2][3] == "@SUM(A1)"
    cell = load_workbook(path)["认领 Claims"]["D2"]
    assert cell.data_type == "s"
    # An empty row stays empty: the summary's blocks are apart as summary_rows lays them out.
    assert sheets["Summary"] == [("total", 2), (None, None), ("formula", "done / due")]


async def test_dates_are_written_as_xlsxwriter_s_own_write_datetime_writes_them(tmp_path: Path) -> None:
    # Around Excel's 1900 leap-year bug, the 1904 switch-over, repeated days, the far future.
    days = [date(1900, 1, 1), date(1900, 2, 28), date(1900, 3, 1), date(1904, 1, 1), date(2026, 12, 3)]
    rows: list[list[Any]] = [[d, "x", d, None, date(9999, 12, 31)] for d in days * 2]
    ours = tmp_path / "ours.xlsx"
    async with await XlsxChild.open(ours, str(tmp_path)) as book:
        book.add_sheet("Dates")
        await book.add_rows(rows)
        await book.close()
    theirs = tmp_path / "theirs.xlsx"
    workbook = xlsxwriter.Workbook(str(theirs), {"constant_memory": True, "tmpdir": str(tmp_path)})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet("Dates")
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, day)
            elif value is not None:
                sheet.write_string(r, c, value)
    workbook.close()
    with ZipFile(ours) as a, ZipFile(theirs) as b:
        assert a.read("xl/worksheets/sheet1.xml") == b.read("xl/worksheets/sheet1.xml")
        assert a.read("xl/styles.xml") == b.read("xl/styles.xml")
    read = _sheets(ours)["Dates"]
    assert [row[0].date() for row in read[: len(days)]] == days
    assert load_workbook(ours)["Dates"]["A1"].number_format == "yyyy-mm-dd"


async def test_the_reader_keeps_only_a_few_batches_on_their_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batches sent less batches answered, as the pipe sees them.
    on_their_way, most = 0, 0
    send, receive = PipedChild.send, PipedChild.receive

    def sending(child: PipedChild, payload: bytes) -> None:
        nonlocal on_their_way, most
        send(child, payload)
        if pickle.loads(payload)[0] == "rows":
            on_their_way += 1
            most = max(most, on_their_way)

    async def receiving(child: PipedChild) -> bytes:
        nonlocal on_their_way
        payload = await receive(child)
        if pickle.loads(payload) == ("ok",):
            on_their_way -= 1
        return payload

    monkeypatch.setattr(PipedChild, "send", sending)
    monkeypatch.setattr(PipedChild, "receive", receiving)
    book = await XlsxChild.open(tmp_path / "s.xlsx", str(tmp_path))
    async with book:
        book.add_sheet("s")
        for n in range(40):
            await book.add_rows([[n, "row"]] * 50)
        await book.close()
    assert most == xlsx_child.IN_FLIGHT
    assert len(_sheets(tmp_path / "s.xlsx")["s"]) == 2000


async def _writer_killed(book: XlsxChild) -> None:
    book.add_sheet("s")
    await book.add_rows([["first"]])
    os.kill(book._child.pid, signal.SIGKILL)
    for _ in range(10):
        await book.add_rows([["more"]])
    await book.close()


async def _command_out_of_order(book: XlsxChild) -> None:
    await book.add_rows([["王大爷 13800000000", "no sheet was added"]])
    await book.close()


async def _reader_fails(book: XlsxChild) -> None:
    book.add_sheet("s")
    await book.add_rows([["first"]])
    raise RuntimeError("the database went away")


@pytest.mark.parametrize(
    ("stop", "error", "match"),
    [
        (_writer_killed, SheetWriterFailed, "ended unexpectedly"),
        # Named by its kind, never by its rows (people's details, on their way to the log).
        (_command_out_of_order, SheetWriterFailed, r"unexpected command 'rows'$"),
        (_reader_fails, RuntimeError, "the database went away"),
    ],
    ids=["writer-killed", "command-out-of-order", "reader-fails"],
)
async def test_an_export_stopped_half_way_fails_at_once_and_leaves_no_process(
    tmp_path: Path, stop: Callable[[XlsxChild], Awaitable[None]], error: type[Exception], match: str
) -> None:
    book = await XlsxChild.open(tmp_path / "s.xlsx", str(tmp_path))
    with pytest.raises(error, match=match):
        async with asyncio.timeout(10), book:
            await stop(book)
    assert not book._child.running


def test_the_writer_process_imports_none_of_the_bots_libraries(tmp_path: Path) -> None:
    loaded = _loaded("import bot.records.xlsx_process", tmp_path)
    assert [name for name in loaded if name in (*HEAVY, "pydantic", "asyncio")] == []
    ours = [name for name in loaded if name.split(".")[0] in {"bot", "handlers"}]
    assert ours == ["bot", "bot.records", "bot.records.xlsx_process"]

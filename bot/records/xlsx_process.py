"""The claim sheet's writer process: XlsxWriter's cells written away from the process that reads.

Started by bot/records/xlsx_child.py as `python -m bot.records.xlsx_process`, once per
export. Writing the cells is two thirds of a 100,000-row export and holds the GIL all along;
in a thread of the reading process it took turns with the reading (the database's rows, the
points, the texts), and in the bot it held up every chat while it ran. Here the two overlap
on two cores.

Frames on stdin (storage/piped_child.py) are pickled commands, answered on stdout:
- ("open", path, tmpdir): a workbook in constant-memory mode at path, temporary files in
  tmpdir; nothing is answered;
- ("sheet", title): the next sheet, its rows from the first; nothing is answered;
- ("rows", rows): rows of cells (text, numbers, dates, None for an empty cell) after the last
  row written; answered ("ok",) once written, which is how the reader keeps a bounded number
  of rows on their way;
- ("close",): the workbook finished on disk; answered ("closed",).
Whatever fails is answered ("error", what happened) and the process ends. It ends too when
stdin closes (its reader stopped or died), leaving an unfinished file for the reader to remove.

Frames come only from the process that started this one, through a pipe nobody else holds.
It imports XlsxWriter and the standard library only, to start fast.
"""

from __future__ import annotations

import functools
import pickle
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, BinaryIO

from storage.writer_process import frame, read_frame


class _Book:
    def __init__(self, path: str, tmpdir: str) -> None:
        import xlsxwriter

        self.workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tmpdir})
        self.day_format = self.workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.sheet: Any = None
        self.serial: Any = None  # the sheet's dates as day numbers (add_sheet)
        self.row = 0

    def add_sheet(self, title: str) -> None:
        self.sheet = self.workbook.add_worksheet(title)
        self.row = 0
        # A sheet's dates are few and repeat on every row (up to eight a row): each becomes
        # Excel's day number once, by the worksheet's own conversion (what write_datetime calls;
        # private, but the same from XlsxWriter 3.1 to 3.3), not once per cell: 5.2 -> 3.1 µs a
        # date cell, ~1.7 s of a 100,000-row export's writer (tests/test_xlsx_process.py checks
        # the sheet comes out as write_datetime's).
        self.serial = functools.lru_cache(maxsize=4096)(self.sheet._convert_date_time)

    def add_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        for cells in rows:
            write_cells(self.sheet, self.row, cells, self.day_format, self.serial)
            self.row += 1


def write_cells(
    sheet: Any, row: int, cells: Sequence[Any], day_format: Any, serial: Callable[[date], float]
) -> None:
    # The typed writers skip XlsxWriter's per-cell type sniffing: a third of the time at 100k rows,
    # and write_string keeps text as text where `write` would make a formula of "=...".
    for column, value in enumerate(cells):
        if value is None:
            continue
        if isinstance(value, str):
            sheet.write_string(row, column, value)
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value)
        elif isinstance(value, int | float):
            sheet.write_number(row, column, value)
        elif isinstance(value, date):
            # What write_datetime stores and writes (a number in the date's format), for less.
            sheet.write_number(row, column, serial(value), day_format)
        else:
            sheet.write_string(row, column, str(value))


def serve(incoming: BinaryIO, outgoing: BinaryIO) -> None:
    def answer(*reply: object) -> None:
        outgoing.write(frame(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)))
        outgoing.flush()

    book: _Book | None = None
    try:
        while (payload := read_frame(incoming)) is not None:
            command = pickle.loads(payload)
            match command:
                case ("open", str(path), str(tmpdir)):
                    book = _Book(path, tmpdir)
                case ("sheet", str(title)) if book is not None:
                    book.add_sheet(title)
                case ("rows", list(rows)) if book is not None and book.sheet is not None:
                    book.add_rows(rows)
                    answer("ok")
                case ("close",) if book is not None:
                    book.workbook.close()
                    answer("closed")
                    return
                case _:
                    # Its name only: the rows are people's names, phones and addresses, and this
                    # text reaches the bot's log.
                    name = command[0] if isinstance(command, tuple) and command else type(command).__name__
                    raise ValueError(f"unexpected command {str(name)[:20]!r}")
    except Exception as exc:  # whatever it is, the reader is told, and stops
        answer("error", f"{type(exc).__name__}: {exc}")
        sys.exit(1)


def main() -> None:
    # Ctrl-C and a service manager's stop reach the whole group: the reader, stopping, closes
    # our stdin, and we end without a traceback of our own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    serve(sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()

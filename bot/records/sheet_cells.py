"""Cells that hold what people typed, made safe for the spreadsheet programs that open them.

Names, wish texts, notes and branch names come from volunteers, residents and imported files. A
spreadsheet program runs a cell that begins with "=" as a formula, and Excel and LibreOffice also
read "+", "-" and "@" as the start of one; a leading tab or carriage return can hide such a start.
A volunteer named ``=HYPERLINK("http://evil","x")`` would otherwise become a live link in every
sheet that lists them, able to carry the row's name and phone number off when clicked (CSV or
formula injection). So every sheet the bot writes keeps people's text as text:

- .xlsx written with openpyxl: `append_row` stores every str as a string cell, never a formula;
- .xlsx written with XlsxWriter: `write_string` (never `write`/`write_row`, which sniff formulas);
- .csv, which has no cell types: `csv_row` puts an apostrophe before a dangerous first character,
  as the OWASP CSV-injection guidance says, so the program shows the text and runs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """The text as a CSV cell that no spreadsheet program reads as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_row(cells: Sequence[Any]) -> list[Any]:
    """A row for `csv.writer`: text neutralised, days as ISO dates, blanks empty.

    Numbers stay numbers: they are the program's own figures (a value, days late), and an
    apostrophe would turn a genuine negative number into text.
    """
    row: list[Any] = []
    for value in cells:
        if value is None:
            row.append("")
        elif isinstance(value, str):
            row.append(neutralise(value))
        elif isinstance(value, date):
            row.append(value.isoformat())
        else:
            row.append(value)
    return row


def append_row(sheet: Worksheet, cells: Sequence[Any]) -> None:
    """`sheet.append(cells)`, except that text is always stored as a string cell.

    openpyxl turns any str that starts with "=" into a formula; the cell's type is set back.
    """
    # Heavy import, only when a sheet is written. WriteOnlyCell is openpyxl's detached cell for
    # `append`, which gives it its row and column.
    from openpyxl.cell import WriteOnlyCell

    row: list[Any] = []
    for value in cells:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    sheet.append(row)

"""Reading an uploaded spreadsheet: the bytes of an .xlsx or .csv file become numbered rows of
cells, or the whole file is refused with a reason (too big, an old Excel file, no header, ...).

Nothing here does I/O and nothing checks what the cells mean (bot/records/importer.py does). A
file from a user goes through bot/records/sheet_worker.py, which refuses zip bombs and parses
workbooks in a bounded child process; calling read_table directly trusts the file.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from bot.errors import DomainError

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 50
# Rows read, empty ones included, before a sheet counts as too long (formatting can make
# millions of empty rows in a tiny file).
_MAX_SCANNED = MAX_ROWS * 5


class ImportRefused(DomainError):
    """The whole file is refused (wrong type, too big, no header, ...), before any row."""

    key = "imp.unreadable"


Table = list[tuple[int, list[Any]]]  # (spreadsheet row number, cells)


def read_table(content: bytes, file_name: str | None) -> Table:
    """The rows of the first sheet (xlsx) or of the file (csv), numbered as a spreadsheet shows them."""
    if not content:
        raise ImportRefused("imp.empty")
    if len(content) > MAX_BYTES:
        raise ImportRefused("imp.too_big", max_mb=MAX_BYTES // (1024 * 1024))
    name = (file_name or "").lower()
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused("imp.old_excel")  # .xls / .doc: the binary Office format
    if name.endswith((".csv", ".txt", ".tsv")):
        return _read_csv(content)
    raise ImportRefused("imp.wrong_type")


def _read_xlsx(content: bytes) -> Table:
    # heavy imports, only when a workbook arrives
    from openpyxl import load_workbook
    from openpyxl.utils.escape import unescape

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise ImportRefused("imp.wrong_type")  # a .docx, .pptx, .zip, ...
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (ImportRefused, MemoryError):
        raise  # out of memory is not a damaged file: sheet_worker refuses it as too complex
    except Exception as exc:  # openpyxl raises many kinds on a broken file; all mean the same
        raise ImportRefused("imp.unreadable") from exc
    try:
        if not workbook.worksheets:
            raise ImportRefused("imp.no_header")
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some writers store a wrong size; read what is there
        rows: Table = []
        filled = 0
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            if number > _MAX_SCANNED:
                raise ImportRefused("imp.too_many_rows", max=MAX_ROWS)
            # Excel writes control characters in cell text as _xHHHH_ (a line end pasted after a
            # name gives "张三_x000D_") and openpyxl passes them on as written; unescaped, names
            # and phones compare equal to the same ones typed in /newwish.
            cells = [unescape(c) if isinstance(c, str) else c for c in values]
            rows.append((number, cells))
            if is_filled(cells):
                filled += 1
                if filled > MAX_ROWS + 1:  # the header and MAX_ROWS wishes
                    raise ImportRefused("imp.too_many_rows", max=MAX_ROWS)
        return rows
    except (ImportRefused, MemoryError):
        raise
    except Exception as exc:
        raise ImportRefused("imp.unreadable") from exc
    finally:
        workbook.close()


def is_filled(cells: list[Any]) -> bool:
    return any(not blank(c) for c in cells)


def blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)  # Excel's "Unicode text"
    elif content.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    else:
        # Chinese Excel saves CSV in GBK; GB18030 is its superset.
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused("imp.encoding")


def _read_csv(content: bytes) -> Table:
    text = _decode(content)
    if "\x00" in text:
        raise ImportRefused("imp.wrong_type")  # binary data with a .csv name
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;，", key=first.count)
    if delimiter == "，":
        delimiter = ","  # a full-width comma is never a CSV separator; the sniffing above just saw text
    rows: Table = []
    filled = 0
    try:
        for number, values in enumerate(
            csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1
        ):
            if number > _MAX_SCANNED:
                raise ImportRefused("imp.too_many_rows", max=MAX_ROWS)
            cells: list[Any] = list(values[:MAX_COLUMNS])
            rows.append((number, cells))
            if is_filled(cells):
                filled += 1
                if filled > MAX_ROWS + 1:
                    raise ImportRefused("imp.too_many_rows", max=MAX_ROWS)
    except csv.Error as exc:
        raise ImportRefused("imp.unreadable") from exc
    return rows

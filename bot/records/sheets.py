"""Spreadsheets the bot hands out: the import template and the claim sheet (征集认领统计表); a
member's service record and a branch's report are in bot/records/record_sheets.py. Column titles
follow the reader's language.

The claim sheet is written with XlsxWriter's constant-memory mode from an async stream of rows,
so a 100,000-wish export never holds the whole table in memory; the smaller sheets use openpyxl.
Every cell of text goes through bot/sheet_cells.py, so nobody's text becomes a formula.
"""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from bot.categories.book import CategoryEntry, builtin_book, label_of
from bot.models import SourceKind, WishSource
from bot.records import importer
from bot.records.model import ExportSummary
from bot.records.sheet_cells import append_row, csv_row
from bot.records.xlsx_child import XlsxChild
from bot.reports import figures
from bot.texts import LANGS, t
from bot.wishes import sources
from storage.stats import Period, PeriodFigures, SheetRow

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
_BATCH = 500  # claim-sheet rows turned into cells and sent to the writer process at a time
_LIST_FORMULA_MAX = 255

# Claim-sheet columns in order; the personal ones are left out of the public variant.
PERSONAL_COLUMNS = ("name", "phone", "address", "notes")
CLAIM_COLUMNS = (
    "code",
    "category",
    "wish",
    "value",
    "due",
    *PERSONAL_COLUMNS,
    "source",
    "collected_by",
    "collected_on",
    "verified_by",
    "verified_on",
    "posted_on",
    "branch",
    "claimed_by",
    "claimed_on",
    "delivered_on",
    "fulfilled_on",
    "status",
    "days_late",
    "hours",
    "points",
    "followup_on",
    "followup_outcome",
    "followup_by",
    "followup_note",
)
# Who recommended a wish and what the beneficiary said at the follow-up: coordinators only.
COORDINATOR_COLUMNS = (*PERSONAL_COLUMNS, "source", "followup_note")
SUMMARY_COLUMNS = ("collected", "claimed", "fulfilled", "value", "due", "due_fulfilled", "rate")


def claim_columns(public: bool) -> list[str]:
    return [c for c in CLAIM_COLUMNS if not (public and c in COORDINATOR_COLUMNS)]


def money(value_fen: int | None) -> int | float | None:
    """Yuan as a number a spreadsheet can add up."""
    if value_fen is None:
        return None
    return value_fen // 100 if value_fen % 100 == 0 else value_fen / 100


def _day(when: datetime | None, zone: ZoneInfo) -> date | None:
    return figures.local_day(when, zone)


def claim_cells(row: SheetRow, *, lang: str, public: bool, zone: ZoneInfo, today: date) -> list[Any]:
    from bot.codes import format_code

    delivered = _day(row.delivered_at, zone) or _day(row.fulfilled_at, zone)
    values: dict[str, Any] = {
        "code": format_code(row.wish_id),
        "category": label_of(row, lang),
        "wish": row.description,
        "value": money(row.value_fen),
        "due": row.due_date,
        "name": row.beneficiary_name,
        "phone": row.beneficiary_phone,
        "address": row.beneficiary_address,
        "notes": row.notes,
        "collected_by": row.collected_by,
        "collected_on": _day(row.collected_at, zone),
        "verified_by": row.verified_by,
        "verified_on": _day(row.verified_at, zone),
        "posted_on": _day(row.posted_at, zone),
        "branch": row.branch,
        "claimed_by": row.claimed_by,
        "claimed_on": _day(row.claimed_at, zone),
        "delivered_on": _day(row.delivered_at, zone),
        "fulfilled_on": _day(row.fulfilled_at, zone),
        "status": t(lang, f"status.{row.status.value}"),
        "days_late": figures.days_late(row.due_date, row.status, delivered, today),
        "hours": row.hours,  # each member's, once delivered (bot/points)
        "points": row.points,  # each member's, once fulfilled
        **_source_and_followup(row, lang, zone),
    }
    return [values[c] for c in claim_columns(public)]


def _source_and_followup(row: SheetRow, lang: str, zone: ZoneInfo) -> dict[str, Any]:
    source = WishSource(kind=SourceKind(row.source_kind), name=row.source_name) if row.source_kind else None
    outcome = row.followup_outcome
    return {
        "source": sources.source_text(source, lang),
        "followup_on": _day(row.followup_at, zone),
        "followup_outcome": t(lang, f"fu.outcome.{outcome}") if outcome else None,
        "followup_by": row.followup_by,
        "followup_note": row.followup_note,
    }


def column_titles(lang: str, prefix: str, columns: Sequence[str]) -> list[str]:
    return [t(lang, f"{prefix}{c}") for c in columns]


def _summary_cells(label: str, numbers: PeriodFigures) -> list[Any]:
    return [
        label,
        numbers.collected,
        numbers.claimed,
        numbers.fulfilled,
        money(numbers.fulfilled_value_fen),
        numbers.due,
        numbers.due_fulfilled,
        figures.percent(numbers.due_fulfilled, numbers.due),
    ]


def summary_rows(summary: ExportSummary, period: Period, lang: str) -> list[list[Any]]:
    head = [t(lang, f"xl.sum.{c}") for c in SUMMARY_COLUMNS]
    rows: list[list[Any]] = [
        [t(lang, "xl.sum.title", start=period.start.isoformat(), end=period.last_day.isoformat())],
        [],
        [t(lang, "xl.sum.by_branch"), *head],
    ]
    for line in summary.by_branch:
        rows.append(_summary_cells(line.label or "", line.figures))
    if any(summary.unposted.model_dump().values()):
        rows.append(_summary_cells(t(lang, "xl.sum.unposted"), summary.unposted))
    rows.append(_summary_cells(t(lang, "xl.sum.total"), summary.total))
    rows += [[], [t(lang, "xl.sum.by_month"), *head]]
    for line in summary.by_month:
        rows.append(_summary_cells(line.label or "", line.figures))
    rows.append(_summary_cells(t(lang, "xl.sum.total"), summary.total))
    rows += [[], [t(lang, "fig.formula")]]
    return rows


async def _batches(rows: AsyncIterator[SheetRow], size: int) -> AsyncIterator[list[SheetRow]]:
    batch: list[SheetRow] = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


async def write_claim_sheet(
    target: IO[bytes] | Path,
    rows: AsyncIterator[SheetRow],
    summary: ExportSummary,
    *,
    period: Period,
    lang: str,
    public: bool,
    today: date,
) -> int:
    """The claim sheet and its summary as .xlsx; returns the number of wishes written.

    Written with XlsxWriter in constant-memory mode, each row to a temporary file as it is
    written, so a 100,000-row export holds a few batches at a time; XlsxWriter writes cells
    about twice as fast as openpyxl. The cells are written by a process of its own
    (bot/records/xlsx_process.py) while this one reads the next rows and turns them into cells:
    the two overlap, and a long export leaves the bot's other chats their share of the GIL.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = target if isinstance(target, Path) else Path(tmp) / "sheet.xlsx"
        written = 0
        async with await XlsxChild.open(path, tmp) as book:
            book.add_sheet(t(lang, "xl.sheet_claims"))
            await book.add_rows([column_titles(lang, "xl.col.", claim_columns(public))])
            async for batch in _batches(rows, _BATCH):
                cells = [
                    claim_cells(row, lang=lang, public=public, zone=period.zone, today=today) for row in batch
                ]
                await book.add_rows(cells)
                written += len(batch)
            book.add_sheet(t(lang, "xl.sheet_summary"))
            await book.add_rows(summary_rows(summary, period, lang))
            await book.close()
        if not isinstance(target, Path):
            data = await asyncio.to_thread(path.read_bytes)
            await asyncio.to_thread(target.write, data)
    return written


async def write_claim_csv(
    target: IO[str], rows: AsyncIterator[SheetRow], *, period: Period, lang: str, public: bool, today: date
) -> int:
    """The claim sheet alone as CSV (a CSV has one table: the summary is in the .xlsx only).
    The caller opens the file as UTF-8 with a BOM so that Excel shows Chinese correctly."""
    writer = csv.writer(target)
    writer.writerow(csv_row(column_titles(lang, "xl.col.", claim_columns(public))))

    def write(batch: list[SheetRow]) -> None:
        for row in batch:
            cells = claim_cells(row, lang=lang, public=public, zone=period.zone, today=today)
            writer.writerow(csv_row(cells))

    count = 0
    async for batch in _batches(rows, _BATCH):
        await asyncio.to_thread(write, batch)
        count += len(batch)
    return count


# --- the import template ---------------------------------------------------------------------


def template_xlsx(lang: str, categories: Sequence[CategoryEntry] | None = None) -> bytes:
    """An empty wish sheet with the header the importer reads, plus a sheet of instructions.

    No example row on the first sheet: a forgotten example would be imported as a wish.
    `categories` are the community's visible ones (bot/categories), the built-in ones if not given.
    """
    offered = list(categories) if categories is not None else builtin_book().visible()
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "心愿 Wishes"
    append_row(sheet, [label for _, label in importer.TEMPLATE_HEADER])
    for index, width in enumerate((12, 16, 30, 16, 30, 16, 16, 30, 20), start=1):
        sheet.column_dimensions[chr(ord("A") + index - 1)].width = width
    sheet.freeze_panes = "A2"
    # The drop-down offers the first language's names; the importer reads every language's.
    labels = ",".join(c.label(LANGS[0]) for c in offered)
    # Excel refuses a list formula over 255 characters: a long list is on the help sheet only.
    if len(labels) <= _LIST_FORMULA_MAX:
        choose = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
        choose.add(f"D2:D{importer.MAX_ROWS + 1}")
        sheet.add_data_validation(choose)
    help_sheet = workbook.create_sheet("说明 Help")
    for line in t(lang, "imp.template_help", max=importer.MAX_ROWS).split("\n"):
        append_row(help_sheet, [line])
    append_row(help_sheet, [])
    append_row(help_sheet, [t(lang, "imp.template_categories")])
    for category in offered:
        append_row(help_sheet, [*(category.label(code) for code in LANGS), category.key])
    append_row(help_sheet, [])
    append_row(help_sheet, [t(lang, "src.template_help")])
    for label in sources.every_label():
        append_row(help_sheet, [label])
    help_sheet.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

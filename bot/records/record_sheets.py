"""Service records as spreadsheets: a member's (/myrecord) and a branch's (/branchreport), each a
summary line per member with their service, then every wish they held. Column titles follow the
reader's language; every cell of text goes through bot/records/sheet_cells.py."""

from __future__ import annotations

import io
from typing import Any

from bot.categories.book import label_of
from bot.points.views import cell_number, service_cells
from bot.records.model import BranchReport, MemberRecord, RecordLine, RecordSummary
from bot.records.sheet_cells import append_row
from bot.records.sheets import column_titles, money
from bot.texts import t
from bot.wishes.cards import mask_name

RECORD_COLUMNS = (
    "code",
    "category",
    "beneficiary",
    "wish",
    "value",
    "due",
    "claimed_on",
    "delivered_on",
    "fulfilled_on",
    "status",
    "timeliness",
    "hours",
    "points",
)
MEMBER_COLUMNS = (
    "member",
    "claimed",
    "fulfilled",
    "on_time",
    "late",
    "in_progress",
    "overdue",
    "value",
    "hours",
    "points",
)


def record_cells(line: RecordLine, lang: str) -> list[Any]:
    row = line.row
    return [
        line.code,
        label_of(row, lang),
        mask_name(row.beneficiary_name),
        row.description,
        money(row.value_fen),
        row.due_date,
        line.claimed_on,
        line.delivered_on,
        line.fulfilled_on,
        t(lang, f"status.{row.status.value}"),
        timeliness(line, lang),
        cell_number(line.hours_tenths),
        cell_number(line.points_tenths),
    ]


def timeliness(line: RecordLine, lang: str) -> str:
    if line.on_time is True:
        return t(lang, "rec.on_time")
    if line.on_time is False:
        return t(lang, "rec.late_days", days=line.days_late or 0)
    if line.days_late:
        return t(lang, "rec.overdue_days", days=line.days_late)
    return t(lang, "rec.in_progress")


def _summary_numbers(summary: RecordSummary) -> list[Any]:
    return [
        summary.claimed,
        summary.fulfilled,
        summary.on_time,
        summary.late,
        summary.in_progress,
        summary.overdue,
        money(summary.value_fen),
    ]


def record_xlsx(record: MemberRecord, lang: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = t(lang, "xl.sheet_record")
    append_row(sheet, [t(lang, "xl.record_title", name=record.name)])
    append_row(
        sheet,
        [t(lang, "xl.period", start=record.period.start.isoformat(), end=record.period.last_day.isoformat())],
    )
    if record.branch is not None:
        append_row(
            sheet, [t(lang, "xl.branch_line", branch=record.branch.name, community=record.community.name)]
        )
    append_row(sheet, [])
    append_row(sheet, column_titles(lang, "xl.rec.", MEMBER_COLUMNS))
    append_row(sheet, [record.name, *_summary_numbers(record.summary), *service_cells(record.service)])
    append_row(sheet, [])
    append_row(sheet, column_titles(lang, "xl.rec.", RECORD_COLUMNS))
    for line in record.lines:
        append_row(sheet, record_cells(line, lang))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def branch_xlsx(report: BranchReport, lang: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = t(lang, "xl.sheet_summary")
    append_row(
        sheet, [t(lang, "xl.branch_title", branch=report.branch.name, community=report.community.name)]
    )
    append_row(
        sheet,
        [t(lang, "xl.period", start=report.period.start.isoformat(), end=report.period.last_day.isoformat())],
    )
    append_row(sheet, [])
    append_row(sheet, column_titles(lang, "xl.rec.", MEMBER_COLUMNS))
    for record in report.members:
        append_row(sheet, [record.name, *_summary_numbers(record.summary), *service_cells(record.service)])
    total = [*_summary_numbers(report.total), *service_cells(report.service_total)]
    append_row(sheet, [t(lang, "xl.sum.total"), *total])
    details = workbook.create_sheet(t(lang, "xl.sheet_details"))
    append_row(details, [t(lang, "xl.rec.member"), *column_titles(lang, "xl.rec.", RECORD_COLUMNS)])
    for record in report.members:
        for line in record.lines:
            append_row(details, [record.name, *record_cells(line, lang)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""Pure renderers for records: the import report, /stats, service records and branch reports.

Service records are meant to be forwarded to a branch, so they show beneficiaries masked
(王**) like group cards do; only the import report (a coordinator's private chat) names them.
"""

from __future__ import annotations

from datetime import date

from bot.categories.book import label_of
from bot.points.views import served_suffix, service_line, totals_params
from bot.records.importer import ImportRefused
from bot.records.model import (
    BranchReport,
    ImportOutcome,
    MemberRecord,
    RecordLine,
    RecordSummary,
    StatsView,
)
from bot.records.record_sheets import timeliness
from bot.reports import figures
from bot.texts import t, t_error
from bot.wishes.cards import earlier_text, mask_name
from bot.wishes.releases import reasons_line

MAX_MESSAGE = 4000  # Telegram allows 4096; keep room for a line added by the caller
MAX_ERROR_ROWS = 30
MAX_RECORD_LINES = 25


def split_message(lines: list[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Lines packed into as few messages as fit, never splitting a line (unless one is huge)."""
    messages: list[str] = []
    current = ""
    for line in lines:
        piece = line[:limit]
        if current and len(current) + 1 + len(piece) > limit:
            messages.append(current)
            current = piece
        else:
            current = f"{current}\n{piece}" if current else piece
    if current:
        messages.append(current)
    return messages


# --- import -------------------------------------------------------------------------------------


def refusal_text(error: ImportRefused, lang: str) -> str:
    params = dict(error.params)
    if "columns" in params:
        params["columns"] = "、".join(t(lang, f"imp.colname.{c}") for c in params["columns"])
    return t_error(lang, error.key, params)


def import_report(outcome: ImportOutcome, lang: str) -> list[str]:
    checked = outcome.checked
    lines: list[str] = []
    if checked.errors:
        lines.append(t(lang, "imp.bad_rows", count=len(checked.errors)))
        for error in checked.errors[:MAX_ERROR_ROWS]:
            reasons = t(lang, "sep.clauses")
            lines.append(
                t(
                    lang,
                    "imp.row_line",
                    row=error.row,
                    reasons=reasons.join(
                        t(
                            lang,
                            "imp.reason",
                            column=t(lang, f"imp.col.{p.column}") if p.column else "",
                            reason=t(lang, p.key, **p.params),
                        )
                        for p in error.problems
                    ),
                )
            )
        if len(checked.errors) > MAX_ERROR_ROWS:
            lines.append(t(lang, "imp.more_rows", count=len(checked.errors) - MAX_ERROR_ROWS))
    else:
        created = outcome.created
        lines.append(t(lang, "imp.done", count=len(created), first=created[0].code, last=created[-1].code))
    if outcome.repeats:
        header = "imp.repeats_note" if checked.errors else "imp.repeats_header"
        lines += ["", t(lang, header, months=outcome.repeat_months)]
        for row, repeat in sorted(outcome.repeats.items()):
            line = t(
                lang,
                "imp.repeat_line",
                row=row,
                name=outcome.names.get(row, ""),
                earlier=earlier_text(repeat, lang),
            )
            if repeat.name_only:
                line += t(lang, "imp.name_only")
            lines.append(line)
    if checked.ignored_columns:
        lines += ["", t(lang, "imp.ignored_columns", columns="、".join(checked.ignored_columns[:20]))]
    return split_message(lines)


# --- /stats -------------------------------------------------------------------------------------


def stats_text(view: StatsView, lang: str) -> str:
    now, month, year = view.now, view.month, view.year
    lines = [
        t(lang, "stats.title", community=view.community.name, today=view.today.isoformat()),
        t(
            lang,
            "stats.now",
            pending=now.pending,
            verified=now.verified,
            open=now.open,
            claimed=now.claimed,
            delivered=now.delivered,
            overdue=now.overdue,
        ),
        t(lang, "stats.collected", month=month.collected, year=year.collected),
        t(
            lang,
            "stats.fulfilled",
            month=month.fulfilled,
            year=year.fulfilled,
            value=figures.yuan(year.fulfilled_value_fen) or "0",
        ),
        t(
            lang,
            "stats.rate",
            rate=figures.percent(year.due_fulfilled, year.due),
            done=year.due_fulfilled,
            due=year.due,
            month_rate=figures.percent(month.due_fulfilled, month.due),
            month_done=month.due_fulfilled,
            month_due=month.due,
        ),
    ]
    if view.top:
        items = " · ".join(
            t(lang, "stats.top_item", category=label_of(c, lang), count=c.count) for c in view.top
        )
        lines.append(t(lang, "stats.top", items=items))
    if view.own_now is not None and view.own_year is not None:
        lines.append(
            t(
                lang,
                "stats.own",
                held=view.own_now.held,
                overdue=view.own_now.overdue,
                fulfilled=view.own_year.fulfilled,
            )
        )
    lines += ["", t(lang, "fig.formula")]
    return "\n".join(lines)


# --- service records ---------------------------------------------------------------------------


def _day(day: date | None, lang: str) -> str:
    return day.isoformat() if day else t(lang, "rec.dash")


def record_line(line: RecordLine, lang: str) -> str:
    return _record_line(line, lang) + served_suffix(line.hours_tenths, line.points_tenths, lang)


def _record_line(line: RecordLine, lang: str) -> str:
    row = line.row
    return t(
        lang,
        "rec.line",
        code=line.code,
        wish=row.description,
        category=label_of(row, lang),
        beneficiary=mask_name(row.beneficiary_name),
        due=row.due_date.isoformat(),
        claimed=_day(line.claimed_on, lang),
        delivered=_day(line.delivered_on, lang),
        fulfilled=_day(line.fulfilled_on, lang),
        timeliness=timeliness(line, lang),
    )


def summary_line(summary: RecordSummary, lang: str) -> str:
    return t(
        lang,
        "rec.summary",
        claimed=summary.claimed,
        fulfilled=summary.fulfilled,
        on_time=summary.on_time,
        late=summary.late,
        in_progress=summary.in_progress,
        overdue=summary.overdue,
        value=figures.yuan(summary.value_fen) or "0",
    )


def record_text(record: MemberRecord, lang: str) -> list[str]:
    period = record.period
    lines = [
        t(
            lang,
            "rec.title",
            name=record.name,
            start=period.start.isoformat(),
            end=period.last_day.isoformat(),
        ),
        summary_line(record.summary, lang),
        service_line(record.service, lang),
        "",
    ]
    if not record.lines:
        lines.append(t(lang, "rec.none"))
    for line in record.lines[:MAX_RECORD_LINES]:
        lines.append(record_line(line, lang))
    if len(record.lines) > MAX_RECORD_LINES:
        lines.append(t(lang, "rec.more", count=len(record.lines) - MAX_RECORD_LINES))
    return split_message(lines)


def forward_text(record: MemberRecord, lang: str, today: date) -> str:
    """The one-page summary a member forwards to their branch: no beneficiary at all."""
    summary = record.summary
    where = record.community.name + (f" · {record.branch.name}" if record.branch else "")
    lines = [
        t(
            lang,
            "rec.forward",
            name=record.name,
            where=where,
            start=record.period.start.isoformat(),
            end=record.period.last_day.isoformat(),
            claimed=summary.claimed,
            fulfilled=summary.fulfilled,
            on_time=summary.on_time,
            late=summary.late,
            in_progress=summary.in_progress,
            value=figures.yuan(summary.value_fen) or "0",
        ),
        t(lang, "hp.forward_service", **totals_params(record.service)),
    ]
    for n, line in enumerate(record.lines[:MAX_RECORD_LINES], start=1):
        lines.append(
            t(
                lang,
                "rec.forward_item",
                n=n,
                day=_day(line.fulfilled_on or line.claimed_on, lang),
                wish=line.row.description,
                category=label_of(line.row, lang),
                timeliness=timeliness(line, lang),
            )
        )
    if len(record.lines) > MAX_RECORD_LINES:
        lines.append(t(lang, "rec.more", count=len(record.lines) - MAX_RECORD_LINES))
    lines.append(t(lang, "rec.forward_footer", today=today.isoformat()))
    return "\n".join(lines)[:MAX_MESSAGE]


def branch_text(report: BranchReport, lang: str) -> list[str]:
    period = report.period
    lines = [
        t(
            lang,
            "rec.branch_title",
            branch=report.branch.name,
            start=period.start.isoformat(),
            end=period.last_day.isoformat(),
        ),
        "",
    ]
    if not report.members:
        lines.append(t(lang, "rec.branch_empty"))
    for record in report.members:
        s = record.summary
        lines.append(
            t(
                lang,
                "rec.branch_member",
                name=record.name,
                claimed=s.claimed,
                fulfilled=s.fulfilled,
                on_time=s.on_time,
                late=s.late,
                in_progress=s.in_progress,
            )
            + t(lang, "hp.member_service", **totals_params(record.service))
        )
    lines += ["", t(lang, "rec.branch_total") + " " + summary_line(report.total, lang)]
    lines.append(service_line(report.service_total, lang))
    lines.append(t(lang, "release.report_line", reasons=reasons_line(report.releases, lang)))
    return split_message(lines)

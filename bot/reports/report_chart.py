"""The weekly report's chart: labels in the reader's language, drawn by bot/charts.py.

Runs in the chart worker process (bot/chart_worker.py), never in the bot's own.
"""

from __future__ import annotations

from bot.reports import charts
from bot.reports.model import WeeklyReport
from bot.texts import t

CHART_BRANCHES = 12  # more bars than this are unreadable; the text lists every branch


def draw_chart(report: WeeklyReport, lang: str) -> tuple[bytes, str]:
    """The PNG and its caption. Labels fall back to English, and branch names to numbers, when no
    installed font can draw them (the caption, which Telegram renders, then says which is which)."""
    chart_lang = lang if charts.can_draw(t(lang, "chart.title", week="")) else "en"
    labels = charts.ChartLabels(
        title=t(chart_lang, "chart.title", week=report.week.label),
        rate_axis=t(chart_lang, "chart.rate"),
        weeks_title=t(chart_lang, "chart.weeks"),
        branches_title=t(chart_lang, "chart.branches"),
        count_axis=t(chart_lang, "chart.count"),
        due=t(chart_lang, "chart.due"),
        fulfilled=t(chart_lang, "chart.fulfilled"),
        overdue=t(chart_lang, "chart.overdue"),
    )
    bars: list[charts.BranchBars] = []
    numbered: list[str] = []
    for index, row in enumerate(report.branches[:CHART_BRANCHES], start=1):
        name = row.name or t(chart_lang, "report.unassigned")
        if not charts.can_draw(name):
            numbered.append(f"#{index} {row.name or t(lang, 'report.unassigned')}")
            name = f"#{index}"
        bars.append(
            charts.BranchBars(
                label=name,
                due=row.figures.due,
                fulfilled=row.figures.due_fulfilled,
                overdue=row.figures.overdue,
            )
        )
    weeks = [label.split("-", 1)[1] for label, _ in report.history]
    png = charts.weekly_chart(labels, weeks, [rate for _, rate in report.history], bars)
    caption = t(lang, "report.chart_caption", week=report.week.label)
    if numbered:
        caption += "\n" + t(lang, "report.chart_names", names=" · ".join(numbered))
    return png, caption[:1024]

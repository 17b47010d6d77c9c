"""The weekly report's chart as a PNG, drawn off-screen.

Only the chart worker process imports this module (bot/chart_worker.py), so matplotlib's
~60 MB never sit in the bot's own memory. Only matplotlib's object API with the Agg canvas is
used (no pyplot): no global figure state, no display. Texts arrive already translated; this
module only draws them.

Chinese labels need a CJK font. The usual ones are looked up once; without one, callers get
False from `can_draw` and pass English labels and branch numbers instead of boxes of tofu
(install e.g. Debian's fonts-noto-cjk to get Chinese labels).
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Sequence

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from bot.models import Frozen
from bot.reports.figures import format_percent

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "AR PL UMing CN",
)
# DejaVu Sans (matplotlib's own font) covers Latin, Greek and Cyrillic, not CJK (from U+2E80).
_FIRST_CJK = 0x2E80


@functools.cache
def _cjk_entry() -> tuple[str, int | str] | None:
    """The first installed CJK font family and its weight, if any (looked up once per process)."""
    installed = {entry.name: entry.weight for entry in font_manager.fontManager.ttflist}
    return next(((name, installed[name]) for name in CJK_FAMILIES if name in installed), None)


def cjk_font() -> str | None:
    entry = _cjk_entry()
    return entry[0] if entry else None


def can_draw(text: str) -> bool:
    return cjk_font() is not None or all(ord(ch) < _FIRST_CJK for ch in text)


class ChartLabels(Frozen):
    title: str
    rate_axis: str
    weeks_title: str
    branches_title: str
    count_axis: str
    due: str
    fulfilled: str
    overdue: str


class BranchBars(Frozen):
    label: str
    due: int
    fulfilled: int
    overdue: int


def weekly_chart(
    labels: ChartLabels,
    weeks: Sequence[str],
    rates: Sequence[float | None],
    branches: Sequence[BranchBars],
) -> bytes:
    """Two panels: completion rate (%) per week, and due / fulfilled / overdue per branch."""
    cjk = _cjk_entry()
    # The CJK font alone (it draws Latin letters and digits too), at its own weight, so
    # matplotlib finds exactly what it asks for and does not warn.
    font = FontProperties(family=cjk[0], weight=cjk[1]) if cjk else FontProperties()
    figure = Figure(figsize=(8, 7), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1)
    figure.suptitle(labels.title, fontproperties=font, fontsize=14)

    xs = list(range(len(weeks)))
    ys = [rate * 100 if rate is not None else math.nan for rate in rates]
    top.plot(xs, ys, marker="o", color="#c0392b", linewidth=2)
    for x, y in zip(xs, ys, strict=True):
        if not math.isnan(y):
            top.annotate(
                format_percent(y / 100), (x, y), textcoords="offset points", xytext=(0, 7), ha="center"
            )
    top.set_ylim(0, 110)
    top.set_xlim(-0.5, len(weeks) - 0.5)
    top.set_xticks(xs, list(weeks))
    top.set_title(labels.weeks_title, fontproperties=font)
    top.set_ylabel(labels.rate_axis, fontproperties=font)
    top.grid(axis="y", alpha=0.3)

    names = [b.label for b in branches] or ["—"]
    positions = list(range(len(names)))
    width = 0.27
    series = (
        (labels.due, [b.due for b in branches], "#95a5a6"),
        (labels.fulfilled, [b.fulfilled for b in branches], "#27ae60"),
        (labels.overdue, [b.overdue for b in branches], "#e67e22"),
    )
    for offset, (name, values, color) in zip((-width, 0.0, width), series, strict=True):
        if values:
            bars = bottom.bar([p + offset for p in positions], values, width, label=name, color=color)
            bottom.bar_label(bars, padding=2)
    bottom.set_xticks(positions, names)
    for tick in bottom.get_xticklabels():
        tick.set_fontproperties(font)
    bottom.set_title(labels.branches_title, fontproperties=font)
    bottom.set_ylabel(labels.count_axis, fontproperties=font)
    top_value = max(
        [b.due for b in branches] + [b.fulfilled for b in branches] + [b.overdue for b in branches] + [1]
    )
    bottom.set_ylim(0, top_value * 1.25 + 0.5)
    bottom.yaxis.get_major_locator().set_params(integer=True)
    if bottom.get_legend_handles_labels()[0]:  # a community with no branches draws no bars
        bottom.legend(prop=font, loc="upper right")

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()

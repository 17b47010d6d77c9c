"""``python -m bench.chart FILE [FILE ...] --out chart.png``: how far each target is met, run after run.

Each file is one ``python -m bench --json`` run; give them oldest first (a run before a change,
then after it; or last month's and today's). Every figure with a numeric target is drawn as
its headroom: how many times over its target it is, on a log scale, so 1 is the target itself,
right of it is met, left of it is not ("< 500 ms" measured 250 ms is 2×; ">= 1.0×" measured 0.75
is 0.75×). Figures that must be exactly a number (holders, errors, 429s) are left out: they are
met or not, and the table says which. One bar per run and figure, the runs in file order.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

# A figure met exactly at a zero limit, or measured at zero under a "<" one, has no ratio: drawn
# at this headroom, beyond anything a benchmark really shows.
CAP = 100.0


# A target as the file states it: "< 500 ms", ">= 0.50", "<= 20" (and "exactly 1", "reported").
_TARGET = re.compile(r"^(<=|>=|<)\s*([0-9][0-9,]*(?:\.[0-9]+)?)")


def headroom(figure: dict[str, Any]) -> float | None:
    """Times over its target (> 1: met); None for figures without a numeric target to compare."""
    match = _TARGET.match(str(figure.get("target") or ""))
    if figure.get("value") is None or match is None:
        return None
    op, value, limit = match.group(1), float(figure["value"]), float(match.group(2).replace(",", ""))
    if op == ">=":
        return min(CAP, value / limit) if limit > 0 else None
    if value <= 0:
        return CAP
    return min(CAP, limit / value)


def series(runs: list[dict[str, Any]]) -> tuple[list[str], list[list[float | None]]]:
    """The figures with a numeric target in any run (in first-seen order), and each run's headroom."""
    labels: list[str] = []
    for run in runs:
        for figure in run["figures"]:
            label = f"{figure['scenario']}: {figure['figure']}"
            if headroom(figure) is not None and label not in labels:
                labels.append(label)
    values = []
    for run in runs:
        found = {f"{f['scenario']}: {f['figure']}": headroom(f) for f in run["figures"]}
        values.append([found.get(label) for label in labels])
    return labels, values


def draw(runs: list[dict[str, Any]], names: list[str], out: Path) -> int:
    """Write the chart; returns how many figures it shows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, values = series(runs)
    height = 0.8 / max(1, len(runs))
    fig, ax = plt.subplots(figsize=(12, 1.2 + 0.32 * len(labels) * max(1, len(runs)) ** 0.5))
    for n, (name, row) in enumerate(zip(names, values, strict=True)):
        ys = [i + n * height for i in range(len(labels))]
        shown = [v if v is not None else 0.0 for v in row]
        colours = ["#2e7d32" if v is not None and v >= 1 else "#c62828" for v in row]
        ax.barh(ys, shown, height=height, color=colours, alpha=0.35 + 0.65 * (n + 1) / len(runs), label=name)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks([i + height * (len(runs) - 1) / 2 for i in range(len(labels))])
    ax.set_yticklabels([_short(label) for label in labels], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("times over the target (log scale; right of the line: met)")
    ax.set_title("Benchmarks against their targets", fontsize=10)
    if len(runs) > 1:
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return len(labels)


def _short(label: str) -> str:
    """ "5. Reports, 1,000,000 wishes in 1,000 communities: /stats, one community" as
    "5. /stats, one community (1,000,000 wishes in 1,000 c...)": the figure first."""
    scenario, _, figure = label.partition(": ")
    number, _, title = scenario.partition(". ")
    size = title.partition(", ")[2]
    text = f"{number}. {figure}" + (f" ({size[:24]}{'...' if len(size) > 24 else ''})" if size else "")
    return text if len(text) <= 72 else text[:69] + "..."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chart", description=__doc__.split("\n")[0])
    parser.add_argument(
        "files", type=Path, nargs="+", help="files written by python -m bench --json, oldest first"
    )
    parser.add_argument("--out", type=Path, required=True, help="the PNG to write")
    args = parser.parse_args(argv)
    runs = [json.loads(path.read_text(encoding="utf-8")) for path in args.files]
    # Named by file and the day it was measured (finished_at is an ISO timestamp).
    names = [
        f"{path.name}: {str(run.get('finished_at') or '?')[:10]}"
        for path, run in zip(args.files, runs, strict=True)
    ]
    shown = draw(runs, names, args.out)
    print(f"{shown} figures from {len(runs)} run(s) drawn to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

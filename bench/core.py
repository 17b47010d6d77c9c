"""What every scenario shares: the figures it reports, its parameters, and small statistics."""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Op = Literal["<", "<=", "==", ">="]
# How repeated runs of one figure combine: timings and rates take the median (the machine is
# shared and noisy); correctness counts take the worst run, because one bad run is a bug.
Aggregate = Literal["median", "worst"]


@dataclass
class Figure:
    """One line of the results table."""

    scenario: str
    figure: str
    value: float | None
    unit: str = ""
    op: Op | None = None
    limit: float | None = None
    aggregate: Aggregate = "median"
    note: str | None = None  # shown instead of a value (e.g. "failed (exit code 1); see the log above")
    target_text: str | None = None  # when the target is not a plain comparison
    decimals: int = 0
    runs: int = 1

    @property
    def met(self) -> bool | None:
        if self.value is None or self.op is None or self.limit is None:
            return None
        return {
            "<": self.value < self.limit,
            "<=": self.value <= self.limit,
            "==": self.value == self.limit,
            ">=": self.value >= self.limit,
        }[self.op]

    @property
    def measured(self) -> str:
        if self.value is None or not math.isfinite(self.value):
            return self.note or "-"
        text = f"{self.value:,.{self.decimals}f}{(' ' + self.unit) if self.unit else ''}"
        return text if self.runs == 1 else f"{text} ({self.aggregate} of {self.runs})"

    @property
    def target(self) -> str:
        if self.target_text is not None:
            return self.target_text
        if self.op is None or self.limit is None:
            return "reported"
        limit = f"{self.limit:,.{self.decimals}f}{(' ' + self.unit) if self.unit else ''}"
        return f"{self.op} {limit}" if self.op != "==" else f"exactly {limit}"

    def to_json(self) -> dict[str, Any]:
        """The figure in ``python -m bench --json``'s ``figures`` list: exactly these six keys.

        ``value`` is the number measured (null when the run failed), ``target`` the target as the
        table shows it (null when the figure is only reported), ``met`` true, false or null.
        """
        value = self.value
        if value is not None and not math.isfinite(value):
            value = None  # JSON has no NaN (a percentile of no samples)
        return {
            "scenario": self.scenario,
            "figure": self.figure,
            "value": value,
            "unit": self.unit,
            "target": None if self.target == "reported" else self.target,
            "met": self.met,
        }

    def display(self) -> dict[str, Any]:
        """How the table shows the value: beside each figure in the JSON file, optional there."""
        return {"decimals": self.decimals, "runs": self.runs, "aggregate": self.aggregate, "note": self.note}

    def to_dict(self) -> dict[str, Any]:
        """Every field, for handing a figure from a scenario's child process to the runner."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figure:
        return cls(**data)


def combine(runs: Sequence[Sequence[Figure]]) -> list[Figure]:
    """Repeated runs of one scenario: one figure per line, aggregated as each figure says."""
    if not runs:
        return []
    combined: list[Figure] = []
    by_key: dict[tuple[str, str], list[Figure]] = {}
    for run in runs:
        for figure in run:
            by_key.setdefault((figure.scenario, figure.figure), []).append(figure)
    for key in [(f.scenario, f.figure) for f in runs[0]]:
        figures = by_key[key]
        first = figures[0]
        values = [f.value for f in figures if f.value is not None]
        if not values or len(figures) == 1:
            combined.append(first)
            continue
        value = _worst(first, values) if first.aggregate == "worst" else statistics.median(values)
        combined.append(dataclasses.replace(first, value=value, runs=len(values)))
    return combined


def _worst(figure: Figure, values: list[float]) -> float:
    if figure.op == ">=":
        return min(values)
    if figure.op == "==" and figure.limit is not None:
        limit = figure.limit
        return max(values, key=lambda v: abs(v - limit))
    return max(values)


@dataclass
class Param:
    name: str
    default: Any
    toy: Any
    help: str


@dataclass
class Scenario:
    """A scenario is a module-level instance of this; the runner knows nothing else about it."""

    key: str  # "1".."6"
    name: str  # e.g. "claim-storm"
    title: str
    run: Callable[[RunContext], Awaitable[list[Figure]]]
    params: list[Param] = field(default_factory=list)
    needs: str | None = None  # set while the scenario waits for other work (a placeholder)
    repeatable: bool = True  # False: one run is the figure (e.g. slow seeding, memory)
    # Work done ahead, in a process of its own, while the scenario keyed `prepare_beside` runs
    # (one whose figures wait on configured rates, not on the CPU): prepare(params, folder)
    # leaves its results in the folder, and a run finds it as RunContext.prepared.
    prepare: Callable[[dict[str, Any], Path], None] | None = None
    prepare_beside: str | None = None


@dataclass
class RunContext:
    """What a scenario gets: its parameters and the fake server's settings."""

    params: dict[str, Any]
    latency: float = 0.05
    log: Callable[[str], None] = print
    prepared: Path | None = None  # the folder Scenario.prepare filled, if it ran

    def get(self, name: str) -> Any:
        return self.params[name]


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: p99 of 50 samples is the largest, never an interpolation."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def parse_list(value: Any) -> list[int]:
    if isinstance(value, list | tuple):
        return [int(v) for v in value]
    return [int(v) for v in str(value).split(",") if v.strip()]


MET = {True: "yes", False: "NO", None: "-"}
HEADER = ("scenario", "figure", "measured", "target", "met?")


def table(figures: Sequence[Figure]) -> str:
    """The results as a Markdown table (readable in a terminal and pasteable in the README)."""
    return markdown([(f.scenario, f.figure, f.measured, f.target, MET[f.met]) for f in figures])


def markdown(rows: Sequence[Sequence[str]]) -> str:
    """Rows of (scenario, figure, measured, target, met?) as the README's table."""
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(HEADER), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)

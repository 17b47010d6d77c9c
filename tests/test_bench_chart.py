"""bench/chart.py: each figure's headroom against its target, drawn run after run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.chart import headroom, main, series


def _figure(
    value: float | None, target: str, name: str = "p99", scenario: str = "1. Claim storm, 50 tappers"
) -> dict[str, object]:
    return {"scenario": scenario, "figure": name, "value": value, "unit": "ms", "target": target, "met": None}


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (250, "< 500 ms", 2.0),  # half the limit: twice over the target
        (1000, "< 500 ms", 0.5),
        (0.75, ">= 1.00", 0.75),
        (1_500, ">= 1,000 /s", 1.5),  # thousands as the table writes them
        (20, "<= 20", 1.0),
        (0, "< 10.0 ms", 100.0),  # no ratio: drawn at the cap
    ],
)
def test_headroom_is_times_over_the_target(value: float, target: str, expected: float) -> None:
    assert headroom(_figure(value, target)) == pytest.approx(expected)


@pytest.mark.parametrize("target", ["exactly 1", "reported"])
def test_figures_without_a_numeric_limit_are_left_out(target: str) -> None:
    assert headroom(_figure(3, target)) is None
    assert headroom(_figure(None, "< 500 ms")) is None  # a failed run's figure


def test_runs_are_matched_by_scenario_and_figure(tmp_path: Path) -> None:
    before = {"figures": [_figure(1000, "< 500 ms"), _figure(3, "exactly 1", "holders")]}
    after = {
        "figures": [
            _figure(100, "< 500 ms", "p99", "1. Claim storm, 500 tappers"),  # only in the later run
            _figure(250, "< 500 ms"),
        ]
    }
    labels, values = series([before, after])
    assert labels == ["1. Claim storm, 50 tappers: p99", "1. Claim storm, 500 tappers: p99"]
    assert values == [[0.5, None], [2.0, 5.0]]
    files = []
    for n, run in enumerate([before, after]):
        path = tmp_path / f"run{n}.json"
        path.write_text(json.dumps({**run, "finished_at": f"2026-12-0{n + 1}T00:00:00"}), encoding="utf-8")
        files.append(str(path))
    out = tmp_path / "chart.png"
    assert main([*files, "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

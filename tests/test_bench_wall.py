"""Benchmark scenario 7 (the wish wall) at toy size: it runs end to end and its correctness rows
hold. Nothing is timed here: toy sizes on a shared machine say nothing about speed."""

from __future__ import annotations

import pytest

from bench.cli import params_for, run_once
from bench.core import table
from bench.scenarios import find

# Slow (child processes: the fake Bot API, the seeding, the wall's clients): run with -m bench.
pytestmark = pytest.mark.bench


async def test_the_wall_scenario_runs_at_toy_size() -> None:
    scenario = find("wall")
    assert find("7") is scenario
    figures = await run_once(scenario, params_for(scenario, {}, toy=True), latency=0.01)
    by_name = {f.figure: f for f in figures}
    claimers = params_for(scenario, {}, toy=True)["claimers"]
    assert by_name["holders of the wish"].value == 1
    assert by_name["claims answered"].value == claimers
    assert by_name["answered 'claimed'"].value == 1
    assert by_name["answered 409 'taken'"].value == claimers - 1
    assert by_name["group card edited to show the holder"].value == 1
    assert by_name["list requests not answered 200"].value == 0
    assert by_name["unfiltered lists that came back empty"].value == 0
    page = by_name["the page's own files (HTML, CSS, JS)"]
    assert page.value is not None and 10 < page.value < 1024  # KB: the page, its CSS and JS were read
    assert all(f.value is not None for f in figures), table(figures)
    assert "| 7. Wish wall, 300 open wishes" in table(figures)

"""The benchmark harness at toy size: it runs end to end and produces its rows.

Benchmarks are not tests: nothing here is timed. This only keeps bench/ from rotting.
"""

from __future__ import annotations

from bench.cli import params_for, run_once
from bench.core import table
from bench.scenarios import find


async def test_the_claim_storm_runs_at_toy_size() -> None:
    scenario = find("claim-storm")
    figures = await run_once(scenario, params_for(scenario, {}, toy=True), latency=0.01)
    by_name = {f.figure: f for f in figures}
    assert by_name["holders of the wish"].value == 1
    assert by_name["tappers answered (once each)"].value == 5
    assert by_name["tap to answer, p99"].value is not None
    assert "| 1. Claim storm, 5 tappers" in table(figures)


async def test_the_report_queries_run_at_toy_size() -> None:
    scenario = find("reports")
    figures = await run_once(scenario, params_for(scenario, {}, toy=True), latency=0.01)
    assert figures and all(f.value is not None for f in figures)
    assert any(f.figure.startswith(".xlsx export") and f.met for f in figures)


def test_sizes_can_be_chosen_per_scenario() -> None:
    storm = find("1")
    assert params_for(storm, {"tappers": "7,70"}, toy=False)["tappers"] == "7,70"
    assert params_for(find("2"), {"1.tappers": "7", "2.rate": "50"}, toy=True)["rate"] == 50

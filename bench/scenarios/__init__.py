"""Every scenario, in the README's order. Each module defines ``SCENARIO`` (bench.core.Scenario):
a key, a name, its parameters (full size and toy size) and ``run(ctx) -> list[Figure]``."""

from __future__ import annotations

from bench.core import Scenario
from bench.scenarios import claim_storm, group_edits, memory, reminders, reports, startup, throughput, wall

SCENARIOS: list[Scenario] = [
    claim_storm.SCENARIO,
    throughput.SCENARIO,
    group_edits.SCENARIO,
    reminders.SCENARIO,
    reports.SCENARIO,
    memory.SCENARIO,
    wall.SCENARIO,
    startup.SCENARIO,
]


def find(key: str) -> Scenario:
    """By number ("2") or name ("throughput")."""
    for scenario in SCENARIOS:
        if key in (scenario.key, scenario.name):
            return scenario
    known = ", ".join(f"{s.key} ({s.name})" for s in SCENARIOS)
    raise KeyError(f"no scenario {key!r}; there are {known}")

"""The benchmark harness at toy size: it runs end to end and produces its rows.

Benchmarks are not tests: nothing here is timed. This only keeps bench/ from rotting.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bench.cli import Preparation, main, params_for, run_once
from bench.core import table
from bench.query_world import NOW, build
from bench.scenarios import find

# Slow: deselected by default (pyproject.toml); CI selects it with -m bench.
pytestmark = pytest.mark.bench


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


@pytest.mark.parametrize(("history_years", "oldest_days"), [(0, 63), (3, 3 * 365)])
def test_the_report_world_spreads_typical_communities_over_their_history(
    tmp_path: Path, history_years: int, oldest_days: int
) -> None:
    """`-p history_years=10` is ten years of every community (with `-p wishes=10000000`, the
    ten-million-wish world): the typical communities' wishes are born over that span."""
    path = tmp_path / "world.db"
    build(path, 3_000, 5, 1_000, years=0, history_years=history_years)
    with sqlite3.connect(path) as conn:
        (oldest,) = conn.execute("SELECT MIN(created_at) FROM wishes WHERE community_id = 2").fetchone()
        (count,) = conn.execute("SELECT COUNT(*) FROM wishes WHERE community_id = 2").fetchone()
    span = NOW - datetime.fromisoformat(oldest.replace("Z", "+00:00"))
    assert count == 500
    assert timedelta(days=oldest_days * 0.8) < span <= timedelta(days=oldest_days)


async def test_memory_counts_the_answer_courier_when_it_is_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WISHWALL_ANSWER_COURIER", "true")
    scenario = find("memory")
    figures = await run_once(scenario, params_for(scenario, {}, toy=True), latency=0.01)
    by_name = {f.figure: f for f in figures}
    courier = by_name["peak resident memory, its answer courier"].value
    assert courier is not None and courier > 5
    together = by_name["peak resident memory, the three together"].value
    assert together == pytest.approx(
        sum(
            by_name[f"peak resident memory, {part}"].value or 0
            for part in ("bot process", "its writer process")
        )
        + courier
    )


def _contents(path: Path) -> tuple[set[tuple[str, str, str]], dict[str, list[str]]]:
    with sqlite3.connect(path) as conn:
        schema = set(conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
        # schema_version also says when each migration ran: only which ones is compared.
        tables = [name for kind, name, _ in schema if kind == "table" and name != "schema_version"]
        rows = {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables}
        rows["schema_version"] = [
            repr(r) for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")
        ]
    return schema, rows


def test_the_world_is_the_same_with_the_stored_weeks_triggers_set_aside(tmp_path: Path) -> None:
    """Scenario 5 builds its world without the stored weeks' triggers and puts them back: every
    one of them only forgets stored weeks, and none is stored while it builds."""
    fast, slow = tmp_path / "fast.db", tmp_path / "slow.db"
    build(fast, 3_000, 5, 1_000, years=2)
    build(slow, 3_000, 5, 1_000, years=2, set_aside=False)
    fast_schema, fast_rows = _contents(fast)
    assert (fast_schema, fast_rows) == _contents(slow)
    assert sum(len(rows) for rows in fast_rows.values()) > 10_000
    set_aside = [
        sql for kind, name, sql in fast_schema if kind == "trigger" and name.startswith("report_weeks_")
    ]
    assert len(set_aside) >= 10
    for sql in set_aside:  # what makes setting them aside safe: they write nothing else
        body = sql.split("BEGIN", 1)[1]  # "AFTER UPDATE OF ..." names no table written
        written = set(re.findall(r"(?:DELETE FROM|UPDATE|INSERT INTO)\s+(\w+)", body, re.IGNORECASE))
        assert written <= {"report_weeks", "report_week_branches"}, sql


def test_a_prepared_report_world_is_the_one_measured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = find("reports")
    params = params_for(scenario, {}, toy=True)
    assert scenario.prepare is not None and scenario.prepare_beside == "4"
    scenario.prepare(params, tmp_path)
    built = json.loads((tmp_path / "built.json").read_text(encoding="utf-8"))
    figures = asyncio.run(run_once(scenario, params, latency=0.01, prepared=tmp_path))
    by_name = {f.figure: f for f in figures}
    assert by_name["building the database"].value == built["seconds"]
    assert all(f.value is not None for f in figures)
    assert "built beside the scenario before" in capsys.readouterr().err
    # An empty folder (the preparation failed before it wrote anything): the run builds its own.
    empty = tmp_path / "empty"
    empty.mkdir()
    figures = asyncio.run(run_once(scenario, params, latency=0.01, prepared=empty))
    assert all(f.value is not None for f in figures)
    assert "building 2,000 wishes" in capsys.readouterr().err


def test_the_suite_builds_the_report_world_beside_the_reminders(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    before = set(Path(tempfile.gettempdir()).glob("wishwall-bench-5-*"))
    out = tmp_path / "results.json"
    assert main(["-s", "4", "-s", "5", "--toy", "--json", str(out)]) == 0
    log = capfd.readouterr().err
    assert log.index("preparing 5.") < log.index("4. Reminder fan-out: run 1") < log.index("built beside")
    figures = json.loads(out.read_text(encoding="utf-8"))["figures"]
    assert {f["scenario"][:2] for f in figures} == {"4.", "5."}
    assert all(f["met"] is not False for f in figures)
    assert set(Path(tempfile.gettempdir()).glob("wishwall-bench-5-*")) == before  # nothing left


def test_a_failed_preparation_leaves_the_work_to_the_run() -> None:
    preparation = Preparation(find("reports"), {"wishes": "not a number"})
    assert preparation.finished(timeout=60) is None
    assert preparation.folder.exists()
    preparation.discard()
    assert not preparation.folder.exists()


def test_the_reminder_runs_report_the_same_rows_at_once_or_one_after_another(tmp_path: Path) -> None:
    rows = {}
    for together in ("0", "1"):
        out = tmp_path / f"together-{together}.json"
        assert main(["-s", "4", "--toy", "-p", f"together={together}", "--json", str(out)]) == 0
        figures = json.loads(out.read_text(encoding="utf-8"))["figures"]
        rows[together] = [(f["scenario"], f["figure"], f["target"]) for f in figures]
        assert all(f["met"] is not False for f in figures)
    assert rows["0"] == rows["1"]
    assert len(rows["1"]) == 12


async def test_the_start_up_scenario_times_both_commands() -> None:
    scenario = find("startup")
    figures = await run_once(scenario, params_for(scenario, {}, toy=True), latency=0.01)
    by_name = {f.figure: f for f in figures}
    help_, first, whole = (
        by_name["wishwall --help, to exit"],
        by_name["wishwall jobs run all --enqueue-only, to its first query"],
        by_name["wishwall jobs run all --enqueue-only, to exit"],
    )
    assert help_.limit == 0.15 and first.limit == 0.6
    assert help_.value is not None and first.value is not None and whole.value is not None
    assert 0 < first.value < whole.value  # the first query is seen from inside, before the exit

"""``python -m bench``: run the scenarios and print every figure beside its target.

Each run of a scenario happens in a fresh child process (``python -m bench --child KEY``), so
no scenario's memory or leftovers colour another's figures, and a crash costs one row, not the
table. Timings and rates are the median of ``--repeat`` runs; correctness counts the worst run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.core import Figure, RunContext, Scenario, combine, table
from bench.harness import ROOT, quiet_logs
from bench.scenarios import SCENARIOS, find
from bot.event_loop import use_fastest_loop


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import telegram

    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "python-telegram-bot": telegram.__version__,
        "sqlite": sqlite3.sqlite_version,
        "system": f"{platform.system()} {platform.release()}",
    }


def params_for(scenario: Scenario, overrides: dict[str, str], toy: bool) -> dict[str, Any]:
    """Defaults (or toy sizes), then NAME=VALUE or KEY.NAME=VALUE overrides that apply."""
    params = {p.name: (p.toy if toy else p.default) for p in scenario.params}
    for name, value in overrides.items():
        target, _, param = name.rpartition(".")
        if target and target not in (scenario.key, scenario.name):
            continue
        if param in params:
            kind = type(params[param])
            params[param] = value if kind is str or "," in value else kind(value)
    return params


async def run_once(scenario: Scenario, params: dict[str, Any], latency: float) -> list[Figure]:
    """One run in this process (what a child does; the smoke test calls it directly)."""
    return await scenario.run(RunContext(params=params, latency=latency, log=_log))


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _child(key: str, params: dict[str, Any], latency: float) -> None:
    quiet_logs()
    figures = asyncio.run(run_once(find(key), params, latency))
    print(json.dumps([f.to_json() for f in figures], ensure_ascii=False))


def _run_in_child(scenario: Scenario, params: dict[str, Any], latency: float, timeout: float) -> list[Figure]:
    command = [
        sys.executable,
        "-m",
        "bench",
        "--child",
        scenario.key,
        "--child-params",
        json.dumps(params),
        "--latency",
        str(latency),
    ]
    try:
        done = subprocess.run(
            command, cwd=ROOT, stdout=subprocess.PIPE, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return [_failed(scenario, f"did not finish within {timeout:.0f} s")]
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return [_failed(scenario, f"failed (exit code {done.returncode}); see the log above")]
    return [Figure.from_json(f) for f in json.loads(lines[-1])]


def _failed(scenario: Scenario, why: str) -> Figure:
    return Figure(f"{scenario.key}. {scenario.title}", "the run", None, note=why, op="==", limit=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("-s", "--scenario", action="append", help="number or name (repeatable); default: all")
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        help="NAME=VALUE or KEY.NAME=VALUE, e.g. -p tappers=50,500",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each scenario (3 for medians)")
    parser.add_argument("--toy", action="store_true", help="toy sizes: checks the harness in seconds")
    parser.add_argument("--latency", type=float, default=0.05, help="Bot API round trip, seconds")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one run may take")
    parser.add_argument("--json", type=Path, help="also write the figures and the machine here")
    parser.add_argument("--list", action="store_true", help="list scenarios and their parameters")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-params", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    loop_name = use_fastest_loop()  # the loop `wishwall run` uses

    if args.child:
        _child(args.child, json.loads(args.child_params), args.latency)
        return 0
    if args.list:
        for s in SCENARIOS:
            print(f"{s.key}. {s.name}: {s.title}" + (f" (placeholder: needs {s.needs})" if s.needs else ""))
            for p in s.params:
                print(f"     {p.name} = {p.default} (toy {p.toy}): {p.help}")
        return 0

    overrides = dict(item.split("=", 1) for item in args.param)
    chosen = [find(key) for key in args.scenario] if args.scenario else SCENARIOS
    info = machine()
    print(f"Machine: {info['nproc']} cores, {info['cpu']}, Python {info['python']},", end=" ")
    print(
        f"python-telegram-bot {info['python-telegram-bot']}, SQLite {info['sqlite']}, {loop_name}", flush=True
    )
    began = time.monotonic()
    figures: list[Figure] = []
    for scenario in chosen:
        params = params_for(scenario, overrides, args.toy)
        repeats = max(1, args.repeat) if scenario.repeatable else 1
        runs = []
        for n in range(repeats):
            _log(f"{scenario.key}. {scenario.title}: run {n + 1} of {repeats} {params if n == 0 else ''}")
            if scenario.needs:
                runs.append(asyncio.run(run_once(scenario, params, args.latency)))
            else:
                runs.append(_run_in_child(scenario, params, args.latency, args.timeout))
        figures += combine(runs)
    elapsed = time.monotonic() - began
    print()
    print(table(figures))
    print(f"\n{len(chosen)} scenarios in {elapsed / 60:.1f} min; round trip {args.latency * 1000:.0f} ms.")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"machine": info, "elapsed_seconds": elapsed, "figures": [f.to_json() for f in figures]},
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    missed = [f for f in figures if f.met is False]
    return 1 if missed else 0

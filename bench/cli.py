"""``python -m bench``: run the scenarios and print every figure beside its target.

Each run of a scenario happens in a fresh child process (``python -m bench --child KEY``), so
no scenario's memory or leftovers colour another's figures, and a crash costs one row, not the
table. Timings and rates are the median of ``--repeat`` runs; correctness counts the worst run.

``--json FILE`` also writes the results as one JSON object::

    {
      "command": "python -m bench -s 2",          # what made the file
      "machine": {"description": "2 cores (...), Linux ..., Python 3.11.7, ...",
                  "nproc": "2", "cpu": ..., "python": ..., "python-telegram-bot": ...,
                  "sqlite": ..., "system": ..., "loop": "uvloop"},
      "finished_at": "2026-11-26T10:00:00+00:00",  # UTC
      "elapsed_minutes": 3.2,
      "round_trip_ms": 50,
      "figures": [{"scenario": ..., "figure": ..., "value": 236.4, "unit": "/s",
                   "target": ">= 200 /s", "met": true}, ...],
      "display": [{"decimals": 0, "runs": 3, "aggregate": "median", "note": null}, ...]
    }

``figures`` is the contract (``Figure.to_json``): ``value`` null when the run failed, ``target``
null when the figure is only reported, ``met`` true, false or null. ``display`` (optional, one
entry per figure, in the same order) is how the table shows each value; ``python -m bench.table
FILE`` renders the README's table from the file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.core import Figure, RunContext, Scenario, combine, table
from bench.harness import ROOT, quiet_logs
from bench.scenarios import SCENARIOS, find
from bot.event_loop import use_fastest_loop


def machine(loop: str) -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import telegram

    info = {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "python-telegram-bot": telegram.__version__,
        "sqlite": sqlite3.sqlite_version,
        "system": f"{platform.system()} {platform.release()}",
        "loop": loop,
    }
    info["description"] = (
        f"{info['nproc']} cores ({cpu}), {info['system']}, Python {info['python']},"
        f" python-telegram-bot {info['python-telegram-bot']}, SQLite {info['sqlite']}, {loop}"
    )
    return info


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


async def run_once(
    scenario: Scenario, params: dict[str, Any], latency: float, prepared: Path | None = None
) -> list[Figure]:
    """One run in this process (what a child does; the smoke test calls it directly)."""
    return await scenario.run(RunContext(params=params, latency=latency, log=_log, prepared=prepared))


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _child(key: str, params: dict[str, Any], latency: float, prepared: Path | None) -> None:
    quiet_logs()
    figures = asyncio.run(run_once(find(key), params, latency, prepared))
    print(json.dumps([f.to_dict() for f in figures], ensure_ascii=False))


def _prepare_child(key: str, params: dict[str, Any], folder: Path) -> None:
    os.nice(10)  # second to the scenario it runs beside, whose processes keep their share
    prepare = find(key).prepare
    assert prepare is not None
    prepare(params, folder)


class Preparation:
    """A scenario's Scenario.prepare running in a child process while an earlier one runs."""

    def __init__(self, scenario: Scenario, params: dict[str, Any]) -> None:
        self.scenario = scenario
        self.folder = Path(tempfile.mkdtemp(prefix=f"wishwall-bench-{scenario.key}-"))
        command = ["-m", "bench", "--prepare", scenario.key, "--child-params", json.dumps(params)]
        self._process = subprocess.Popen([sys.executable, *command, "--into", str(self.folder)], cwd=ROOT)

    def finished(self, timeout: float) -> Path | None:
        """The filled folder once the child is done; None if it failed (the run then does the
        work itself)."""
        try:
            code = self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
            code = -1
        if code != 0:
            _log(f"    preparing {self.scenario.key} ahead failed (exit code {code}); it is done in its turn")
            return None
        return self.folder

    def discard(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _run_in_child(
    scenario: Scenario, params: dict[str, Any], latency: float, timeout: float, prepared: Path | None = None
) -> list[Figure]:
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
        *(["--prepared", str(prepared)] if prepared is not None else []),
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
    return [Figure.from_dict(f) for f in json.loads(lines[-1])]


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
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the figures, the machine and the command here"
    )
    parser.add_argument("--list", action="store_true", help="list scenarios and their parameters")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-params", help=argparse.SUPPRESS)
    parser.add_argument("--prepared", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument("--into", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    loop_name = use_fastest_loop()  # the loop `wishwall run` uses

    if args.child:
        _child(args.child, json.loads(args.child_params), args.latency, args.prepared)
        return 0
    if args.prepare:
        _prepare_child(args.prepare, json.loads(args.child_params), args.into)
        return 0
    if args.list:
        for s in SCENARIOS:
            print(f"{s.key}. {s.name}: {s.title}" + (f" (placeholder: needs {s.needs})" if s.needs else ""))
            for p in s.params:
                print(f"     {p.name} = {p.default} (toy {p.toy}): {p.help}")
        return 0

    overrides = dict(item.split("=", 1) for item in args.param)
    chosen = [find(key) for key in args.scenario] if args.scenario else SCENARIOS
    info = machine(loop_name)
    print(f"Machine: {info['description']}", flush=True)
    began = time.monotonic()
    figures = _run_all(chosen, overrides, args)
    elapsed = time.monotonic() - began
    print()
    print(table(figures))
    print(f"\n{len(chosen)} scenarios in {elapsed / 60:.1f} min; round trip {args.latency * 1000:.0f} ms.")
    if args.json:
        command = shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
        write_json(args.json, figures, command=command, machine=info, elapsed=elapsed, latency=args.latency)
        print(f"Figures written to {args.json}.")
    missed = [f for f in figures if f.met is False]
    return 1 if missed else 0


def _run_all(chosen: list[Scenario], overrides: dict[str, str], args: argparse.Namespace) -> list[Figure]:
    """Each scenario in turn; what a later one prepares ahead starts with the one it runs beside."""
    figures: list[Figure] = []
    preparing: dict[str, Preparation] = {}
    try:
        for at, scenario in enumerate(chosen):
            params = params_for(scenario, overrides, args.toy)
            for later in chosen[at + 1 :]:
                if later.prepare is not None and later.prepare_beside == scenario.key:
                    _log(f"    preparing {later.key}. {later.title} meanwhile, in a process of its own")
                    preparing[later.key] = Preparation(later, params_for(later, overrides, args.toy))
            ready = preparing[scenario.key].finished(args.timeout) if scenario.key in preparing else None
            repeats = max(1, args.repeat) if scenario.repeatable else 1
            runs = []
            for n in range(repeats):
                _log(f"{scenario.key}. {scenario.title}: run {n + 1} of {repeats} {params if n == 0 else ''}")
                if scenario.needs:
                    runs.append(asyncio.run(run_once(scenario, params, args.latency)))
                    continue
                # What was prepared is used up by one run (scenario 5 stores weeks in its world).
                prepared = ready if n == 0 else None
                runs.append(_run_in_child(scenario, params, args.latency, args.timeout, prepared))
            if scenario.key in preparing:
                preparing.pop(scenario.key).discard()
            figures += combine(runs)
    finally:
        for left in preparing.values():
            left.discard()
    return figures


def write_json(
    path: Path,
    figures: list[Figure],
    *,
    command: str,
    machine: dict[str, str],
    elapsed: float,
    latency: float,
) -> None:
    """The file ``--json`` writes (its shape is in this module's docstring)."""
    data = {
        "command": command,
        "machine": machine,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "elapsed_minutes": round(elapsed / 60, 1),
        "round_trip_ms": round(latency * 1000),
        "figures": [f.to_json() for f in figures],
        "display": [f.display() for f in figures],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    # allow_nan=False: to_json has made every value a number or null, so the file is strict JSON.
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False) + "\n", encoding="utf-8")

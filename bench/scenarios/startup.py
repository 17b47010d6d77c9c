"""8. Start-up: how long the command line takes to be useful.

`wishwall --help` (the installed command, as an operator types it) from spawn to exit; and
`wishwall jobs run all --enqueue-only` (what cron runs every few minutes) from spawn to its
first query, and to its exit, on a database with a small world. Each is the median of `runs`
fresh processes. The first query is seen from inside the process by an audit hook on
`sqlite3.connect` (the connection's own pragmas are its first statements); the process is
started as `python -c` with the hook set before `bot.cli` is imported, which is what the
installed command's script does with one import less. Times are taken on the system-wide
monotonic clock, so the parent's spawn time and the child's stamp compare.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.core import Figure, Param, RunContext, Scenario
from bench.harness import ROOT, seed_database
from bench.seed import WorldSpec

_MARK = "wishwall-bench-first-query "
# Set before anything of Wishwall is imported: stamps the first connection, once.
_HOOKED = (
    "import sys, time\n"
    "def _first(event, args, seen=[]):\n"
    "    if event == 'sqlite3.connect' and not seen:\n"
    "        seen.append(1)\n"
    f"        print({_MARK!r} + repr(time.monotonic()), file=sys.stderr, flush=True)\n"
    "sys.addaudithook(_first)\n"
    "from bot.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _command() -> list[str]:
    """The installed `wishwall` beside this interpreter, as an operator runs it."""
    script = Path(sys.executable).with_name("wishwall")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WISHWALL_")}
    return {**env, "WISHWALL_DB": str(db), "WISHWALL_JOB_TICK_SECONDS": "0"}


def _help_seconds(env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run([*_command(), "--help"], env=env, stdout=subprocess.DEVNULL, check=True, timeout=60)
    return time.monotonic() - started


def _enqueue_seconds(env: dict[str, str]) -> tuple[float, float]:
    """(to the first query, to the exit) of one `jobs run all --enqueue-only`."""
    argv = ["jobs", "run", "all", "--enqueue-only", "--log-level", "WARNING"]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _HOOKED, *argv],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        timeout=60,
    )
    ended = time.monotonic()
    if done.returncode != 0:
        raise RuntimeError(f"jobs run all --enqueue-only exited {done.returncode}: {done.stderr[-500:]}")
    stamps = [line[len(_MARK) :] for line in done.stderr.splitlines() if line.startswith(_MARK)]
    if not stamps:
        raise RuntimeError("jobs run all --enqueue-only made no query")
    return float(stamps[0]) - started, ended - started


async def run(ctx: RunContext) -> list[Figure]:
    runs = int(ctx.get("runs"))
    with tempfile.TemporaryDirectory(prefix="wishwall-bench-8-") as tmp:
        db = Path(tmp) / "bench.db"
        await seed_database(db, WorldSpec(groups=2, members=50, open_wishes=100))
        env = _env(db)
        await asyncio.to_thread(_help_seconds, env)  # the first run warms the disk cache; not counted
        helps = [await asyncio.to_thread(_help_seconds, env) for _ in range(runs)]
        jobs = [await asyncio.to_thread(_enqueue_seconds, env) for _ in range(runs)]
    ctx.log(f"    --help {min(helps):.3f}-{max(helps):.3f}s; enqueue-only to first query"
            f" {min(j[0] for j in jobs):.3f}-{max(j[0] for j in jobs):.3f}s")  # fmt: skip
    name = "8. Start-up of the command line"
    return [
        Figure(name, "wishwall --help, to exit", statistics.median(helps), "s", "<", 0.15, decimals=2),
        Figure(
            name,
            "wishwall jobs run all --enqueue-only, to its first query",
            statistics.median(j[0] for j in jobs),
            "s",
            "<",
            0.6,
            decimals=2,
        ),
        Figure(
            name,
            "wishwall jobs run all --enqueue-only, to exit",
            statistics.median(j[1] for j in jobs),
            "s",
            decimals=2,
        ),
    ]


SCENARIO = Scenario(
    key="8",
    name="startup",
    title="Start-up of the command line",
    run=run,
    params=[Param("runs", 7, 1, "fresh processes of each command (the median is reported)")],
)

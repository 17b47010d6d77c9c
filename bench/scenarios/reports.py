"""5. Report and export queries on 1,000,000 wishes over 1,000 communities, and one community
with ten years of history.

The database is built in bulk (bench/query_world.py): community 1 holds the 100,000 wishes that
are exported, the other 999 share the rest, each with the events the bot writes; one more
community has gone on for ten years at a typical community's pace (about 52,000 wishes). The
weekly report and /stats run through the product's services. A finished week's figures are
stored once (storage/stats_weeks.py), normally by the scheduler as the week ends: the targets
are for that usual case; the first report after a week ended with the scheduler not having
stored it yet, and the very first report (no week stored, as after upgrading), are reported.
The ten-year community shows that neither grows with history. The export runs as `wishwall
export` in its own process; the figure is its peak resident memory plus that of the sheet
writer it starts (bot/records/xlsx_process.py).

The world is most of this scenario's time (70-130 s for the million on two cores, most of it
filling the indexes). When the whole suite runs, it is built beforehand in a process of its own
while scenario 4 runs, which waits on its configured sending rates and leaves the second core
mostly idle (`prepare` below; bench/cli.py); `-s 5` alone builds it in its turn.

A world of 10 million wishes (ten years of all 1,000 communities) is not in the default run:
it would take well over ten minutes and ~15 GB; one community's ten years show the same thing
(`-p wishes=10000000 -p history_years=10` builds it).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.core import Figure, Param, RunContext, Scenario
from bench.query_world import build, build_apart, decade_size, time_export, time_queries

_WORLD = "bench.db"
_BUILT = "built.json"  # how long the prepared world took and which community has the decade


def _sizes(params: dict[str, Any]) -> tuple[int, int, int, int, int]:
    return (
        int(params["wishes"]),
        int(params["communities"]),
        int(params["big"]),
        int(params["years"]),
        int(params["history_years"]),
    )


def prepare(params: dict[str, Any], folder: Path) -> None:
    """The world built ahead (bench/cli.py runs this in a process of its own beside scenario 4,
    which waits on its configured sending rates): the build is most of this scenario's time."""
    started = time.perf_counter()
    decade_id = build(folder / _WORLD, *_sizes(params))
    built = {"seconds": time.perf_counter() - started, "decade_id": decade_id}
    (folder / _BUILT).write_text(json.dumps(built), encoding="utf-8")


async def run(ctx: RunContext) -> list[Figure]:
    wishes, communities, big, years, history = _sizes(ctx.params)
    decade = decade_size(wishes, communities, big, years)
    with tempfile.TemporaryDirectory() as tmp:
        ready = ctx.prepared / _BUILT if ctx.prepared is not None else None
        if ready is not None and ready.exists():
            path = ready.parent / _WORLD
            stored = json.loads(ready.read_text(encoding="utf-8"))
            built, decade_id = float(stored["seconds"]), stored["decade_id"]
            ctx.log(f"    the world was built beside the scenario before, in {built:.1f}s")
        else:
            path = Path(tmp) / _WORLD
            ctx.log(
                f"    building {wishes:,} wishes over {communities:,} communities"
                f" and {decade:,} over {years} years in one more ..."
            )
            started = time.perf_counter()
            decade_id = await asyncio.to_thread(build_apart, path, wishes, communities, big, years, history)
            built = time.perf_counter() - started
        times = await time_queries(path, int(ctx.get("runs")), decade_id)
        seconds, peak, rows = await asyncio.to_thread(time_export, path, Path(tmp) / "sheet.xlsx")
    name = f"5. Reports, {wishes:,} wishes in {communities:,} communities"
    per = (wishes - big) // max(1, communities - 1)
    typical = f"one community (~{per:,} wishes" + (f" over {history} years)" if history else ")")
    large = f"the {big:,}-wish community"
    old = f"{years}-year community ({decade:,} wishes)"
    # "week not stored": the week that just ended is not stored yet (the scheduler stores it as
    # the week ends); "nothing stored": no week is (the first report after upgrading).
    figures = [
        Figure(name, "building the database", built, "s", decimals=1),
        Figure(name, f"weekly report, {typical}", times["report_typical_ms"], "ms", "<", 10, decimals=1),
        Figure(name, f"/stats, {typical}", times["stats_typical_ms"], "ms", "<", 10, decimals=1),
        Figure(name, f"weekly report, {large}", times["report_big_ms"], "ms", "<", 100, decimals=1),
        Figure(name, f"/stats, {large}", times["stats_big_ms"], "ms", "<", 100),
        Figure(
            name, f"weekly report, {big:,} wishes, week not stored", times["report_big_new_week_ms"], "ms"
        ),
        Figure(name, f"weekly report, {big:,} wishes, nothing stored", times["report_big_cold_ms"], "ms"),
    ]
    if decade_id is not None:
        figures += [
            Figure(name, f"weekly report, {old}", times["report_decade_ms"], "ms", "<", 10, decimals=1),
            Figure(name, f"/stats, {old}", times["stats_decade_ms"], "ms", "<", 10, decimals=1),
            Figure(
                name,
                f"weekly report, {years}-year community, week not stored",
                times["report_decade_new_week_ms"],
                "ms",
            ),
        ]
    figures += [
        Figure(name, f".xlsx export of {rows:,} rows, time", seconds, "s", "<", 30, decimals=1),
        Figure(name, f".xlsx export of {rows:,} rows, peak memory", peak, "MB", "<", 300),
    ]
    return figures


SCENARIO = Scenario(
    key="5",
    name="reports",
    title="Report and export queries",
    run=run,
    params=[
        Param("wishes", 1_000_000, 2_000, "wishes in the database"),
        Param("communities", 1_000, 5, "communities they are spread over"),
        Param("big", 100_000, 1_000, "wishes of the community that is exported"),
        Param("years", 10, 1, "history of one more community, at a typical community's pace (0: none)"),
        Param("runs", 5, 1, "timings per query (the median is reported)"),
        Param(
            "history_years",
            0,
            0,
            "years the typical communities' wishes are spread over (0: the nine weeks before now);"
            " -p wishes=10000000 -p history_years=10 is ten years of every community",
        ),
    ],
    repeatable=False,
    prepare=prepare,
    prepare_beside="4",
)

"""5. Report and export queries on 1,000,000 wishes over 1,000 communities.

The database is built in bulk (bench/query_world.py): community 1 holds the 100,000 wishes that
are exported, the other 999 share the rest, each with the events the bot writes. The weekly
report and /stats run through the product's services for a typical community (about 900
wishes) and, for scale, for the 100,000-wish one; the export runs as `wishwall export` in its
own process, whose peak resident memory is the figure.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bench.core import Figure, Param, RunContext, Scenario
from bench.query_world import build, time_export, time_queries


async def run(ctx: RunContext) -> list[Figure]:
    wishes, communities, big = int(ctx.get("wishes")), int(ctx.get("communities")), int(ctx.get("big"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        ctx.log(f"    building {wishes:,} wishes over {communities:,} communities ...")
        await asyncio.to_thread(build, path, wishes, communities, big)
        times = await time_queries(path, int(ctx.get("runs")))
        seconds, peak, rows = await asyncio.to_thread(time_export, path, Path(tmp) / "sheet.xlsx")
    name = f"5. Reports, {wishes:,} wishes in {communities:,} communities"
    per = (wishes - big) // max(1, communities - 1)
    return [
        Figure(
            name,
            f"weekly report, one community (~{per:,} wishes)",
            times["report_typical_ms"],
            "ms",
            "<",
            200,
        ),
        Figure(name, f"/stats, one community (~{per:,} wishes)", times["stats_typical_ms"], "ms", "<", 100),
        Figure(name, f"weekly report, the {big:,}-wish community", times["report_big_ms"], "ms"),
        Figure(name, f"/stats, the {big:,}-wish community", times["stats_big_ms"], "ms"),
        Figure(name, f".xlsx export of {rows:,} rows, time", seconds, "s", "<", 30, decimals=1),
        Figure(name, f".xlsx export of {rows:,} rows, peak memory", peak, "MB", "<", 300),
    ]


SCENARIO = Scenario(
    key="5",
    name="reports",
    title="Report and export queries",
    run=run,
    params=[
        Param("wishes", 1_000_000, 2_000, "wishes in the database"),
        Param("communities", 1_000, 5, "communities they are spread over"),
        Param("big", 100_000, 1_000, "wishes of the community that is exported"),
        Param("runs", 5, 1, "timings per query (the median is reported)"),
    ],
    repeatable=False,
)

"""4. Reminder fan-out: N members each hold an overdue wish; one overdue pass chases them all.

The pass runs as operators run it, `wishwall jobs run overdue` (the real Application: the pass
records each reminder and queues it in one transaction, the outbox sender delivers), against
the fake Bot API over loopback HTTP with Telegram-like limits. Measured at the server: the send
rate as a share of the rate the bot is configured for, 429 answers, and how many reminders each
holder got. Then the same again with `kill -9` halfway and a restart: nobody may be skipped,
and a holder may get at most one duplicate (a message on the wire when the process died).

At Telegram's ~30 msg/s, 10,000 reminders take over six minutes; so that the whole suite stays
within ten minutes the 10,000-holder run uses a configured rate of 100 msg/s, with the server's
overall limit raised to match (the per-chat limits stay Telegram's). `-p big_rate=25` runs it at
Telegram's rate. The three runs go at once (`-p together=0`: one after another), and the whole
suite builds scenario 5's world meanwhile, in a process of its own at a lower priority: every
run waits on its configured rate, and each figure measured the same either way (96.8% of the
configured rate one after another, 96.6 with the build beside, 96.3 with everything at once;
94.7, 94.9 and 94.7 for the 10,000; 0 429s, 0 skipped, at most 2 after kill -9 in all).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.core import Figure, Param, RunContext, Scenario
from bench.harness import ROOT, FakeServer, seed_database
from bench.seed import ADMIN, WorldSpec, member_id

OVERDUE_DAYS = 10


def make_overdue(db: Path, wish_ids: list[int]) -> None:
    """Member k holds wish k, due ten days ago; reminders any hour, never quiet (bulk SQL)."""
    now = datetime.now(UTC)
    claimed = (now - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    due = (now - timedelta(days=OVERDUE_DAYS)).date().isoformat()
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "UPDATE wishes SET status = 'claimed', holder_id = ?, claimed_at = ?, due_date = ? WHERE id = ?",
            [(member_id(k), claimed, due, wish_id) for k, wish_id in enumerate(wish_ids)],
        )
        conn.executemany(
            "INSERT INTO wish_holders (wish_id, user_id, joined_at) VALUES (?, ?, ?)",
            [(wish_id, member_id(k), claimed) for k, wish_id in enumerate(wish_ids)],
        )
        # Escalations only after many reminders, so the figures count the members' reminders.
        conn.execute(
            "UPDATE communities SET reminder_hour = 0, quiet_start = 0, quiet_end = 0, escalate_after = 30"
        )


async def jobs_run(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "jobs",
        "run",
        "overdue",
        "--log-level",
        "WARNING",
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def reminded(server: FakeServer, holders: set[int]) -> tuple[Counter[int], list[float]]:
    """Reminders per holder, and when each arrived (the server's clock)."""
    delivered = (await server.report())["delivered"]
    mine = {int(chat): stamps for chat, stamps in delivered.items() if int(chat) in holders}
    return Counter({chat: len(stamps) for chat, stamps in mine.items()}), sorted(
        t for stamps in mine.values() for t in stamps
    )


async def one_run(ctx: RunContext, holders: int, rate: float, *, kill_at: float | None) -> dict[str, Any]:
    limits = {"global_per_second": max(30, int(rate * 1.1))}
    server = FakeServer(ctx.latency, **limits)
    await server.start()
    tmp = tempfile.TemporaryDirectory(prefix="wishwall-bench-4-")
    try:
        db = Path(tmp.name) / "bench.db"
        spec = WorldSpec(groups=1, members=holders, open_wishes=holders, member_cap=2)
        wish_ids = await seed_database(db, spec)
        await asyncio.to_thread(make_overdue, db, wish_ids)
        people = {member_id(k) for k in range(holders)}
        env = {
            "WISHWALL_DB": str(db),
            "WISHWALL_BOT_TOKEN": "123456:BENCH-TOKEN",
            "WISHWALL_ADMINS": str(ADMIN),
            "WISHWALL_BOT_API_URL": server.url,
            "WISHWALL_OUTBOX_RATE_PER_SECOND": str(rate),
            "WISHWALL_JOB_TICK_SECONDS": "0",
        }
        started = time.monotonic()
        first = await jobs_run(env)
        first_sent: int | None = None
        if kill_at is not None:
            # Kill it once it is well into sending, as a crash would.
            while (await server.counts())["calls"] < kill_at * holders and first.returncode is None:  # noqa: ASYNC110
                await asyncio.sleep(0.05)  # the server is another process: polling it is the way
            first.send_signal(signal.SIGKILL)
            await first.wait()
            first_sent = sum((await reminded(server, people))[0].values())
            restarted = await jobs_run(env)
            await restarted.wait()
        else:
            await first.wait()
        elapsed = time.monotonic() - started
        got, stamps = await reminded(server, people)
        report = await server.report()
        ctx.log(f"    {holders} holders at {rate:g}/s: {sum(got.values())} reminders in {elapsed:.1f}s"
                f"{'' if first_sent is None else f', {first_sent} before kill -9'}")  # fmt: skip
        return {
            "elapsed": elapsed,
            # Sending speed: from the first reminder's arrival to the last one's.
            "window": stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0,
            "sent": sum(got.values()),
            "skipped": sum(1 for p in people if got[p] == 0),
            "twice": sum(1 for p in people if got[p] > 1),
            "most": max(got.values(), default=0),
            "rate_limited": len(report["rate_limited"]) if isinstance(report["rate_limited"], list)
            else int(report["rate_limited"]),
        }  # fmt: skip
    finally:
        await server.stop()
        tmp.cleanup()


async def run(ctx: RunContext) -> list[Figure]:
    small, rate = int(ctx.get("holders")), float(ctx.get("rate"))
    big, big_rate = int(ctx.get("big")), float(ctx.get("big_rate"))
    runs = [
        one_run(ctx, small, rate, kill_at=None),
        one_run(ctx, small, rate, kill_at=0.4),
        one_run(ctx, big, big_rate, kill_at=None),
    ]
    if int(ctx.get("together")):
        # Each run has its own fake server and database and waits on its configured rate, so
        # they go at once (the figures came out the same as one after another; README).
        clean, crash, clean_big = await asyncio.gather(*runs)
    else:
        clean, crash, clean_big = [await one for one in runs]
    figures = _fan_out(small, rate, clean)
    name = figures[0].scenario
    figures += [
        Figure(name, "after kill -9 and restart: holders skipped", crash["skipped"], op="==", limit=0,
               aggregate="worst"),
        Figure(name, "after kill -9: most reminders to one holder", crash["most"], op="<=", limit=2,
               aggregate="worst"),
    ]  # fmt: skip
    return figures + _fan_out(big, big_rate, clean_big)


def _fan_out(holders: int, rate: float, clean: dict[str, Any]) -> list[Figure]:
    name = f"4. Reminder fan-out, {holders:,} overdue holders (configured {rate:g} msg/s)"
    achieved = (clean["sent"] - 1) / clean["window"] if clean["window"] else 0.0
    return [
        Figure(name, "send rate, share of the configured rate", 100 * achieved / rate, "%", ">=", 90),
        Figure(name, "whole run: start, pass and sending", clean["elapsed"], "s", decimals=1),
        Figure(name, "429 answers from the server", clean["rate_limited"], "", "==", 0, "worst"),
        Figure(name, "holders skipped", clean["skipped"], "", "==", 0, "worst"),
        Figure(name, "holders messaged twice", clean["twice"], "", "==", 0, "worst"),
    ]


SCENARIO = Scenario(
    key="4",
    name="reminders",
    title="Reminder fan-out",
    run=run,
    params=[
        Param("holders", 1_000, 20, "overdue holders (also the kill -9 run)"),
        Param("rate", 25, 25, "the bot's configured overall rate, msg/s"),
        Param("big", 10_000, 40, "overdue holders of the larger run"),
        Param("big_rate", 100, 25, "configured rate of the larger run, msg/s"),
        Param("together", 1, 1, "1: the three runs at once (each its own server); 0: one after another"),
    ],
    repeatable=False,
)

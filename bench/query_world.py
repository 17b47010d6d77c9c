"""Scenario 5: report and export queries on 1,000,000 wishes over 1,000 communities.

    .venv/bin/python -m bench.query_world [--wishes 1000000] [--communities 1000] [--big 100000]

Builds a throwaway database once (community 1 holds `--big` wishes, the others share the
rest), with the events the bot itself would have written, then times the weekly report and
/stats through the product's own services, and the 100,000-row .xlsx export as the
`wishwall export` command (a child process, so its peak memory is its own).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.services import Services
from bot.settings import Settings
from bot.timing import IsoWeek
from storage.db import Database

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
ADMIN = 9001
CATEGORIES = ["elderly_alone", "left_behind_child", "disabled", "veteran", "hardship_family", "poor_student"]
# Share of wishes by status, roughly a program a few weeks in.
STATUSES = [
    ("fulfilled", 40),
    ("delivered", 5),
    ("claimed", 15),
    ("open", 20),
    ("verified", 5),
    ("pending", 10),
    ("cancelled", 3),
    ("rejected", 2),
]
STEPS = {
    "pending": 1,
    "verified": 2,
    "open": 3,
    "claimed": 4,
    "delivered": 5,
    "fulfilled": 6,
    "cancelled": 1,
    "rejected": 1,
}
ACTIONS = ["create", "verify", "post", "claim", "deliver", "confirm"]
MEMBERS_PER_COMMUNITY = 20


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build(path: Path, wishes: int, communities: int, big: int) -> None:
    """Schema by the product's migrations; rows in bulk (the services would take hours)."""

    async def migrate() -> None:
        db = Database(path)
        await db.open()
        await db.close()

    asyncio.run(migrate())
    rng = random.Random(42)
    weights = [w for _, w in STATUSES]
    names = [s for s, _ in STATUSES]
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    created = stamp(NOW - timedelta(days=70))
    conn.executemany(
        "INSERT INTO communities (id, name, created_at) VALUES (?, ?, ?)",
        [(c, f"社区{c}", created) for c in range(1, communities + 1)],
    )
    conn.executemany(
        "INSERT INTO branches (id, community_id, name, created_at) VALUES (?, ?, ?, ?)",
        [(c, c, f"支部{c}", created) for c in range(1, communities + 1)],
    )
    members = [(c * 1000 + m, c) for c in range(1, communities + 1) for m in range(MEMBERS_PER_COMMUNITY)]
    conn.executemany(
        "INSERT INTO members (user_id, full_name, lang, registered_at) VALUES (?, ?, 'zh', ?)",
        [(uid, f"志愿者{uid}", created) for uid, _ in members],
    )
    conn.executemany(
        "INSERT INTO memberships (user_id, community_id, branch_id, status, joined_at, updated_at)"
        " VALUES (?, ?, ?, 'active', ?, ?)",
        [(uid, c, c, created, created) for uid, c in members],
    )
    conn.executemany(
        "INSERT INTO coordinators (community_id, user_id, appointed_at) VALUES (?, ?, ?)",
        [(c, ADMIN, created) for c in range(1, communities + 1)],
    )
    per_small = (wishes - big) // max(1, communities - 1)

    def rows() -> Iterator[tuple[tuple[object, ...], list[tuple[object, ...]]]]:
        wish_id = 0
        for community in range(1, communities + 1):
            for _ in range(big if community == 1 else per_small):
                wish_id += 1
                status = rng.choices(names, weights)[0]
                born = NOW - timedelta(days=rng.uniform(0, 63))
                due = (born + timedelta(days=rng.choice((7, 14, 30)))).date()
                steps = STEPS[status]
                times = [born + timedelta(hours=6 * i) for i in range(steps)]
                holder = (
                    community * 1000 + rng.randrange(MEMBERS_PER_COMMUNITY)
                    if steps >= 4 and status not in ("cancelled", "rejected")
                    else None
                )
                wish = (
                    wish_id,
                    community,
                    status,
                    f"受助人{wish_id}",
                    "13800000000",
                    f"幸福路{wish_id}号",
                    rng.choice(CATEGORIES),
                    f"心愿{wish_id}",
                    rng.randrange(50, 300) * 100,
                    due.isoformat(),
                    ADMIN,
                    stamp(born),
                    holder,
                    stamp(times[3]) if holder and steps >= 4 else None,
                    stamp(times[4]) if holder and steps >= 5 else None,
                    stamp(times[5]) if holder and steps >= 6 else None,
                    stamp(times[-1]),
                    community if steps >= 3 else None,
                )
                events = [
                    (wish_id, community, ADMIN, ACTIONS[i], stamp(times[i])) for i in range(min(steps, 6))
                ]
                yield wish, events

    batch: list[tuple[object, ...]] = []
    events: list[tuple[object, ...]] = []
    holders: list[tuple[object, ...]] = []

    def flush() -> None:
        conn.executemany(
            "INSERT INTO wishes (id, community_id, status, beneficiary_name, beneficiary_phone,"
            " beneficiary_address, category, description, value_fen, due_date, created_by, created_at,"
            " holder_id, claimed_at, delivered_at, fulfilled_at, updated_at, branch_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
        conn.executemany(
            "INSERT INTO events (wish_id, community_id, actor_id, action, at) VALUES (?, ?, ?, ?, ?)", events
        )
        conn.executemany("INSERT INTO wish_holders (wish_id, user_id, joined_at) VALUES (?, ?, ?)", holders)
        batch.clear()
        events.clear()
        holders.clear()

    for wish, wish_events in rows():
        batch.append(wish)
        events.extend(wish_events)
        if wish[12] is not None:
            holders.append((wish[0], wish[12], wish[13]))
        if len(batch) >= 20_000:
            flush()
    flush()
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


async def time_queries(path: Path, runs: int) -> dict[str, float]:
    settings = Settings(_env_file=None, bot_token="1:x", db=str(path), admins=frozenset({ADMIN}))  # type: ignore[call-arg]
    services = Services.build(settings, FakeClock(NOW))
    await services.db.open()
    try:
        actor = await services.directory.actor(ADMIN, "zh")
        week = IsoWeek.of(NOW.date()).shifted(-1)
        figures: dict[str, float] = {}
        for label, community_id in (("big", 1), ("typical", 2)):
            community = await services.communities.get(community_id)
            assert community is not None
            report_times, stats_times = [], []
            for _ in range(runs):
                started = time.perf_counter()
                await services.reports.build(community, week)
                report_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                await services.records.stats(actor, community_id)
                stats_times.append(time.perf_counter() - started)
            figures[f"report_{label}_ms"] = statistics.median(report_times) * 1000
            figures[f"stats_{label}_ms"] = statistics.median(stats_times) * 1000
        return figures
    finally:
        await services.close()


def time_export(path: Path, out: Path) -> tuple[float, float, int]:
    """(seconds, peak MB, rows) for `wishwall export` of community 1 as its own process."""
    env = {**os.environ, "WISHWALL_DB": str(path), "WISHWALL_ADMINS": str(ADMIN), "WISHWALL_BOT_TOKEN": "x"}
    log = out.with_suffix(".log").open("w+b")
    started = time.perf_counter()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "export",
            "--community",
            "1",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--out",
            str(out),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,  # a file, not a pipe: nobody reads a pipe while wait4 waits
    )
    # wait4 gives this child's own peak; RUSAGE_CHILDREN would be the largest of every child
    # this process ever waited for.
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    with log:
        log.seek(0)
        if status != 0:
            raise RuntimeError(f"wishwall export failed: {log.read().decode(errors='replace')}")
    peak_mb = usage.ru_maxrss / 1024
    from openpyxl import load_workbook

    sheet = load_workbook(out, read_only=True).worksheets[0]
    rows = sum(1 for _ in sheet.iter_rows(values_only=True)) - 1  # less the header row
    return seconds, peak_mb, rows


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wishes", type=int, default=1_000_000)
    parser.add_argument("--communities", type=int, default=1000)
    parser.add_argument("--big", type=int, default=100_000, help="wishes of community 1 (exported)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        started = time.perf_counter()
        build(path, args.wishes, args.communities, args.big)
        figures = {"seed_s": time.perf_counter() - started}
        figures |= asyncio.run(time_queries(path, args.runs))
        seconds, peak, rows = time_export(path, Path(tmp) / "sheet.xlsx")
        figures |= {"export_s": seconds, "export_peak_mb": peak, "export_rows": rows}
    for key, value in figures.items():
        print(f"{key}\t{value:,.1f}")
    return figures


if __name__ == "__main__":
    main()

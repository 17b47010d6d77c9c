"""Scenario 5: report and export queries on 1,000,000 wishes over 1,000 communities, and one
community with ten years of history.

    .venv/bin/python -m bench.query_world [--wishes 1000000] [--communities 1000] [--big 100000] [--years 10]

Builds a throwaway database once (community 1 holds `--big` wishes, the others share the
rest, all made in the nine weeks before NOW; one more community has `--years` of history at a
typical community's pace), with the events the bot itself would have written, then times the
weekly report and /stats through the product's own services, and the 100,000-row .xlsx export
as the `wishwall export` command (a child process, so its peak memory, and that of the sheet
writer it starts, are their own).

The rows are generated inside SQLite (INSERT ... SELECT over a recursive counter, one
transaction), into the schema and indexes the migrations make: building them in Python, row by
row, took three minutes for the million.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.services import Services
from bot.settings import Settings
from bot.timing import IsoWeek
from storage.db import Database

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
ADMIN = 9001
CATEGORIES = ["elderly_alone", "left_behind_child", "disabled", "veteran", "hardship_family", "poor_student"]
MEMBERS_PER_COMMUNITY = 20
RECENT_DAYS = 63  # the million wishes were all made in the nine weeks before NOW
DAY = 86_400

# A wish's status from a number 0..99: roughly a program a few weeks in (fulfilled 40%,
# delivered 5, claimed 15, open 20, verified 5, pending 10, cancelled 3, rejected 2) ...
_RECENT_STATUS = (
    "CASE WHEN pick < 40 THEN 'fulfilled' WHEN pick < 45 THEN 'delivered' WHEN pick < 60 THEN 'claimed'"
    " WHEN pick < 80 THEN 'open' WHEN pick < 85 THEN 'verified' WHEN pick < 95 THEN 'pending'"
    " WHEN pick < 98 THEN 'cancelled' ELSE 'rejected' END"
)
# ... and, for a wish made before those nine weeks, long finished one way or another.
_OLD_STATUS = "CASE WHEN pick < 85 THEN 'fulfilled' WHEN pick < 95 THEN 'cancelled' ELSE 'rejected' END"
# How far along its way a wish in each status went (create, verify, post, claim, deliver, confirm).
_STEPS = (
    "CASE {status} WHEN 'verified' THEN 2 WHEN 'open' THEN 3 WHEN 'claimed' THEN 4"
    " WHEN 'delivered' THEN 5 WHEN 'fulfilled' THEN 6 ELSE 1 END"
)
_ACTIONS = ("create", "verify", "post", "claim", "deliver", "confirm")


def _stamp(seconds: str) -> str:
    """SQL for the product's timestamp text of a Unix time."""
    return f"(strftime('%Y-%m-%dT%H:%M:%S', {seconds}, 'unixepoch') || '.000000Z')"


# Wishes first_id .. first_id + count - 1, `per` to a community from `community` on, made within
# `span` seconds before :now. Every number is drawn from the id by a multiplicative hash, so the
# world is the same on every run, and a wish's events are drawn again from the same numbers.
_DRAWN = f"""
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count),
h AS (SELECT :first_id + i AS id, :community + i / :per AS community,
        ((:first_id + i) * 1103515245 + 12345) % 2147483647 AS h FROM n),
d AS (SELECT id, community, (h * 16807) % 2147483647 AS h3, (h * 39373) % 2147483647 AS h4,
        :now - ((h * 48271) % 2147483647) % :span AS born, ((h * 69621) % 2147483647) % 100 AS pick FROM h),
s AS (SELECT *, CASE WHEN :now - born > {RECENT_DAYS * DAY} THEN {_OLD_STATUS} ELSE {_RECENT_STATUS} END
        AS status FROM d),
drawn AS (SELECT *, {_STEPS.format(status="status")} AS steps,
        CASE WHEN status IN ('claimed', 'delivered', 'fulfilled')
            THEN community * 1000 + h3 % 20 END AS holder
      FROM s)"""
_WISHES = f"""
INSERT INTO wishes (id, community_id, status, beneficiary_name, beneficiary_phone, beneficiary_address,
    category, description, value_fen, due_date, created_by, created_at, holder_id, claimed_at,
    delivered_at, fulfilled_at, updated_at, branch_id)
{_DRAWN}
SELECT id, community, status, '受助人' || id, '13800000000', '幸福路' || id || '号',
    CASE h3 % 6 {" ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(CATEGORIES))} END,
    '心愿' || id, (50 + h4 % 250) * 100,
    date(born + {DAY} * CASE h4 % 3 WHEN 0 THEN 7 WHEN 1 THEN 14 ELSE 30 END, 'unixepoch'),
    {ADMIN}, {_stamp("born")},
    holder,
    CASE WHEN holder IS NOT NULL THEN {_stamp("born + 3 * 21600")} END,
    CASE WHEN holder IS NOT NULL AND steps >= 5 THEN {_stamp("born + 4 * 21600")} END,
    CASE WHEN holder IS NOT NULL AND steps >= 6 THEN {_stamp("born + 5 * 21600")} END,
    {_stamp("born + (steps - 1) * 21600")},
    CASE WHEN steps >= 3 THEN community END
FROM drawn
"""
# Each wish's steps as the lifecycle records them, six hours apart, wish after wish (CROSS JOIN
# keeps the wishes the outer loop: no sort of millions of rows).
_EVENTS = f"""
INSERT INTO events (wish_id, community_id, actor_id, action, at)
{_DRAWN}, a(i, action) AS (VALUES {", ".join(f"({i}, '{name}')" for i, name in enumerate(_ACTIONS))})
SELECT id, community, {ADMIN}, a.action, {_stamp("born + 21600 * a.i")}
FROM drawn CROSS JOIN a WHERE a.i < steps
"""
_HOLDERS = """
INSERT INTO wish_holders (wish_id, user_id, joined_at)
SELECT id, holder_id, claimed_at FROM wishes WHERE holder_id IS NOT NULL AND id BETWEEN :first_id AND :last_id
"""


def decade_size(wishes: int, communities: int, big: int, years: int) -> int:
    """Wishes of a community that went on for `years` at a typical community's pace."""
    per_small = (wishes - big) // max(1, communities - 1)
    return per_small * years * 365 // RECENT_DAYS if years > 0 else 0


def decade_community(wishes: int, communities: int, big: int, years: int) -> int | None:
    """The id of the community with `years` of history (the last one), or None without one."""
    return communities + 1 if decade_size(wishes, communities, big, years) else None


def _week_triggers(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """The triggers to set aside while the world is built and put back, unchanged, before it
    commits (name, SQL; tests/test_bench_smoke.py checks the world comes out the same).

    The stored weeks' triggers only forget stored weeks (they delete or clear rows of
    report_weeks, and of report_week_branches with them), and none is stored until the world is
    built: for every one of its millions of rows they did nothing, at a sixth of the build's
    time (156 -> 128 s for the million, one run each). Setting the big tables' indexes aside as
    well, to make them from the rows afterwards, measured the same 128 s: they stay."""
    if conn.execute("SELECT 1 FROM report_weeks").fetchone() is not None:
        raise RuntimeError("weeks are stored already: their triggers cannot be set aside")
    return [
        (str(name), str(sql))
        for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name GLOB 'report_weeks_*'"
        )
    ]


def build_apart(
    path: Path, wishes: int, communities: int, big: int, years: int = 0, history_years: int = 0
) -> int | None:
    """`build` in a process of its own. SQLite's caches while the indexes fill take hundreds of
    megabytes, which this process would keep; and a child started from a big process reports
    that size as its own peak (wait4's maxrss counts the parent's pages it began with), which
    would be charged to the export."""
    process = multiprocessing.get_context("spawn").Process(
        target=build, args=(path, wishes, communities, big, years, history_years)
    )
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"building the database failed (exit code {process.exitcode})")
    return decade_community(wishes, communities, big, years)


def build(
    path: Path,
    wishes: int,
    communities: int,
    big: int,
    years: int = 0,
    history_years: int = 0,
    *,
    set_aside: bool = True,
) -> int | None:
    """Schema by the product's migrations, rows generated inside SQLite. Returns the id of the
    community with `years` of history (the last one), or None when there is none.

    `history_years` spreads the typical communities' wishes over that many years instead of the
    nine weeks before NOW: the world of a program that has run that long everywhere."""

    async def migrate() -> None:
        db = Database(path)
        await db.open()
        await db.close()

    asyncio.run(migrate())
    decade = decade_size(wishes, communities, big, years)
    total = communities + (1 if decade else 0)
    conn = sqlite3.connect(path, isolation_level=None)
    # No journal while the world is built (a failed build is thrown away): in WAL mode every
    # index page the cache let go of went to the log again each time it changed, 18 GB of log
    # for ten million wishes after half an hour. The bot's own connections set WAL again.
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    # The indexes being filled stay in memory: 400 MB for the million, more for a bigger world
    # (ten million fill ~6 GB of index pages, and from the disk each insert waited for reads).
    conn.execute(f"PRAGMA cache_size=-{max(400_000, min(8_000_000, wishes * 6 // 10))}")
    conn.execute("PRAGMA temp_store=MEMORY")
    created = NOW.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    conn.execute("BEGIN")
    aside = _week_triggers(conn) if set_aside else []
    for name, _ in aside:
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.executemany(
        "INSERT INTO communities (id, name, created_at) VALUES (?, ?, ?)",
        [(c, f"社区{c}", created) for c in range(1, total + 1)],
    )
    conn.executemany(
        "INSERT INTO branches (id, community_id, name, created_at) VALUES (?, ?, ?, ?)",
        [(c, c, f"支部{c}", created) for c in range(1, total + 1)],
    )
    members = [(c * 1000 + m, c) for c in range(1, total + 1) for m in range(MEMBERS_PER_COMMUNITY)]
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
        [(c, ADMIN, created) for c in range(1, total + 1)],
    )
    per_small = (wishes - big) // max(1, communities - 1)
    now = int(NOW.timestamp())
    recent = RECENT_DAYS * DAY
    parts = [
        (1, big, big, 1, recent),
        (big + 1, per_small * (communities - 1), per_small, 2, history_years * 365 * DAY or recent),
        (big + per_small * (communities - 1) + 1, decade, max(1, decade), total, years * 365 * DAY),
    ]
    for first_id, count, per, community, span in parts:
        if count <= 0:
            continue
        params: dict[str, Any] = {"first_id": first_id, "count": count, "per": per, "community": community}
        conn.execute(_WISHES, {**params, "now": now, "span": span})
        conn.execute(_EVENTS, {**params, "now": now, "span": span})
        conn.execute(_HOLDERS, {"first_id": first_id, "last_id": first_id + count - 1})
    for _, sql in aside:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    return decade_community(wishes, communities, big, years)


async def _median_ms(
    runs: int, work: Callable[[], Awaitable[object]], before: Callable[[], Awaitable[object]] | None = None
) -> float:
    """The median time of `work`, each run after `before` (not timed)."""
    times = []
    for _ in range(max(1, runs)):
        if before is not None:
            await before()
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def time_queries(path: Path, runs: int, decade: int | None = None) -> dict[str, float]:
    """Per community (big: 1, typical: 2, decade): the weekly report the first time (no week
    stored: the first report after upgrading), the first time after a week ended (that week
    alone to compute: the scheduler stores it at the week's end, this is when it has not yet),
    and from then on (every week stored); and /stats."""
    settings = Settings(_env_file=None, bot_token="1:x", db=str(path), admins=frozenset({ADMIN}))  # type: ignore[call-arg]
    services = Services.build(settings, FakeClock(NOW))
    await services.db.open()
    try:
        actor = await services.directory.actor(ADMIN, "zh")
        week = IsoWeek.of(NOW.astimezone(ZoneInfo("Asia/Shanghai")).date()).shifted(-1)
        figures: dict[str, float] = {}
        chosen = [("big", 1), ("typical", 2)] + ([("decade", decade)] if decade else [])
        for label, community_id in chosen:
            community = await services.communities.get(community_id)
            assert community is not None

            async def report(community: Any = community) -> object:
                return await services.reports.build(community, week)

            async def forget_last_week(community_id: int = community_id) -> None:
                async with services.db.transaction() as conn:
                    await conn.execute(
                        "DELETE FROM report_weeks WHERE community_id = ? AND first_day = ?",
                        (community_id, week.first_day.isoformat()),
                    )

            async def stats(community_id: int = community_id) -> object:
                return await services.records.stats(actor, community_id)

            figures[f"report_{label}_cold_ms"] = await _median_ms(1, report)
            figures[f"report_{label}_new_week_ms"] = await _median_ms(runs, report, forget_last_week)
            figures[f"report_{label}_ms"] = await _median_ms(runs, report)
            figures[f"stats_{label}_ms"] = await _median_ms(runs, stats)
        return figures
    finally:
        await services.close()


def _watch_peaks(pid: int, peaks: dict[int, float], done: threading.Event) -> None:
    """The last peak seen of `pid` and of each process it starts, until `done`: the export's
    sheet writer is waited for by the export, so wait4 alone would give the larger of the two."""
    import psutil

    # Here, not at the top: bench.scenarios imports every scenario, this module among them.
    from bench.scenarios.memory import vm_hwm_mb

    while not done.wait(0.1):
        try:
            family = [pid, *(p.pid for p in psutil.Process(pid).children(recursive=True))]
        except psutil.Error:
            continue
        for member in family:
            try:
                peak = vm_hwm_mb(member)
            except OSError:  # ended meanwhile
                continue
            if peak is not None:
                peaks[member] = max(peaks.get(member, 0.0), peak)


def time_export(path: Path, out: Path) -> tuple[float, float, int]:
    """(seconds, peak MB, rows) for `wishwall export` of community 1 as its own process. The
    peak is the export's and its sheet writer's (bot/records/xlsx_process.py) together."""
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
    peaks: dict[int, float] = {}
    done = threading.Event()
    watching = threading.Thread(target=_watch_peaks, args=(child.pid, peaks, done), daemon=True)
    watching.start()
    # wait4 gives this child's own peak (or its own child's, if larger); RUSAGE_CHILDREN would be
    # the largest of every child this process ever waited for.
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    watching.join()
    with log:
        log.seek(0)
        if status != 0:
            raise RuntimeError(f"wishwall export failed: {log.read().decode(errors='replace')}")
    peak_mb = max(usage.ru_maxrss / 1024, sum(peaks.values()))
    from openpyxl import load_workbook

    sheet = load_workbook(out, read_only=True).worksheets[0]
    rows = sum(1 for _ in sheet.iter_rows(values_only=True)) - 1  # less the header row
    return seconds, peak_mb, rows


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wishes", type=int, default=1_000_000)
    parser.add_argument("--communities", type=int, default=1000)
    parser.add_argument("--big", type=int, default=100_000, help="wishes of community 1 (exported)")
    parser.add_argument("--years", type=int, default=10, help="history of one more community (0: none)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-export", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        started = time.perf_counter()
        decade = build_apart(path, args.wishes, args.communities, args.big, args.years)
        figures = {"seed_s": time.perf_counter() - started}
        figures |= asyncio.run(time_queries(path, args.runs, decade))
        if not args.no_export:
            seconds, peak, rows = time_export(path, Path(tmp) / "sheet.xlsx")
            figures |= {"export_s": seconds, "export_peak_mb": peak, "export_rows": rows}
    for key, value in figures.items():
        print(f"{key}\t{value:,.1f}")
    return figures


if __name__ == "__main__":
    main()

"""How long and how much memory the claim-sheet export takes for N wishes (default 100,000).

    .venv/bin/python bench/export_claims.py [N] [--csv]

Builds a throwaway database (raw inserts, for speed), then runs `wishwall export` on it and
prints the wall time, the rows written and the peak resident memory of this process.
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.db import Database  # noqa: E402

STATUSES = ["pending", "verified", "open", "claimed", "delivered", "fulfilled", "rejected", "cancelled"]
CATEGORIES = ["elderly_alone", "left_behind_child", "disabled", "veteran", "hardship_family", "poor_student"]


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build(path: str, n: int) -> None:
    async def migrate() -> None:
        db = Database(path)
        await db.open()
        await db.close()

    asyncio.run(migrate())
    rng = random.Random(5)
    start = datetime(2026, 1, 1, 1, tzinfo=UTC)
    conn = sqlite3.connect(path)
    # Migrations create no community: the one the wishes belong to, and its one branch.
    conn.execute("INSERT INTO communities (id, name, created_at) VALUES (1, '幸福社区', ?)", (stamp(start),))
    conn.execute(
        "INSERT INTO branches (id, community_id, name, created_at) VALUES (1, 1, '一支部', ?)",
        (stamp(start),),
    )
    conn.execute(
        "INSERT INTO members (user_id, full_name, lang, registered_at) VALUES (9001, '李主任', 'zh', ?)",
        (stamp(start),),
    )
    conn.executemany(
        "INSERT INTO members (user_id, full_name, lang, registered_at) VALUES (?, ?, 'zh', ?)",
        [(100 + i, f"志愿者{i}", stamp(start)) for i in range(200)],
    )
    wishes, events = [], []
    for i in range(1, n + 1):
        created = start + timedelta(minutes=i * 5)
        status = rng.choice(STATUSES)
        held = status in ("claimed", "delivered", "fulfilled")
        wishes.append(
            (
                i,
                1,
                status,
                f"受助人{i}",
                f"138{i:08d}",
                f"幸福路 {i} 号",
                rng.choice(CATEGORIES),
                f"心愿{i}",
                rng.choice([None, 5000, 20000]),
                (created + timedelta(days=30)).date().isoformat(),
                9001,
                stamp(created),
                100 + i % 200 if held else None,
                stamp(created + timedelta(days=2)) if held else None,
                stamp(created + timedelta(days=5)) if status in ("delivered", "fulfilled") else None,
                stamp(created + timedelta(days=6)) if status == "fulfilled" else None,
                stamp(created),
                1,
            )
        )
        events.append((i, 1, 9001, "create", None, "pending", stamp(created)))
        if status not in ("pending", "rejected"):
            events.append((i, 1, 9001, "verify", "pending", "verified", stamp(created + timedelta(hours=2))))
    conn.executemany(
        "INSERT INTO wishes (id, community_id, status, beneficiary_name, beneficiary_phone,"
        " beneficiary_address, category, description, value_fen, due_date, created_by, created_at,"
        " holder_id, claimed_at,"
        " delivered_at, fulfilled_at, updated_at, branch_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        wishes,
    )
    conn.executemany(
        "INSERT INTO events (wish_id, community_id, actor_id, action, from_status, to_status, at)"
        " VALUES (?,?,?,?,?,?,?)",
        events,
    )
    conn.commit()
    # Fold the write-ahead log into the database, as a long-running bot's database would be.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def run() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 100_000))
    suffix = ".csv" if "--csv" in sys.argv else ".xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.db")
        t0 = time.perf_counter()
        build(db, n)
        print(f"built {n} wishes in {time.perf_counter() - t0:.1f}s")
        out = os.path.join(tmp, f"claims{suffix}")
        # The export runs in a process of its own so its peak memory is its own.
        probe = (
            "import sys; from bot.cli import main; "
            "code = main(['export', '--community', '1', '--from', '2026-01-01', '--to', '2030-12-31',"
            f" '--out', {out!r}]); "
            # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
            "peak = [line for line in open('/proc/self/status') if line.startswith('VmHWM')][0].split()[1]; "
            "print(f'peak RSS of the export process: {int(peak) / 1024:.0f} MB'); "
            "sys.exit(code)"
        )
        env = {**os.environ, "WISHWALL_DB": db, "WISHWALL_BOT_TOKEN": "x", "PYTHONPATH": str(ROOT)}
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", probe], env=env, check=False)
        elapsed = time.perf_counter() - t0
        print(f"export exit {done.returncode} in {elapsed:.1f}s, file {os.path.getsize(out) / 1e6:.1f} MB")


if __name__ == "__main__":
    run()

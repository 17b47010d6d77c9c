"""A database made by an earlier release opens with every migration since applied and its data
intact, and the bot goes on working with it.

tests/fixtures/db_245b15f.sql.gz is the SQL dump of `wishwall demo`'s database made by commit
245b15f (main before the report-weeks migration, 0007, and the migrations of the features after
it): one community, three branches, 32 people, 63 wishes in every state with ten weeks of
history, 388 events, 142 reminders sent, 608 messages waiting in the outbox. Regenerate it only
for a new baseline: check out that commit, build the demo world into a file
(bot.demo.server.build_world) and dump it with sqlite3's iterdump.
"""

from __future__ import annotations

import gzip
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.errors import DomainError
from bot.models import WishStatus
from bot.services import Services
from bot.settings import Settings
from bot.timing import IsoWeek
from storage.db import migrations

FIXTURE = Path(__file__).parent / "fixtures" / "db_245b15f.sql.gz"
OLD_VERSION = 6
COORDINATOR = 8_100_001  # bot/demo/cast.py: the first coordinator
NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def _load(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(gzip.decompress(FIXTURE.read_bytes()).decode("utf-8"))
    conn.close()


def _snapshot(path: Path, columns: dict[str, list[str]]) -> dict[str, list[tuple[object, ...]]]:
    """Every row of `columns`' tables, those columns only, in a fixed order."""
    conn = sqlite3.connect(path)
    try:
        return {
            table: sorted(conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr)
            for table, cols in columns.items()
        }
    finally:
        conn.close()


def _columns(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            str(r[0])
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        ]
        return {t: [str(c[1]) for c in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
    finally:
        conn.close()


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    path = tmp_path / "wishwall.db"
    _load(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (OLD_VERSION,)
    conn.close()
    return path


async def _open(path: Path) -> Services:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="123456:TEST-TOKEN",
        db=str(path),
        admins=frozenset({COORDINATOR}),
    )
    services = Services.build(settings, FakeClock(NOW))
    await services.db.open()
    return services


async def test_every_migration_since_applies_and_no_row_or_value_is_lost(old_db: Path) -> None:
    before_columns = _columns(old_db)
    before = _snapshot(old_db, before_columns)
    services = await _open(old_db)
    await services.close()

    conn = sqlite3.connect(old_db)
    applied = [int(r[0]) for r in conn.execute("SELECT version FROM schema_version ORDER BY version")]
    conn.close()
    assert applied == [v for v, _, _ in migrations()]
    assert len(applied) > OLD_VERSION  # the test means something only while there are newer ones

    after_columns = _columns(old_db)
    for table, cols in before_columns.items():
        assert table in after_columns, f"table {table} was dropped"
        assert set(cols) <= set(after_columns[table]), f"{table} lost columns"
    # Every value of every column the old release had is still there, row for row.
    after = _snapshot(old_db, {t: c for t, c in before_columns.items() if t != "schema_version"})
    for table, rows in after.items():
        assert rows == before[table], f"rows of {table} changed in the upgrade"


async def test_the_upgraded_database_works_reports_claims_and_stats(old_db: Path) -> None:
    services = await _open(old_db)
    try:
        community = await services.communities.get(1)
        assert community is not None
        coordinator = await services.directory.actor(COORDINATOR, "zh")
        stats = await services.records.stats(coordinator, community.id)
        conn = sqlite3.connect(old_db)
        open_ids = [int(r[0]) for r in conn.execute("SELECT id FROM wishes WHERE status = 'open' ORDER BY id")]
        counted = dict(conn.execute("SELECT status, COUNT(*) FROM wishes GROUP BY status").fetchall())
        members = [
            int(r[0])
            for r in conn.execute(
                "SELECT user_id FROM memberships WHERE community_id = 1 AND status = 'active' ORDER BY user_id"
            )
        ]
        conn.close()
        # /stats reads counts the upgrade made from the old rows (kept by triggers since).
        assert (stats.now.pending, stats.now.open, stats.now.claimed, stats.now.delivered) == (
            counted.get("pending", 0),
            counted.get("open", 0),
            counted.get("claimed", 0),
            counted.get("delivered", 0),
        )
        week = IsoWeek.of(NOW.date()).shifted(-1)
        report = await services.reports.build(community, week)
        again = await services.reports.build(community, week)
        assert report == again
        assert report.this.collected >= 0 and len(report.history) == 8

        assert open_ids, "the demo world has open wishes"
        holders: list[int] = []
        for user_id in members[:5]:
            member = await services.directory.actor(user_id, "zh")
            try:
                wish = await services.wishes.claim(member, open_ids[0])
            except DomainError:  # the others are refused: exactly one holder
                continue
            assert wish.status == WishStatus.CLAIMED
            holders.append(user_id)
        assert len(holders) == 1
        conn = sqlite3.connect(old_db)
        now_counted = dict(conn.execute("SELECT status, n FROM wish_counts WHERE community_id = 1").fetchall())
        conn.close()
        expected = dict(counted)
        expected["open"] -= 1
        expected["claimed"] = expected.get("claimed", 0) + 1
        assert {k: v for k, v in now_counted.items() if v} == {k: v for k, v in expected.items() if v}
    finally:
        await services.close()

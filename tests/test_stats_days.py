"""A whole community's month and year from its per-day counts (migration 0016,
storage/stats_days.py): the counts are what counting the wishes gives, for wishes that were
there before the migration too, and a period's ends in the community's time zone are counted
from the indexes. (Random histories check the same in test_report_weeks_properties.py.)"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

from bot.clock import FakeClock
from bot.services import Services
from bot.settings import Settings
from storage.db import migrations
from storage.stats_days import whole_days
from storage.stats_models import Period, Scope
from tests import stats_reference as reference
from tests.factories import COORDINATOR

NOW = datetime.fromisoformat("2026-11-25T03:00:00+00:00")
YEAR = Period(start=date(2026, 1, 1), end=date(2027, 1, 1), tz="Asia/Shanghai")
MONTH = Period(start=date(2026, 11, 1), end=date(2026, 12, 1), tz="Asia/Shanghai")

# status, category, created_at, claimed_at, fulfilled_at, due_date, value_fen: near the ends
# of the month in Shanghai (UTC+8) and of UTC days, rejected and cancelled ones, and one
# fulfilled after NOW (a clock set back), which the completion rate must not count yet.
WISHES = [
    ("fulfilled", "elderly_alone", "2026-10-31T15:59:59.000000Z", "2026-10-31T16:30:00.000000Z", "2026-11-02T01:00:00.000000Z", "2026-11-03", 12000),
    ("fulfilled", "elderly_alone", "2026-10-31T16:00:00.000000Z", "2026-11-01T00:00:00.000000Z", "2026-11-24T23:59:59.999999Z", "2026-11-30", None),
    ("claimed", "poor_student", "2026-11-10T08:00:00.000000Z", "2026-11-30T15:59:59.000000Z", None, "2026-11-30", 3000),
    ("open", "poor_student", "2026-11-30T16:00:00.000000Z", None, None, "2026-12-01", None),
    ("rejected", "disabled", "2026-11-05T00:00:00.000000Z", None, None, "2026-11-06", None),
    ("cancelled", "disabled", "2026-11-06T00:00:00.000000Z", None, None, "2026-11-07", None),
    ("fulfilled", "disabled", "2026-11-20T00:00:00.000000Z", "2026-11-21T00:00:00.000000Z", "2026-11-25T04:00:00.000000Z", "2026-11-28", 500),
    ("delivered", "other", "2025-12-31T16:00:00.000000Z", "2026-01-02T00:00:00.000000Z", None, "2026-01-05", None),
]  # fmt: skip


def _old_database(path: Path) -> None:
    """A database from before migration 0016, with its wishes."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for version, name, sql in migrations():
            if version >= 16:
                break
            conn.executescript(sql)
            conn.execute("INSERT INTO schema_version VALUES (?, ?, '2026-01-01T00:00:00Z')", (version, name))
        conn.execute("INSERT INTO communities (id, name, created_at) VALUES (1, 'c', '2025-01-01T00:00:00Z')")
        for status, category, created, claimed, fulfilled, due, value in WISHES:
            conn.execute(
                "INSERT INTO wishes (community_id, status, beneficiary_name, beneficiary_phone,"
                " beneficiary_address, category, description, due_date, created_by, created_at, updated_at,"
                " claimed_at, fulfilled_at, value_fen, holder_id)"
                " VALUES (1, ?, '王秀英', '', '', ?, '电暖器', ?, 9001, ?, ?, ?, ?, ?, ?)",
                (status, category, due, created, created, claimed, fulfilled, value, 7 if claimed else None),
            )


async def _services(path: Path) -> Services:
    settings = Settings(_env_file=None, bot_token="1:x", db=str(path), admins=frozenset({COORDINATOR}))  # type: ignore[call-arg]
    services = Services.build(settings, FakeClock(NOW))
    await services.db.open()
    return services


async def _agree(services: Services) -> None:
    conn, scope = services.db.reader, Scope(community_id=1)
    for period in (YEAR, MONTH):
        assert whole_days(period) is not None
        counted = await services.stats.figures(scope, period, NOW)
        assert counted == await reference.figures(conn, scope, period, NOW), period
        top = [(c.category.value, c.count) for c in await services.stats.top_categories(scope, period)]
        assert top == await reference.top_categories(conn, scope, period), period


async def test_the_wishes_before_the_migration_are_counted_and_changes_keep_the_counts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    _old_database(path)
    services = await _services(path)
    try:
        await _agree(services)
        month = await services.stats.figures(Scope(community_id=1), MONTH, NOW)
        # By Shanghai's midnights (wishes 2-3 and 5-7 collected, not 1 or 4); the wish fulfilled
        # after NOW counts as fulfilled in the month but not in its completion rate yet.
        assert (month.collected, month.claimed, month.fulfilled, month.fulfilled_value_fen) == (
            5,
            4,
            3,
            12500,
        )
        assert (month.due, month.due_fulfilled) == (4, 2)
        # Changes straight in the database (an operator's): the triggers keep the counts.
        async with services.db.transaction() as conn:
            await conn.execute("UPDATE wishes SET status = 'rejected' WHERE id = 4")
            await conn.execute("UPDATE wishes SET status = 'cancelled', holder_id = NULL WHERE id = 3")
            await conn.execute("UPDATE wishes SET value_fen = 900, category = 'poor_student' WHERE id = 7")
            await conn.execute("UPDATE wishes SET claimed_at = '2026-11-15T10:00:00.000000Z' WHERE id = 1")
            await conn.execute("DELETE FROM wishes WHERE id = 2")
        await _agree(services)
    finally:
        await services.close()


async def test_the_counts_are_what_the_year_is_read_from(tmp_path: Path) -> None:
    """Not the indexes: a count changed by hand shows (so the fast path is the one taken)."""
    path = tmp_path / "old.db"
    _old_database(path)
    services = await _services(path)
    try:
        before = await services.stats.figures(Scope(community_id=1), YEAR, NOW)
        async with services.db.transaction() as conn:
            await conn.execute(
                "UPDATE wish_days SET n = n + 100 WHERE figure = 'collected' AND day = '2026-11-10'"
            )
        after = await services.stats.figures(Scope(community_id=1), YEAR, NOW)
        assert after.collected == before.collected + 100
        # An ended period is counted from the indexes: its cutoff is not now.
        ended = Period(start=date(2026, 1, 1), end=date(2026, 11, 15), tz="Asia/Shanghai")
        assert await services.stats.figures(Scope(community_id=1), ended, NOW) == await reference.figures(
            services.db.reader, Scope(community_id=1), ended, NOW
        )
    finally:
        await services.close()


def test_a_period_splits_into_whole_utc_days_and_its_two_ends() -> None:
    split = whole_days(MONTH)
    assert split == {
        "start": "2026-10-31T16:00:00.000000Z",
        "edge1": "2026-11-01T00:00:00.000000Z",
        "edge2": "2026-11-30T00:00:00.000000Z",
        "end": "2026-11-30T16:00:00.000000Z",
        "first_day": "2026-11-01",
        "end_day": "2026-11-30",
    }
    utc = whole_days(Period(start=date(2026, 11, 1), end=date(2026, 11, 3), tz="UTC"))
    assert utc is not None and utc["start"] == utc["edge1"] and utc["edge2"] == utc["end"]
    # One day in Shanghai holds no whole UTC day: counted from the indexes alone.
    assert whole_days(Period(start=date(2026, 11, 1), end=date(2026, 11, 2), tz="Asia/Shanghai")) is None

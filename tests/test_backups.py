"""Backups that restore: taken while members storm the claim buttons, checked, rotated."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.errors import DomainError
from bot.operations.backups import Backups, to_keep
from bot.services import Services
from storage.backup import BackupFailed
from storage.lock import AlreadyRunning, InstanceLock
from tests.factories import COORDINATOR, draft, member
from tests.test_lifecycle_properties import _check

SHANGHAI = ZoneInfo("Asia/Shanghai")
MEMBERS = 40
WISHES = 30


def _backups(services: Services, folder: Path) -> Backups:
    return Backups(db_path=services.settings.db, folder=folder, zone=SHANGHAI, now=services.clock.now)


async def _storm(services: Services) -> list[int]:
    boss = await services.directory.actor(COORDINATOR, "zh")
    await services.groups.bind(-1, 1, "g", "zh", COORDINATOR, services.clock.now(), branch_id=1)
    ids = []
    for i in range(WISHES):
        wish = await services.wishes.create(boss, draft(f"心愿{i}"), 1)
        await services.wishes.verify(boss, wish.id)
        await services.wishes.post(boss, wish.id)
        ids.append(wish.id)
    return ids


async def test_a_backup_taken_during_a_claim_storm_restores_whole(
    services: Services, tmp_path: Path
) -> None:
    await services.org.set_setting(await services.directory.actor(COORDINATOR, "zh"), 1, "member_cap", "50")
    ids = await _storm(services)
    tappers = [await member(services, 1000 + i, f"志愿者{i}") for i in range(MEMBERS)]
    backups = _backups(services, tmp_path / "backups")

    async def tap(n: int) -> None:
        with contextlib.suppress(DomainError):  # taken: the storm's usual answer
            await services.wishes.claim(tappers[n % MEMBERS], ids[n % WISHES])

    taps = [tap(n) for n in range(MEMBERS * 3)]
    results = await asyncio.gather(backups.make(), *taps)
    copy = results[0]
    assert copy.path.exists() and backups.last is not None and backups.last.ok
    assert stat.S_IMODE(os.stat(copy.path).st_mode) == 0o600  # it holds personal data
    with sqlite3.connect(copy.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        claimed = conn.execute("SELECT COUNT(*) FROM wishes WHERE status = 'claimed'").fetchone()[0]
        holders = conn.execute(
            "SELECT wish_id, COUNT(*) FROM wish_holders GROUP BY wish_id HAVING COUNT(*) > 1"
        ).fetchall()
    assert holders == []  # exactly one holder per claimed wish, even mid-storm
    assert claimed <= WISHES

    # Restore it over the live database (with the bot stopped) and check the whole lifecycle.
    await services.db.close()
    aside = backups.restore(copy.path)
    assert aside.exists() and stat.S_IMODE(os.stat(services.settings.db).st_mode) == 0o600
    restored = Services.build(services.settings, services.clock)
    await restored.db.open()
    try:
        await _check(restored)  # one holder per claimed wish; the event log replays to each state
        for wish_id in ids:
            wish = await restored.wishes.get(wish_id)
            assert len(wish.holders) == (1 if wish.holder_id is not None else 0)
    finally:
        await restored.close()


async def test_restore_refuses_while_a_bot_holds_the_database(services: Services, tmp_path: Path) -> None:
    backups = _backups(services, tmp_path / "backups")
    copy = await backups.make()
    with InstanceLock(services.settings.db), pytest.raises(AlreadyRunning):
        backups.restore(copy.path)


async def test_a_damaged_file_is_never_restored(services: Services, tmp_path: Path) -> None:
    backups = _backups(services, tmp_path / "backups")
    bad = tmp_path / "bad.db"
    bad.write_bytes(os.urandom(8192))
    await services.db.close()
    with pytest.raises(BackupFailed):
        await asyncio.to_thread(backups.restore, bad)
    assert await asyncio.to_thread(Path(services.settings.db).exists)  # the live one is untouched


def test_a_second_instance_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    with InstanceLock(db), pytest.raises(AlreadyRunning):
        InstanceLock(db).acquire()
    with InstanceLock(db):  # released with the first: the next one may start
        pass


async def test_rotation_keeps_seven_daily_four_weekly_twelve_monthly(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    start = datetime(2025, 1, 1, 3, 0, tzinfo=SHANGHAI)
    for day in range(400):
        (folder / f"wishwall-{(start + timedelta(days=day)):%Y%m%d-%H%M%S}.db").write_bytes(b"x")
    now = start + timedelta(days=399, hours=1)
    backups = Backups(db_path=str(tmp_path / "w.db"), folder=folder, zone=SHANGHAI, now=lambda: now)
    backups.prune()
    left = [when for when, _ in backups.copies()]
    assert len({w.date() for w in left if now - w < timedelta(days=7)}) == 7
    assert len(left) <= 7 + 4 + 12
    assert min(left) >= now - timedelta(days=366)


@given(st.lists(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 1)), max_size=60))
def test_rotation_keeps_the_newest_and_never_more_than_23(times: list[datetime]) -> None:
    stamps = [t.replace(tzinfo=UTC) for t in times]
    now = datetime(2026, 12, 2, tzinfo=UTC)
    kept = to_keep(stamps, now)
    assert kept <= set(stamps) and len(kept) <= 23
    assert all(now - t <= timedelta(days=366) for t in kept)
    if stamps and now - max(stamps) <= timedelta(days=366):
        assert max(stamps) in kept


async def test_the_nightly_backup_runs_once_after_its_hour(services: Services, tmp_path: Path) -> None:
    from bot.reminders.jobs import nightly_backup

    clock = services.clock
    assert isinstance(clock, FakeClock)
    services.backups.folder = tmp_path / "nightly"
    clock.set(datetime(2026, 11, 21, 2, 0, tzinfo=SHANGHAI))  # before the 03:00 backup hour
    await nightly_backup(services, clock.now())
    assert services.backups.copies() == []
    clock.set(datetime(2026, 11, 21, 3, 5, tzinfo=SHANGHAI))
    await nightly_backup(services, clock.now())
    await nightly_backup(services, clock.now() + timedelta(minutes=5))  # the next tick: done already
    assert len(services.backups.copies()) == 1
    assert "wishwall_backups_total{result=\"ok\"} 1.0" in services.metrics.exposition().decode()


async def test_a_failed_nightly_backup_tells_the_admins_and_health(services: Services, tmp_path: Path) -> None:
    from bot.reminders.jobs import nightly_backup

    clock = services.clock
    assert isinstance(clock, FakeClock)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    services.backups.folder = blocker / "backups"  # cannot be created: its parent is a file
    clock.set(datetime(2026, 11, 21, 4, 0, tzinfo=SHANGHAI))
    await nightly_backup(services, clock.now())
    queued = await services.outbox.due(clock.now())
    assert [item.chat_id for item in queued] == sorted(services.settings.admins)
    assert queued[0].payload is not None and "备份失败" in queued[0].payload.text
    report = await services.health.report()
    assert not report.ok and "backup" in report.as_json()["failed"]
    assert "wishwall_backups_total{result=\"failed\"} 1.0" in services.metrics.exposition().decode()


async def test_a_backup_is_one_file_with_nothing_beside_it(services: Services, tmp_path: Path) -> None:
    backups = _backups(services, tmp_path / "backups")
    await backups.make(tmp_path / "backups" / "wishwall-20000101-000000.db")  # an old one
    copy = await backups.make()  # prunes the old one, side files and all
    left = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert left == [copy.path.name]
    with sqlite3.connect(copy.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"

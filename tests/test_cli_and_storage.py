"""The command line and the database file: clear refusals, migrations that keep data."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import FakeClock
from bot.services import Services
from bot.settings import Settings
from storage.db import Database, migrations
from tests.factories import coordinator, draft


def test_run_without_a_token_says_what_to_do(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "WISHWALL_DB": str(tmp_path / "x.db"), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert "WISHWALL_BOT_TOKEN" in done.stderr and "BotFather" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_settings_are_reported_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WISHWALL_ADMINS", "alice,bob")
    assert main(["migrate"]) == 2
    assert "WISHWALL_ADMINS" in capsys.readouterr().err
    monkeypatch.setenv("WISHWALL_ADMINS", "1")
    monkeypatch.setenv("WISHWALL_TZ", "Mars/Olympus")
    assert main(["migrate"]) == 2


def test_migrate_command_creates_the_schema(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WISHWALL_DB", str(tmp_path / "new.db"))
    assert main(["migrate"]) == 0
    with sqlite3.connect(tmp_path / "new.db") as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")]
    assert versions == [v for v, _, _ in migrations()]


async def test_upgrading_an_old_database_keeps_its_data(tmp_path: Path, clock: FakeClock) -> None:
    """A file made by migration 0001 only, with a wish in it, upgrades in place."""
    path = tmp_path / "old.db"
    first_sql = migrations()[0][2]
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        conn.executescript(first_sql)
        conn.execute("INSERT INTO schema_version VALUES (1, '0001_initial.sql', '2026-01-01T00:00:00Z')")
        conn.execute(
            "INSERT INTO members (user_id, full_name, lang, registered_at) VALUES (7, '张丽', 'zh', '2026-01-01T00:00:00Z')"
        )
        conn.execute(
            "INSERT INTO wishes (community_id, status, beneficiary_name, beneficiary_phone, beneficiary_address,"
            " category, description, due_date, created_by, created_at, updated_at)"
            " VALUES (1, 'pending', '王秀英', '13812345678', '幸福路', 'elderly_alone', '电暖器', '2026-12-01', 9001,"
            " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
        )
    settings = Settings(_env_file=None, bot_token="1:x", db=str(path), admins=frozenset({9001}))  # type: ignore[call-arg]
    services = Services.build(settings, clock)
    await services.db.open()
    try:
        assert await services.db.schema_version() == len(migrations())
        wish = await services.wishes.get(1)
        assert wish.beneficiary_name == "王秀英" and wish.needed_members == 1
        membership = await services.memberships.get(7)
        assert membership is not None and membership.branch_id == 1
        # And the upgraded file works: the next wish gets the next id.
        new = await services.wishes.create(await coordinator(services), draft(), 1)
        assert new.id == 2
    finally:
        await services.db.close()


async def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    db = Database(tmp_path / "twice.db")
    await db.open()
    await db.close()
    await db.open()
    assert await db.schema_version() == len(migrations())
    await db.close()


def test_run_with_an_unreachable_api_says_so(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "WISHWALL_DB": str(tmp_path / "x.db"),
        "WISHWALL_BOT_TOKEN": "123:abc",
        "WISHWALL_BOT_API_URL": "http://127.0.0.1:9",  # nothing listens on the discard port
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 3
    assert "cannot reach the Bot API at http://127.0.0.1:9" in done.stderr
    assert "Unclosed client session" not in done.stderr  # the HTTP client was closed on the way out

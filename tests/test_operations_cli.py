"""The operator's commands as an operator runs them: backup, restore, doctor."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from bot.clock import FakeClock
from bot.settings import Settings
from tests.factories import run_cli

ROOT = Path(__file__).resolve().parent.parent


def _wishwall(tmp_path: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("WISHWALL_")}
    full_env.update(
        {"WISHWALL_DB": str(tmp_path / "w.db"), "WISHWALL_BACKUP_DIR": str(tmp_path / "b"), **env}
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        cwd=tmp_path,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_backup_then_restore_from_the_command_line(tmp_path: Path) -> None:
    assert _wishwall(tmp_path, "migrate").returncode == 0
    assert _wishwall(tmp_path, "community", "add", "幸福社区").returncode == 0
    made = _wishwall(tmp_path, "backup")
    assert made.returncode == 0, made.stderr
    copies = list((tmp_path / "b").glob("wishwall-*.db"))
    assert len(copies) == 1 and stat.S_IMODE(copies[0].stat().st_mode) == 0o600
    assert "pages" in made.stderr  # progress on stderr, the file's name on stdout
    assert str(copies[0]) in made.stdout
    out = tmp_path / "manual.db"
    assert _wishwall(tmp_path, "backup", "--out", str(out)).returncode == 0 and out.exists()

    assert _wishwall(tmp_path, "community", "add", "和平社区").returncode == 0
    restored = _wishwall(tmp_path, "restore", str(copies[0]))
    assert restored.returncode == 0, restored.stderr
    assert list(tmp_path.glob("w.db.before-restore-*"))  # the replaced database, kept aside
    listed = _wishwall(tmp_path, "community", "list").stdout
    assert "幸福社区" in listed and "和平社区" not in listed


def test_restore_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    assert _wishwall(tmp_path, "migrate").returncode == 0
    bad = tmp_path / "bad.db"
    bad.write_bytes(os.urandom(4096))
    refused = _wishwall(tmp_path, "restore", str(bad))
    assert refused.returncode == 1 and "nothing was changed" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_doctor_names_a_missing_token_and_a_damaged_database(tmp_path: Path) -> None:
    (tmp_path / "w.db").write_bytes(os.urandom(4096))
    report = _wishwall(tmp_path, "doctor")
    assert report.returncode == 1
    lines = report.stdout.splitlines()
    assert "✗ token: WISHWALL_BOT_TOKEN is not set — get one from @BotFather and set it" in lines
    assert any(
        line.startswith("✗ database:") and "damaged" in line and "wishwall restore" in line for line in lines
    )
    assert "Traceback" not in report.stderr


def test_doctor_on_bad_settings_says_which(tmp_path: Path) -> None:
    report = _wishwall(tmp_path, "doctor", WISHWALL_TZ="Mars/Olympus")
    assert (
        report.returncode == 1 and report.stdout.startswith("✗ settings:") and "Mars/Olympus" in report.stdout
    )


def test_doctor_passes_on_a_healthy_install_offline(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    assert run_cli(settings, clock, "migrate") == 0
    env = {"WISHWALL_DB": settings.db, "WISHWALL_BOT_TOKEN": "1:x"}
    assert _wishwall(tmp_path, "backup", **env).returncode == 0
    report = _wishwall(tmp_path, "doctor", "--offline", **env)
    lines = report.stdout.splitlines()
    assert {line.split(":")[0] for line in lines if line.startswith("✓")} >= {
        "✓ settings",
        "✓ token",
        "✓ database",
        "✓ migrations",
        "✓ disk",
        "✓ time zone",
        "✓ backups",
    }


def test_json_logs_are_one_object_per_line() -> None:
    import json
    import logging

    from bot.operations.logs import JsonFormatter

    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "bot.x", logging.ERROR, __file__, 1, "outbox item %s failed", (7,), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "bot.x"
    assert entry["message"] == "outbox item 7 failed" and "ValueError: boom" in entry["error"]

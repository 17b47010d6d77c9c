"""The command line starts light: `wishwall --help`, a mistyped argument and the parser itself
import none of the heavy libraries, and a cron job that only queues does without the bot's
application. Each check runs in a fresh interpreter, since this one has imported everything."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from bot import languages, texts
from bot.models import ReminderKind
from bot.reminders import kinds

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("telegram", "aiosqlite", "pydantic_settings", "matplotlib", "openpyxl")


def _loaded(code: str, tmp_path: Path) -> list[str]:
    """What `code` leaves in sys.modules (our modules, and the top-level names of the others)."""
    probe = code + (
        "\nimport sys\n"
        "print(sorted({m if m.split('.')[0] in {'bot', 'handlers', 'storage'} else m.split('.')[0]"
        " for m in sys.modules}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WISHWALL_")}
    env["WISHWALL_DB"] = str(tmp_path / "w.db")
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    loaded = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    assert isinstance(loaded, list)
    return loaded


def test_importing_the_command_line_pulls_in_no_heavy_library(tmp_path: Path) -> None:
    loaded = _loaded("import bot.cli", tmp_path)
    assert [name for name in loaded if name in HEAVY] == []


def test_help_and_a_wrong_argument_pull_in_no_heavy_library(tmp_path: Path) -> None:
    code = (
        "import contextlib, io\n"
        "from bot.cli import main\n"
        "for argv in (['--help'], ['jobs', 'run', '--help'], ['jobs', 'run', 'nope'], ['import', '--help']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "        try:\n"
        "            main(argv)\n"
        "        except SystemExit:\n"
        "            pass\n"
    )
    loaded = _loaded(code, tmp_path)
    assert [name for name in loaded if name in (*HEAVY, "pydantic", "asyncio")] == []


def test_queueing_jobs_does_without_the_bots_application(tmp_path: Path) -> None:
    code = (
        "import contextlib, io\n"
        "from bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['migrate']) == 0\n"
        "    assert main(['jobs', 'run', 'all', '--enqueue-only']) == 0\n"
    )
    loaded = _loaded(code, tmp_path)
    assert "bot.reminders.jobs" in loaded  # it did run the passes
    assert [name for name in loaded if name in ("bot.app", "handlers", "matplotlib", "openpyxl")] == []
    # Nor the Bot API's libraries: the outbox sender (and its HTTP client) is only for delivering.
    assert [name for name in loaded if name in ("telegram", "aiohttp", "httpx", "bot.messaging.sender")] == []


def test_the_light_tables_are_the_cores_own() -> None:
    """The parser reads plain names; they are the enum's values and the texts' languages."""
    assert all(ReminderKind(job.name) is job.kind for job in kinds.KINDS)
    assert all(ReminderKind(name) for job in kinds.KINDS for name in job.also_records)
    assert texts.LANGS is languages.LANGS and set(texts.LANGUAGES) == set(languages.LANGS)

"""A database file that cannot be used: every command says so in one line and exits, at once.

aiosqlite runs each connection on a non-daemon thread; a connection left open when opening
failed kept the process alive for ever, and `wishwall run` then ignored SIGTERM as well.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.event_loop import signal_handlers_restored
from storage.db import Database, DatabaseUnusable

ROOT = Path(__file__).resolve().parent.parent
# Generous against a loaded machine; a hang is what is being caught, and it never ends.
TIMEOUT = 15.0
# What "at once" means here: start-up of the interpreter and the imports included.
QUICKLY = 8.0


def _env(tmp_path: Path, db: Path, api_url: str = "http://127.0.0.1:9") -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "WISHWALL_DB": str(db),
        "WISHWALL_BOT_TOKEN": "123:abc",
        "WISHWALL_BOT_API_URL": api_url,
    }


def _wishwall(tmp_path: Path, db: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=_env(tmp_path, db),
        cwd=tmp_path,
        timeout=TIMEOUT,
    )
    return done, time.monotonic() - started


def _random_bytes(tmp_path: Path) -> Path:
    db = tmp_path / "wishwall.db"
    db.write_bytes(os.urandom(4096))
    return db


def _truncated(tmp_path: Path) -> Path:
    db = tmp_path / "wishwall.db"
    made, _ = _wishwall(tmp_path, db, "migrate")
    assert made.returncode == 0, made.stderr
    for leftover in (tmp_path / "wishwall.db-wal", tmp_path / "wishwall.db-shm"):
        leftover.unlink(missing_ok=True)
    whole = db.read_bytes()
    db.write_bytes(whole[: len(whole) // 2])
    return db


def _under_a_file(tmp_path: Path) -> Path:
    blocker = tmp_path / "data"
    blocker.write_text("not a folder\n")
    return blocker / "wishwall.db"


def _in_a_missing_folder_under_a_file(tmp_path: Path) -> Path:
    blocker = tmp_path / "data"
    blocker.write_text("not a folder\n")
    return blocker / "missing" / "wishwall.db"


def _assert_one_clear_line(done: subprocess.CompletedProcess[str], took: float, db: Path) -> str:
    assert done.returncode == 4, done.stderr
    assert took < QUICKLY, f"took {took:.1f} s"
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("wishwall: ") and str(db) in lines[0]
    return lines[0]


@pytest.mark.parametrize("command", ["migrate", "run"])
def test_random_bytes_are_refused_in_one_line(tmp_path: Path, command: str) -> None:
    db = _random_bytes(tmp_path)
    done, took = _wishwall(tmp_path, db, command)
    line = _assert_one_clear_line(done, took, db)
    assert line == (
        f"wishwall: {db} is not a usable SQLite database (file is not a database). "
        "Restore it from a backup (see README) or move it aside to start empty."
    )


@pytest.mark.parametrize("command", ["migrate", "run"])
def test_a_truncated_database_is_refused_in_one_line(tmp_path: Path, command: str) -> None:
    db = _truncated(tmp_path)
    done, took = _wishwall(tmp_path, db, command)
    line = _assert_one_clear_line(done, took, db)
    assert "is not a usable SQLite database (database disk image is malformed)" in line
    assert "Restore it from a backup" in line


@pytest.mark.parametrize("command", ["migrate", "run"])
@pytest.mark.parametrize("where", [_under_a_file, _in_a_missing_folder_under_a_file])
def test_a_path_that_cannot_be_a_file_is_refused_in_one_line(
    tmp_path: Path, command: str, where: object
) -> None:
    assert callable(where)
    db: Path = where(tmp_path)
    done, took = _wishwall(tmp_path, db, command)
    line = _assert_one_clear_line(done, took, db)
    assert f"({tmp_path / 'data'} is a file, not a folder)" in line
    assert "Check WISHWALL_DB" in line


def test_a_folder_given_as_the_database_is_refused_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "db-folder"
    db.mkdir()
    done, took = _wishwall(tmp_path, db, "migrate")
    assert "(it is a folder, not a file)" in _assert_one_clear_line(done, took, db)


@pytest.mark.parametrize(
    "command",
    [
        ("community", "list"),
        ("coordinator", "add", "x", "1"),
        ("jobs", "run", "all", "--enqueue-only"),
        ("jobs", "run", "all"),
        ("retention", "run"),
        ("export", "--community", "x", "--out", "claims.csv"),
    ],
    ids=" ".join,
)
def test_every_command_that_opens_the_database_refuses_it_in_one_line(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    db = _random_bytes(tmp_path)
    done, took = _wishwall(tmp_path, db, *command)
    assert "not a usable SQLite database" in _assert_one_clear_line(done, took, db)


def _aiosqlite_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "_connection_worker_thread" in t.name}


def _threads_left(before: set[threading.Thread]) -> set[threading.Thread]:
    """Threads started since `before` that are still running, after a moment to finish in."""
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=2.0)
    return {t for t in set(threading.enumerate()) - before if t.is_alive()}


@pytest.mark.parametrize("content", [b"", b"hello\n"], ids=["random", "text"])
async def test_open_on_garbage_raises_and_leaves_no_thread_running(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(content or os.urandom(4096))
    before = set(threading.enumerate())
    db = Database(path)
    with pytest.raises(DatabaseUnusable) as raised:
        await db.open()
    assert raised.value.path == str(path)
    assert raised.value.reason == "file is not a database"
    assert raised.value.kind == "damaged"
    assert isinstance(raised.value.__cause__, sqlite3.DatabaseError)
    assert _threads_left(before) == set()
    await db.close()  # harmless after a failed open


def _corrupt() -> sqlite3.DatabaseError:
    """The error SQLite raises for a damaged page, as the sqlite3 module builds it."""
    error = sqlite3.DatabaseError("database disk image is malformed")
    error.sqlite_errorcode = sqlite3.SQLITE_CORRUPT
    error.sqlite_errorname = "SQLITE_CORRUPT"
    return error


async def test_a_connection_whose_first_query_failed_is_closed_with_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file passes the check and then goes bad (a failing disk): the reader's first query
    fails; it is closed all the same, and so is the writer opened before it."""
    before = set(threading.enumerate())
    seen: list[aiosqlite.Connection] = []
    real_execute = aiosqlite.Connection.execute

    def failing_on_the_second(self: aiosqlite.Connection, sql: str, *args: Any) -> Any:
        if self not in seen:
            seen.append(self)
        if len(seen) == 2:
            raise _corrupt()
        return real_execute(self, sql, *args)

    monkeypatch.setattr(aiosqlite.Connection, "execute", failing_on_the_second)
    with pytest.raises(DatabaseUnusable) as raised:
        await Database(tmp_path / "ok.db").open()
    assert raised.value.kind == "damaged"
    assert len(seen) == 2
    assert _threads_left(before) == set()


async def test_a_bug_in_a_migration_is_not_called_damage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = set(threading.enumerate())

    async def broken(self: Database, conn: object) -> None:
        raise sqlite3.OperationalError("no such column: nonsense")

    monkeypatch.setattr(Database, "_migrate", broken)
    with pytest.raises(sqlite3.OperationalError):
        await Database(tmp_path / "ok.db").open()
    assert _threads_left(before) == set()


async def test_close_stops_an_open_that_was_abandoned_half_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a stop signal during start-up does: PTB leaves initialize() pending (and with it
    open()), then shuts the application down, which closes the database."""
    migrating = asyncio.Event()

    async def slow_migration(self: Database, conn: object) -> None:
        migrating.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(Database, "_migrate", slow_migration)
    before = set(threading.enumerate())
    db = Database(tmp_path / "ok.db")
    pending = asyncio.ensure_future(db.open())
    await asyncio.wait_for(migrating.wait(), 5)
    assert _aiosqlite_threads()
    await asyncio.wait_for(db.close(), 5)
    assert _threads_left(before) == set()
    with pytest.raises(asyncio.CancelledError):
        await pending


async def test_a_cancelled_open_closes_its_connections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrating = asyncio.Event()

    async def slow_migration(self: Database, conn: object) -> None:
        migrating.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(Database, "_migrate", slow_migration)
    before = set(threading.enumerate())
    pending = asyncio.ensure_future(Database(tmp_path / "ok.db").open())
    await asyncio.wait_for(migrating.wait(), 5)
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    assert _threads_left(before) == set()


def test_the_stop_signals_work_again_after_an_event_loop_closed() -> None:
    """uvloop leaves its handlers behind when it closes: SIGTERM went nowhere afterwards."""
    uvloop = pytest.importorskip("uvloop")
    before = signal.getsignal(signal.SIGTERM)
    with signal_handlers_restored():
        loop = uvloop.new_event_loop()
        loop.add_signal_handler(signal.SIGTERM, lambda: None)
        loop.close()
    assert signal.getsignal(signal.SIGTERM) == before


@pytest.fixture
def silent_api() -> Iterator[str]:
    """A Bot API that accepts connections and never answers: start-up waits on it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in accepted:
            conn.close()
        server.close()


def _stopped_by_sigterm(tmp_path: Path, db: Path, api_url: str, after: float) -> tuple[int, float, str]:
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path, db, api_url),
        cwd=tmp_path,
    )
    try:
        time.sleep(after)
        assert bot.poll() is None, bot.communicate()[1]
        sent = time.monotonic()
        bot.send_signal(signal.SIGTERM)
        _, stderr = bot.communicate(timeout=TIMEOUT)
        return bot.returncode, time.monotonic() - sent, stderr
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()


def test_sigterm_stops_a_start_up_that_waits_for_the_api(tmp_path: Path, silent_api: str) -> None:
    code, took, stderr = _stopped_by_sigterm(tmp_path, tmp_path / "ok.db", silent_api, after=3.0)
    assert took < 3.0, f"took {took:.1f} s"
    assert code in (0, -signal.SIGTERM)
    assert "Traceback" not in stderr
    assert "Unclosed client session" not in stderr


def test_sigterm_stops_a_start_up_that_waits_for_a_locked_database(tmp_path: Path) -> None:
    db = tmp_path / "locked.db"
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("PRAGMA journal_mode=WAL")
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("CREATE TABLE held (x)")
        # The busy timeout is ten seconds; the signal comes well inside it.
        code, took, stderr = _stopped_by_sigterm(tmp_path, db, "http://127.0.0.1:9", after=3.0)
    finally:
        holder.close()
    assert took < 3.0, f"took {took:.1f} s"
    assert code in (0, -signal.SIGTERM)
    assert "Traceback" not in stderr

"""The write-ahead log is copied back by a thread beside the writer, never in the writer's
commits (storage/checkpoints.py)."""

from __future__ import annotations

import contextlib
import io
import pickle
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import storage.writer_process as writer_process
from storage.checkpoints import NO_AUTOMATIC_CHECKPOINTS, Checkpointer
from storage.unit_sql import Unit, connect
from storage.writer_process import frame, read_frame

ROW = b"x" * 3000  # about one page each
ROWS = 1500  # well past the 1,000 pages at which SQLite would checkpoint in a COMMIT


def _database(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)")
    finally:
        conn.close()  # the last connection: the table is copied back and the log removed


def _fill(conn: sqlite3.Connection, rows: int, after_each: Callable[[], None] | None = None) -> None:
    for _ in range(rows):
        conn.execute("INSERT INTO blobs (data) VALUES (?)", (ROW,))
        if after_each is not None:
            after_each()


def _copied_back(path: Path) -> int:
    """Bytes of the database file proper (what checkpoints have copied there)."""
    return path.stat().st_size


def _wait_until(condition: Callable[[], bool], within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@contextlib.contextmanager
def _writer_beside_the_thread(tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection, Checkpointer]]:
    """A database, a writer connection set as the writer process's is, and the thread."""
    path = tmp_path / "c.db"
    _database(path)
    writer = connect(str(path), NO_AUTOMATIC_CHECKPOINTS)
    checkpoints = Checkpointer(str(path), gather_seconds=0.01)
    checkpoints.start()
    try:
        yield path, writer, checkpoints
    finally:
        checkpoints.stop()
        writer.close()


def test_writes_are_copied_back_by_the_thread_soon_after_they_come(tmp_path: Path) -> None:
    with _writer_beside_the_thread(tmp_path) as (path, writer, checkpoints):
        before = _copied_back(path)
        _fill(writer, ROWS, checkpoints.wrote)
        assert _wait_until(lambda: _copied_back(path) >= before + ROWS * len(ROW))
        assert checkpoints.made >= 1
    assert writer_rows(path) == ROWS


def writer_rows(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        (count,) = conn.execute("SELECT COUNT(*) FROM blobs").fetchone()
    finally:
        conn.close()
    return int(count)


def test_without_writes_the_thread_makes_no_checkpoint(tmp_path: Path) -> None:
    with _writer_beside_the_thread(tmp_path) as (path, writer, checkpoints):
        before = _copied_back(path)
        _fill(writer, ROWS)  # nobody said "wrote"
        time.sleep(0.3)
        assert checkpoints.made == 0
        # ...and the writer's own commits copied nothing back either: it all waits in the log.
        assert _copied_back(path) == before
    assert _copied_back(path) >= before + ROWS * len(ROW)  # the last connection's close did


def test_stop_ends_the_thread_even_when_idle(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    _database(path)
    checkpoints = Checkpointer(str(path))
    checkpoints.start()
    started = time.monotonic()
    checkpoints.stop()
    assert time.monotonic() - started < 2


def test_a_checkpoint_that_fails_is_logged_and_the_next_write_tries_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "c.db"
    _database(path)
    failing = True

    class Flaky(Checkpointer):
        def _checkpoint(self, conn: sqlite3.Connection) -> None:
            nonlocal failing
            if failing:
                failing = False
                conn = sqlite3.connect(":memory:")
                conn.close()  # a closed connection: the pragma raises sqlite3.ProgrammingError
            super()._checkpoint(conn)

    checkpoints = Flaky(str(path), gather_seconds=0.01)
    checkpoints.start()
    try:
        checkpoints.wrote()
        assert _wait_until(lambda: "checkpoint failed" in caplog.text)
        checkpoints.wrote()
        assert _wait_until(lambda: checkpoints.made == 1)
    finally:
        checkpoints.stop()


def test_the_writer_process_commits_without_checkpointing_and_tells_the_thread_after_each_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.db"
    _database(path)
    before = _copied_back(path)
    seen: dict[str, object] = {}

    class Watching:
        """Stands in for the thread: counts the batches, copies nothing."""

        def __init__(self, _path: str) -> None:
            self.wrote_after = 0

        def start(self) -> None:
            pass

        def wrote(self) -> None:
            self.wrote_after += 1

        def stop(self) -> None:
            # Still before the writer's connection closes (which makes SQLite's last checkpoint).
            seen["copied back by then"] = _copied_back(path) - before
            seen["batches told"] = self.wrote_after

    monkeypatch.setattr(writer_process, "Checkpointer", Watching)
    batches = [
        [Unit.of([("INSERT INTO blobs (data) VALUES (?)", (ROW,))]) for _ in range(10)]
        for _ in range(ROWS // 10)
    ]
    incoming = io.BytesIO(b"".join(frame(pickle.dumps(batch)) for batch in batches))
    outgoing = io.BytesIO()
    writer_process.serve(str(path), incoming, outgoing)

    assert seen == {"copied back by then": 0, "batches told": len(batches)}
    replies = io.BytesIO(outgoing.getvalue())
    outcomes = [pickle.loads(payload) for payload in iter(lambda: read_frame(replies), None)]
    assert outcomes == [[1] * 10] * len(batches)
    assert writer_rows(path) == ROWS

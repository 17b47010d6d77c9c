"""Checkpoints of the write-ahead log, made beside the writer instead of inside its commits.

SQLite copies the log back into the database file (a checkpoint, with an fsync) in the COMMIT
that takes the log past 1,000 pages. The writer process commits every claim, so under a steady
100 taps/s one claim in ~25 waited ~10 ms more for that copy: every 0.25 s one tap's answer
came ~15 ms late, which alone made the p99 at 100 taps/s (bench/, scenario 2: p50 4 ms, p99
16-37 ms, the late taps one checkpoint apart; three runs each way, 36/37/31 ms before and
26/16/9 ms after). So the writer's connection makes none, and a thread of its process makes
them on a connection of its own, a moment after writes came, while the writer goes on: a
PASSIVE checkpoint waits for no reader or writer, and SQLite starts the log from its beginning
again at the next write once all of it is copied, so it stays small.

Other connections keep SQLite's automatic checkpoint as a safety net: one that writes while
this thread keeps up finds nothing left to copy, which costs nothing.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

from storage.unit_sql import connect

log = logging.getLogger(__name__)

# Turns the writer's automatic checkpoints off (on its connection only).
NO_AUTOMATIC_CHECKPOINTS = "PRAGMA wal_autocheckpoint=0"
# Shortest time between two checkpoints: writes that come meanwhile are copied together, one
# fsync for all, and the log stays at a few hundred pages under a storm.
GATHER_SECONDS = 0.2


class Checkpointer:
    """A daemon thread that checkpoints the database's log after writes (see `wrote`)."""

    def __init__(self, path: str, *, gather_seconds: float = GATHER_SECONDS) -> None:
        self._path = path
        self._gather = gather_seconds
        self._written = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoints", daemon=True)
        self.made = 0  # checkpoints run without an error (for tests)

    def start(self) -> None:
        self._thread.start()

    def wrote(self) -> None:
        """The writer committed: a checkpoint is due within `gather_seconds`."""
        self._written.set()

    def stop(self) -> None:
        """The last checkpoint is the writer's own: SQLite makes one when the last connection
        to the database closes."""
        self._stopping.set()
        self._written.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            conn = connect(self._path)
        except sqlite3.Error:
            # Without this thread the log grows until the writer closes; the writer goes on.
            log.exception("no checkpoint thread: the log is copied back when the writer closes")
            return
        try:
            while True:
                self._written.wait()  # an idle bot makes no checkpoints and no wake-ups
                if self._stopping.is_set():
                    return
                self._written.clear()
                self._checkpoint(conn)
                if self._stopping.wait(self._gather):
                    return
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:
            # A disk error now may be gone at the next write; the log only grows meanwhile.
            log.warning("checkpoint failed: %s", exc)
        else:
            self.made += 1

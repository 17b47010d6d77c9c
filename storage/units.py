"""Units: whole write transactions done in one trip, and the gate between them and transaction().

A transaction through aiosqlite takes one trip to its thread per statement, each waiting two
turns of the event loop (bench/, scenario 2: a claim held the write lock ~5 ms). A unit is a
plain function doing the whole transaction on a sqlite3 connection of its own thread, in one
trip: a claim's conditional write, event and outbox rows; an outbox row leased or closed. It
must only run SQL, and little of it (a handful of statements by key).

The one writer thread runs the units one after another, in the order they came. No asyncio
lock is held around them: the one they took before was held ~2.2 ms per claim under load for
0.25 ms of SQL, most of it waiting for a busy loop's turn to hand it on. A `transaction()` of
`Database` takes `exclusive()`: it waits for the units handed over already and keeps new ones
back until it ends, so the two kinds never meet in SQLite's lock.

Tried and dropped: running units in the event loop's own thread when nothing else writes (no
hop at all). The loop is what limits the bot under load, and the SQL (with its COMMIT) then ran
there instead of beside it on the other core: no better in updates/s or CPU per update (bench/,
scenario 2, seven runs each).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class Units:
    """The writer thread that runs units, and the count of those handed to it."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._thread: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None  # the writer thread's
        self._session_over = asyncio.Event()  # not set while a transaction() is open
        self._session_over.set()
        self._running = 0  # units handed to the writer thread and not finished
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def available(self) -> bool:
        return self._conn is not None

    async def open(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wishwall-writer")
        self._conn = await asyncio.get_running_loop().run_in_executor(self._thread, self._connect)

    def close_into(self, steps: contextlib.AsyncExitStack) -> None:
        """Add the clean-up to `steps`: every piece is closed even when one fails."""
        thread, conn = self._thread, self._conn
        self._thread = self._conn = None
        if thread is not None:
            steps.callback(thread.shutdown, wait=True)
            if conn is not None:
                loop = asyncio.get_running_loop()
                steps.push_async_callback(loop.run_in_executor, thread, conn.close)

    async def run(self, unit: Callable[[sqlite3.Connection], T]) -> T:
        """Run `unit` as one transaction; its exception rolls it back and reaches the caller.

        A caller cancelled meanwhile gets its CancelledError at once; the unit still runs to
        its end (committed or rolled back), and no transaction() starts until it has.
        """
        if self._thread is None or self._conn is None:
            raise RuntimeError("units need a database file (not :memory:) and an open database")
        while not self._session_over.is_set():
            await self._session_over.wait()
        self._running += 1
        self._idle.clear()
        running = asyncio.get_running_loop().run_in_executor(self._thread, _in_transaction, self._conn, unit)
        running.add_done_callback(self._ended)
        return await asyncio.shield(running)

    def _ended(self, running: asyncio.Future[Any]) -> None:
        _quietly(running)
        self._running -= 1
        if self._running == 0:
            self._idle.set()

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """For a transaction() of the other writer: units handed over first, none meanwhile."""
        self._session_over.clear()
        try:
            while self._running:
                await self._idle.wait()
            yield
        finally:
            self._session_over.set()


def _in_transaction(conn: sqlite3.Connection, unit: Callable[[sqlite3.Connection], T]) -> T:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = unit(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _quietly(done: asyncio.Future[Any]) -> None:
    """A result nobody waits for: retrieved, so asyncio does not log it as never retrieved."""
    if not done.cancelled():
        done.exception()

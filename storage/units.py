"""Units: whole write transactions done in one trip, and the gate between them and transaction().

A transaction through aiosqlite takes one trip to its thread per statement, each waiting two
turns of the event loop (bench/, scenario 2: a claim held the write lock ~5 ms). A unit is a
plain function doing the whole transaction on a sqlite3 connection of its own thread, in one
trip: a claim's conditional write, event and outbox rows; an outbox row leased or closed. It
must only run SQL, and little of it (a handful of statements by key).

The one writer thread runs the units one after another, in the order they came; those that
arrive while it is busy go together in one transaction next (group commit, `_run_batch`), and
rows nothing in the transaction reads (events, outbox items) wait for its end to go in a few
statements (`UnitConnection.insert_later`). Under a storm each statement and each COMMIT cost
the writer the GIL back from the busy event loop: with both, scenario 2's saturated rate went
from 650-700 to 976-1,240 updates/s, interleaved with the code before. No asyncio
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
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


# An INSERT whose rows may be gathered: "INSERT INTO t (a, b) VALUES (?, ?)", nothing after.
_GATHERABLE = re.compile(r"^(INSERT INTO .+ VALUES) (\((?:\?, )*\?\))$", re.DOTALL)
# Rows per gathered statement: well under SQLite's limit on parameters (32,766).
_ROWS_PER_INSERT = 256


class UnitConnection(sqlite3.Connection):
    """The writer's connection, which units get: rows they append with `insert_later` go into
    the database at the end of their transaction, those of a whole batch in a few statements.

    For rows nothing in the same transaction reads (events, outbox items): each statement
    costs the writer thread the GIL back from a busy event loop, and a claim's event and
    messages were four of its six (bench/, scenario 2).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._later: dict[str, list[Sequence[Any]]] = {}

    def insert_later(self, insert: str, rows: Iterable[Sequence[Any]]) -> None:
        if not _GATHERABLE.match(insert):
            raise ValueError(f"not an INSERT whose rows can be gathered: {insert!r}")
        self._later.setdefault(insert, []).extend(rows)

    def flush_later(self) -> None:
        """Insert what was left for later, in the order it was given per statement."""
        later, self._later = self._later, {}
        for insert, rows in later.items():
            match = _GATHERABLE.match(insert)
            assert match is not None
            head, group = match.groups()
            for start in range(0, len(rows), _ROWS_PER_INSERT):
                chunk = rows[start : start + _ROWS_PER_INSERT]
                params = [value for row in chunk for value in row]
                self.execute(f"{head} {', '.join([group] * len(chunk))}", params)

    def drop_later(self) -> None:
        self._later = {}


def run_and_flush(unit: Callable[[UnitConnection], T], conn: UnitConnection) -> T:
    """`unit`, then what it left for later: the whole unit, for a caller holding the transaction."""
    try:
        result = unit(conn)
        conn.flush_later()
    except BaseException:
        conn.drop_later()
        raise
    return result


class Units:
    """The writer thread that runs units, and the count of those handed to it."""

    def __init__(self, connect: Callable[[], UnitConnection]) -> None:
        self._connect = connect
        self._thread: ThreadPoolExecutor | None = None
        self._conn: UnitConnection | None = None  # the writer thread's
        self._session_over = asyncio.Event()  # not set while a transaction() is open
        self._session_over.set()
        self._running = 0  # units handed to the writer thread and not finished
        self._idle = asyncio.Event()
        self._idle.set()
        # Units waiting for the batch in the writer thread to end; they go together next.
        self._waiting: list[tuple[Callable[[UnitConnection], Any], asyncio.Future[Any]]] = []
        self._batch_running = False

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

    async def run(self, unit: Callable[[UnitConnection], T]) -> T:
        """Run `unit` as one transaction; its exception rolls it back and reaches the caller.

        Units that arrive while a batch runs wait for it and then go together, in the order
        they came, in one transaction (group commit, see `_run_batch`): what each sees and
        writes is what it would alone, and none sees another's rows half written.

        A caller cancelled meanwhile gets its CancelledError at once; the unit still runs to
        its end (committed or rolled back), and no transaction() starts until it has.
        """
        if self._thread is None or self._conn is None:
            raise RuntimeError("units need a database file (not :memory:) and an open database")
        while not self._session_over.is_set():
            await self._session_over.wait()
        self._running += 1
        self._idle.clear()
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((unit, done))
        if not self._batch_running:
            self._next_batch()
        return await asyncio.shield(done)

    def _next_batch(self) -> None:
        assert self._thread is not None and self._conn is not None
        batch, self._waiting = self._waiting, []
        self._batch_running = True
        running = asyncio.get_running_loop().run_in_executor(
            self._thread, _run_batch, self._conn, [unit for unit, _ in batch]
        )
        running.add_done_callback(lambda ran: self._ended(batch, ran))

    def _ended(
        self,
        batch: list[tuple[Callable[[UnitConnection], Any], asyncio.Future[Any]]],
        ran: asyncio.Future[list[Outcome]],
    ) -> None:
        self._batch_running = False
        error = None if ran.cancelled() else ran.exception()
        outcomes = ran.result() if error is None and not ran.cancelled() else None
        for n, (_, done) in enumerate(batch):
            if done.cancelled():
                continue
            if outcomes is None:
                done.set_exception(error or RuntimeError("the writer thread stopped"))
            elif isinstance(outcomes[n], _Failed):
                done.set_exception(outcomes[n].error)
            else:
                done.set_result(outcomes[n])
            _quietly(done)
        self._running -= len(batch)
        if self._waiting:
            self._next_batch()
        elif self._running == 0:
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


class _Failed:
    """A unit's exception, carried back from the writer thread beside the others' results."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


Outcome = Any  # a unit's result, or _Failed


def _run_batch(conn: UnitConnection, units: list[Callable[[UnitConnection], Any]]) -> list[Outcome]:
    """The units in one transaction, one COMMIT for all: under a storm the writer thread's time
    went on BEGIN and COMMIT, and on taking the GIL back from the busy event loop after each
    statement (bench/, scenario 2: ~200 claims queued behind it). If one raises, the batch is
    rolled back and each unit runs again alone, so only that one fails. Units are plain SQL on
    this connection, so running one again does exactly what it would have done the first time.
    """
    if len(units) == 1:
        return [_alone(conn, units[0])]
    conn.execute("BEGIN IMMEDIATE")
    try:
        results = [unit(conn) for unit in units]
        conn.flush_later()
        conn.execute("COMMIT")
    except Exception:
        conn.drop_later()
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return [_alone(conn, unit) for unit in units]
    return results


def _alone(conn: UnitConnection, unit: Callable[[UnitConnection], Any]) -> Outcome:
    try:
        return _in_transaction(conn, unit)
    except Exception as error:
        return _Failed(error)


def _in_transaction(conn: UnitConnection, unit: Callable[[UnitConnection], T]) -> T:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = run_and_flush(unit, conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _quietly(done: asyncio.Future[Any]) -> None:
    """A result nobody waits for: retrieved, so asyncio does not log it as never retrieved."""
    if not done.cancelled():
        done.exception()

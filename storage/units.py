"""Units: whole write transactions done in one trip, and the gate between them and transaction().

A transaction through aiosqlite takes one trip to its thread per statement, each waiting two
turns of the event loop (bench/, scenario 2: a claim held the write lock ~5 ms). A unit is a few
statements said as data (storage/unit_sql.py: a claim's conditional write, its holder, event
and outbox rows; an outbox row leased or closed), run whole in one trip.

They run in a process of their own (storage/writer_process.py), one batch at a time, in the
order they came; those that arrive while a batch runs go together in one transaction next
(group commit). In a thread of the bot's process, each statement and each COMMIT cost the
writer the GIL back from the busy event loop: under a storm a batch of ~80 claims took ~75 ms
for ~30 ms of SQLite (bench/, scenario 2), the writer was the limit and claims waited ~180 ms
for it. No asyncio lock is held around units. A `transaction()` of `Database` takes
`exclusive()`: it waits for the units handed over already and keeps new ones back until it
ends, so the two kinds never meet in SQLite's lock.

The process is started with the database and stopped with it (its stdin closed); if it dies,
the batch it held fails and the next one starts a new process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

from storage.piped_child import PipedChild
from storage.unit_sql import Failed, Outcome, Unit

log = logging.getLogger(__name__)


@dataclass
class WriterStats:
    """What the writer process has done since the database opened (for /metrics)."""

    batches: int = 0  # each one transaction: units that came together (group commit)
    units: int = 0
    restarts: int = 0  # processes started again after one ended (died or was killed)


class WriterStopped(RuntimeError):
    """The writer process ended while it held units: they may or may not have been written."""


class Units:
    """The writer process that runs units, and the count of those handed to it."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._process: PipedChild | None = None
        self._open = False
        self._session_over = asyncio.Event()  # not set while a transaction() is open
        self._session_over.set()
        self._running = 0  # units handed over and not finished
        self._idle = asyncio.Event()
        self._idle.set()
        # Units waiting for the batch in the writer to end; they go together next.
        self._waiting: list[tuple[Unit, asyncio.Future[int]]] = []
        self._batch: asyncio.Task[None] | None = None
        self.stats = WriterStats()

    @property
    def available(self) -> bool:
        return self._open

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.running else None

    async def open(self) -> None:
        self._process = await PipedChild.start(_command(self._path))
        self._open = True

    async def close(self) -> None:
        """Units handed over finish first; then the process ends (its stdin closed)."""
        self._open = False
        # A batch that ends starts the next one from units already waiting: wait for them all,
        # or the last would start a process nobody stops.
        while self._batch is not None:
            await asyncio.wait({self._batch})
        process, self._process = self._process, None
        if process is not None:
            await process.stop()

    async def run(self, unit: Unit) -> int:
        """Run `unit` as one transaction; its error rolls it back and reaches the caller.

        Units that arrive while a batch runs wait for it and then go together, in the order
        they came, in one transaction (group commit, storage/unit_sql.py `run_batch`): what
        each sees and writes is what it would alone, and none sees another's rows half written.

        A caller cancelled meanwhile gets its CancelledError at once; the unit still runs to
        its end (committed or rolled back), and no transaction() starts until it has.
        """
        if not self._open:
            raise RuntimeError("units need a database file (not :memory:) and an open database")
        while not self._session_over.is_set():
            await self._session_over.wait()
        self._running += 1
        self._idle.clear()
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append((unit, done))
        if self._batch is None:
            self._next_batch()
        return await asyncio.shield(done)

    def _next_batch(self) -> None:
        batch, self._waiting = self._waiting, []
        self._batch = asyncio.get_running_loop().create_task(self._send(batch))

    async def _send(self, batch: list[tuple[Unit, asyncio.Future[int]]]) -> None:
        outcomes: list[Outcome] | None = None
        error: BaseException | None = None
        try:
            outcomes = await self._exchange([unit for unit, _ in batch])
            self.stats.batches += 1
            self.stats.units += len(batch)
        except Exception as exc:  # the process died or could not start: this batch fails
            error = exc
        finally:
            self._ended(batch, outcomes, error)

    async def _exchange(self, units: list[Unit]) -> list[Outcome]:
        process = self._process
        if process is None or not process.running:
            if process is not None:
                await process.stop()  # died between batches: reaped, and its pipes let go
            process = self._process = await PipedChild.start(_command(self._path))
            self.stats.restarts += 1
        try:
            # One batch there and its outcomes back. One at a time: the pipe is empty meanwhile.
            process.send(pickle.dumps(units, protocol=pickle.HIGHEST_PROTOCOL))
            outcomes: list[Outcome] = pickle.loads(await process.receive())
            return outcomes
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            self._process = None
            code = await process.stop()
            log.error("the database's writer process ended (exit code %s); starting another", code)
            raise WriterStopped(f"the writer process ended (exit code {code})") from exc

    def _ended(
        self,
        batch: list[tuple[Unit, asyncio.Future[int]]],
        outcomes: list[Outcome] | None,
        error: BaseException | None,
    ) -> None:
        self._batch = None
        for n, (_, done) in enumerate(batch):
            if done.cancelled():
                continue
            if outcomes is None:
                done.set_exception(error or WriterStopped("the writer process ended"))
            elif isinstance(outcome := outcomes[n], Failed):
                done.set_exception(outcome.error())
            else:
                done.set_result(outcome)
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


def _command(path: str) -> list[str]:
    # The interpreter running the bot; the file's full path, as the child may resolve it elsewhere.
    return [sys.executable, "-m", "storage.writer_process", os.path.abspath(path)]


def _quietly(done: asyncio.Future[int]) -> None:
    """A result nobody waits for: retrieved, so asyncio does not log it as never retrieved."""
    if not done.cancelled():
        done.exception()

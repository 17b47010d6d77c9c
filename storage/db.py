"""Connections, pragmas, migrations and transactions."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import re
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

import aiosqlite

from storage.quick import Fetcher, QuickReader
from storage.unit_sql import PRAGMAS, Unit, connect, run_in_transaction
from storage.units import Units, WriterStats

T = TypeVar("T")

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

# SQLite's primary result codes (the low byte of an extended code), by what they mean for the file.
_DAMAGED_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_UNREACHABLE_CODES = frozenset(
    {
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_AUTH,
    }
)
_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})

UnusableKind = Literal["damaged", "unreachable", "busy"]


class DatabaseUnusable(Exception):
    """The file cannot serve as the database; raised by `Database.open` once all it started is closed.

    kind: "damaged" (not SQLite, or corrupt: only a backup or a fresh file helps), "unreachable"
    (cannot be created, read or written: a path or permission problem) or "busy" (another
    connection held a lock past the busy timeout).
    """

    def __init__(self, path: str, reason: str, kind: UnusableKind) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.kind: UnusableKind = kind


@functools.lru_cache(maxsize=64)
def utc_text(when: datetime) -> str:
    """Timestamps are stored as sortable UTC ISO text so SQL comparisons work.

    Remembered for the last few instants: a claim writes its one `now` several times over (the
    wish, its holder, its event, its messages), and each formatting took microseconds."""
    # isoformat, not strftime: strftime was ~2% of the event loop's time under a storm (bench/,
    # scenario 2). Same text: "+00:00" becomes "Z".
    return when.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def row_dict(row: sqlite3.Row) -> dict[str, Any]:
    """What dict(row) gives, for a fifth of its time: dict() looks each name up in the row, a
    search through every column's name (for a wish's 32 columns, on every tap of a storm). As
    with dict(row), where a name repeats the first column's value is the one kept."""
    return dict(zip(reversed(row.keys()), reversed(tuple(row)), strict=True))


def parse_utc(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def fetch_one(conn: Fetcher, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
    """One row in one trip to the connection's thread.

    ``async with conn.execute(...) as cur: await cur.fetchone()`` takes three trips (execute,
    fetch, close), each a hand-off between threads and a turn of the event loop. On the busy
    paths (a claim, the sender) that tripled the time a transaction held the write lock under
    load (bench/, scenario 2). For queries that return a handful of rows.
    """
    rows = await conn.execute_fetchall(sql, params)
    return next(iter(rows), None)


async def fetch_all(conn: Fetcher, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
    """All rows in one trip (see fetch_one); not for results too big to hold at once."""
    return list(await conn.execute_fetchall(sql, params))


def latest_migration() -> int:
    """The schema version this code brings a database to."""
    return len(migrations())


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every numbered file, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migration numbers must run 1..n without gaps, got {versions}")
    return found


class Database:
    """One reader connection, a quick in-loop reader, and writers that never run side by side.

    aiosqlite runs each connection on its own thread; two coroutines interleaving statements on
    one connection would share a transaction, so a `transaction()` has the writers to itself
    from BEGIN to COMMIT. Reads use other connections so they never see another coroutine's
    uncommitted writes (WAL gives them a consistent snapshot): `quick` for small reads by key,
    in the event loop's own thread (see QuickReader), `reader` for everything bigger.

    The hot changes run as units instead (`run_unit`, storage/units.py): a plain function doing
    the whole transaction in one go. A `transaction()` waits for the units handed over already
    and keeps new ones back until it ends, so the two kinds never meet in SQLite's lock.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._quick: QuickReader | None = None
        self._quick_conn: sqlite3.Connection | None = None
        self._session_lock = asyncio.Lock()  # one transaction() at a time
        self._units = Units(self.path)
        self._opening: asyncio.Future[None] | None = None

    async def open(self) -> None:
        """Check the file, connect and migrate.

        Raises DatabaseUnusable when the file cannot be this database. Whatever way it fails (or
        is cancelled), every connection it made is closed first: each aiosqlite connection runs a
        non-daemon thread, and one left open keeps the process from ever exiting.
        """
        # A task of its own, so that close() can stop an open() whose caller was abandoned (PTB
        # leaves initialize() pending when a stop signal arrives) and wait for its clean-up.
        opening = asyncio.ensure_future(self._open())
        self._opening = opening
        try:
            await opening
        finally:
            if self._opening is opening:
                self._opening = None

    async def _open(self) -> None:
        try:
            if self.path != ":memory:":
                # Damage shows here, before any aiosqlite thread exists. Cut off half-way the
                # check leaves nothing wrong behind, so a stop signal need not wait for it.
                await _in_daemon_thread(self._check_file)
            self._writer = await self._connect()
            await self._migrate(self._writer)
            self._reader = await self._connect() if self.path != ":memory:" else self._writer
            if self.path != ":memory:":  # a second connection to :memory: would be another database
                await self._units.open()
                # Made here, in the event loop's thread: the only thread sqlite3 lets use it.
                self._quick_conn = self._connect_sync(query_only=True)
                self._quick = QuickReader(self._quick_conn)
        except BaseException as exc:
            await self._close_connections()
            unusable = _as_unusable(self.path, exc)
            if unusable is not None and unusable is not exc:
                raise unusable from exc
            raise

    def _check_file(self) -> None:
        """Create the folder if needed and read the header, the schema and each table's first
        page: a file that is not SQLite, is truncated or has lost its schema fails here."""
        path = Path(self.path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            blocker = next((p for p in (path.parent, *path.parent.parents) if p.exists()), None)
            if blocker is not None and not blocker.is_dir():
                reason = f"{blocker} is a file, not a folder"
            else:
                reason = f"cannot create the folder {path.parent}: {exc.strerror or exc}"
            raise DatabaseUnusable(self.path, reason, "unreachable") from exc
        if path.is_dir():
            raise DatabaseUnusable(self.path, "it is a folder, not a file", "unreachable")
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA schema_version").fetchall()
            tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            for (name,) in tables:
                conn.execute(f'SELECT 1 FROM "{name.replace(chr(34), chr(34) * 2)}" LIMIT 1').fetchall()
        finally:
            conn.close()

    async def close(self) -> None:
        opening = self._opening
        if opening is not None and not opening.done():
            opening.cancel()
            await asyncio.wait({opening})  # its own clean-up closes what it had opened
            if not opening.cancelled():
                opening.exception()  # nobody else will look at it now: keep asyncio from logging it
        await self._close_connections()

    async def _close_connections(self) -> None:
        connections = {id(c): c for c in (self._reader, self._writer) if c is not None}.values()
        self._reader = self._writer = None
        quick, self._quick_conn, self._quick = self._quick_conn, None, None
        # An exit stack runs every step even when one fails, so no thread is left behind.
        async with contextlib.AsyncExitStack() as steps:
            if quick is not None:
                steps.callback(quick.close)
            steps.push_async_callback(self._units.close)
            for conn in connections:
                steps.push_async_callback(conn.close)

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, the module must not.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            for pragma in PRAGMAS:
                await conn.execute(pragma)
        except BaseException:
            await conn.close()  # the caller never sees this connection, so nobody else would
            raise
        return conn

    def _connect_sync(self, *, query_only: bool = False) -> sqlite3.Connection:
        conn = connect(self.path, *(["PRAGMA query_only=ON"] if query_only else []))
        conn.row_factory = sqlite3.Row
        return conn

    @property
    def has_units(self) -> bool:
        return self._units.available

    @property
    def writer_stats(self) -> WriterStats:
        """Batches and units the writer process has run, and its restarts (storage/units.py)."""
        return self._units.stats

    @property
    def writer_pid(self) -> int | None:
        """The writer process's id while it runs (storage/writer_process.py)."""
        return self._units.pid

    async def write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement as a unit of its own (see run_unit); the number of rows it changed."""
        return await self.run_unit(Unit.of([(sql, params)]))

    async def run_unit(self, unit: Unit) -> int:
        """Run `unit` as one transaction, in one trip (see storage/units.py); the number of rows
        its first statement changed."""
        if self._units.available:
            return await self._units.run(unit)
        if self._writer is None:
            raise RuntimeError("database is not open")
        # :memory: has one connection only: the unit runs on its thread, as a transaction().
        async with self.transaction() as conn:
            changed: int = await conn._execute(run_in_transaction, conn._conn, unit)
            return changed

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        for version, name, sql in migrations():
            if version <= current:
                continue
            # executescript would COMMIT on its own; wrap each file so it applies whole or not.
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _split_sql(sql):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, utc_text(datetime.now(UTC))),
                )
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise

    async def schema_version(self) -> int:
        async with self.reader.execute("SELECT MAX(version) FROM schema_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    @property
    def reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader

    @property
    def quick(self) -> Fetcher:
        """For small reads by key (see QuickReader); the reader itself for an in-memory database."""
        if self._quick is not None:
            return self._quick
        return self.reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE takes the write lock up front, so a claim race is decided here."""
        if self._writer is None:
            raise RuntimeError("database is not open")
        async with self._session_lock, self._units.exclusive():
            conn = self._writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")


def _as_unusable(path: str, exc: BaseException) -> DatabaseUnusable | None:
    """What an error while opening says about the file; None for anything else (a bug, a cancel)."""
    if isinstance(exc, DatabaseUnusable):
        return exc
    if not isinstance(exc, sqlite3.Error):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    kind: UnusableKind
    if primary in _DAMAGED_CODES:
        kind = "damaged"
    elif primary in _UNREACHABLE_CODES:
        kind = "unreachable"
    elif primary in _BUSY_CODES:
        kind = "busy"
    else:
        return None
    return DatabaseUnusable(path, str(exc), kind)


async def _in_daemon_thread(work: Callable[[], T]) -> T:
    """Run blocking work on a daemon thread of its own.

    For work that may be abandoned half-way: should the process be told to stop while it waits
    (a busy timeout runs up to ten seconds, and sqlite3's interrupt() does not cut it short),
    exiting drops it instead of waiting for it, as the default executor's threads would.
    """
    outcome: concurrent.futures.Future[T] = concurrent.futures.Future()

    def run() -> None:
        if not outcome.set_running_or_notify_cancel():
            return
        try:
            outcome.set_result(work())
        except BaseException as exc:
            outcome.set_exception(exc)

    threading.Thread(target=run, name="wishwall-db-check", daemon=True).start()
    # wrap_future drops the result quietly if the loop has closed by the time it comes.
    return await asyncio.wrap_future(outcome)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements; sqlite3 knows where trigger bodies end."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer.strip() and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise RuntimeError(f"incomplete SQL statement in migration: {buffer[:80]!r}")
    return statements

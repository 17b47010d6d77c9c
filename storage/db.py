"""Connections, pragmas, migrations and transactions."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def utc_text(when: datetime) -> str:
    """Timestamps are stored as sortable UTC ISO text so SQL comparisons work."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def fetch_one(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
    """One row in one trip to the connection's thread.

    ``async with conn.execute(...) as cur: await cur.fetchone()`` takes three trips (execute,
    fetch, close), each a hand-off between threads and a turn of the event loop. On the busy
    paths (a claim, the sender) that tripled the time a transaction held the write lock under
    load (bench/, scenario 2). For queries that return a handful of rows.
    """
    rows = await conn.execute_fetchall(sql, params)
    return next(iter(rows), None)


async def fetch_all(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
    """All rows in one trip (see fetch_one); not for results too big to hold at once."""
    return list(await conn.execute_fetchall(sql, params))


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
    """Writers guarded by one lock, and one reader connection.

    aiosqlite runs each connection on its own thread; two coroutines interleaving statements on
    one connection would share a transaction, so writes take the lock for the whole transaction.
    Reads use a second connection so they never see another coroutine's uncommitted writes
    (WAL gives them a consistent snapshot).

    A transaction of the writer connection holds the lock across one trip to its thread per
    statement, and each trip waits two turns of the event loop: under load, a claim held the
    lock for ~5 ms and claims queued behind it (bench/, scenario 2). The hottest change runs as
    a unit instead (`run_unit`): a plain function doing the whole transaction on a writer
    thread of its own, in one trip. Both writers take the same lock, so they never contend.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._unit_thread: ThreadPoolExecutor | None = None
        self._unit_conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        await self._migrate(self._writer)
        self._reader = await self._connect() if self.path != ":memory:" else self._writer
        if self.path != ":memory:":  # a second connection to :memory: would be another database
            self._unit_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wishwall-writer")
            self._unit_conn = await asyncio.get_running_loop().run_in_executor(
                self._unit_thread, self._connect_sync
            )

    async def close(self) -> None:
        for conn in {id(c): c for c in (self._reader, self._writer) if c is not None}.values():
            await conn.close()
        self._reader = self._writer = None
        if self._unit_thread is not None:
            unit_conn, self._unit_conn = self._unit_conn, None
            if unit_conn is not None:
                await asyncio.get_running_loop().run_in_executor(self._unit_thread, unit_conn.close)
            self._unit_thread.shutdown(wait=True)
            self._unit_thread = None

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, the module must not.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        for pragma in _PRAGMAS:
            await conn.execute(pragma)
        return conn

    def _connect_sync(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        for pragma in _PRAGMAS:
            conn.execute(pragma)
        return conn

    @property
    def has_units(self) -> bool:
        return self._unit_conn is not None

    async def run_unit(self, unit: Callable[[sqlite3.Connection], T]) -> T:
        """Run `unit` as one transaction on the unit writer's thread, in one trip.

        The unit must only run SQL: it holds the write lock and the thread while it runs. An
        exception rolls it back and reaches the caller. If the caller is cancelled meanwhile,
        the lock is kept until the unit has finished, so no other write can start beside it.
        """
        if self._unit_thread is None or self._unit_conn is None:
            raise RuntimeError("units need a database file (not :memory:) and an open database")
        async with self._write_lock:
            running = asyncio.get_running_loop().run_in_executor(self._unit_thread, self._in_unit, unit)
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await running
                raise

    def _in_unit(self, unit: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._unit_conn
        assert conn is not None
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = unit(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

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

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE takes the write lock up front, so a claim race is decided here."""
        if self._writer is None:
            raise RuntimeError("database is not open")
        async with self._write_lock:
            conn = self._writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")


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

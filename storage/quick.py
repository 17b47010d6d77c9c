"""Small reads by key without a trip to a database thread (used through `Database.quick`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from aiosqlite import Row


class Fetcher(Protocol):
    """What fetch_one and fetch_all read through: an aiosqlite connection, or `Database.quick`."""

    async def execute_fetchall(self, sql: str, parameters: Sequence[Any] = ..., /) -> Iterable[Row]: ...


class QuickReader:
    """Small reads by key, done at once on a plain sqlite3 connection in the event loop's thread.

    A read through aiosqlite is a hop to the reader's thread and back, queued behind the other
    reads there, then a turn of the event loop: 3-6 ms each under load, ~7 per tap (bench/,
    scenario 2), for microseconds of query. Here it blocks the loop for those microseconds: for
    queries finding a handful of rows through an index, never for scans (those use `reader`).
    As with the reader, each statement reads the last committed state (WAL: readers neither
    wait for writers nor see open transactions) and no snapshot outlives it (fetchall runs it
    to the end). The connection is query_only, and sqlite3 refuses it to any other thread.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def execute_fetchall(self, sql: str, parameters: Sequence[Any] = (), /) -> list[Row]:
        return self._conn.execute(sql, parameters).fetchall()

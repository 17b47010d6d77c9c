"""What a unit is (a few statements, said as data) and how a batch of them runs on a connection.

Plain sqlite3 and nothing else, so the writer process (storage/writer_process.py) imports it in
a few milliseconds; the event loop's side is storage/units.py.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Every connection to the database, in every process.
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)

# An INSERT whose rows may be gathered: "INSERT INTO t (a, b) VALUES (?, ?)", nothing after.
_GATHERABLE = re.compile(r"^(INSERT INTO .+ VALUES) (\((?:\?, )*\?\))$", re.DOTALL)
# Rows per gathered statement: well under SQLite's limit on parameters (32,766).
_ROWS_PER_INSERT = 256

Params = tuple[Any, ...]


@functools.lru_cache(maxsize=64)
def _gatherable(insert: str) -> bool:
    """The same few INSERTs come with every claim: each is matched once."""
    return _GATHERABLE.match(insert) is not None


@dataclass(frozen=True, slots=True)
class Later:
    """Rows for a plain INSERT that nothing else in the transaction reads (events, outbox
    items): they go in at the transaction's end, a whole batch's in a few statements."""

    insert: str
    rows: tuple[Params, ...]

    def __post_init__(self) -> None:
        if not _gatherable(self.insert):
            raise ValueError(f"not an INSERT whose rows can be gathered: {self.insert!r}")

    def __reduce__(self) -> tuple[type[Later], tuple[str, tuple[Params, ...]]]:
        # Pickled (to the writer) by its fields: a slotted dataclass's own __getstate__ walks
        # fields() in Python, for every unit of every claim.
        return Later, (self.insert, self.rows)


@dataclass(frozen=True, slots=True)
class Unit:
    """One small write transaction said as data: `statements` in order, then `later`'s rows.

    Gated: unless the first statement changes exactly one row (a conditional UPDATE that found
    the row as its caller read it), nothing else of the unit runs. Its result is the number of
    rows the first statement changed.
    """

    statements: tuple[tuple[str, Params], ...]
    later: tuple[Later, ...] = ()
    gated: bool = False

    def __post_init__(self) -> None:
        if not self.statements:
            raise ValueError("a unit needs a statement")

    def __reduce__(self) -> tuple[type[Unit], tuple[tuple[tuple[str, Params], ...], tuple[Later, ...], bool]]:
        return Unit, (self.statements, self.later, self.gated)  # see Later.__reduce__

    @classmethod
    def of(
        cls,
        statements: Iterable[tuple[str, Sequence[Any]]],
        *,
        later: Iterable[Later] = (),
        gated: bool = False,
    ) -> Unit:
        return cls(tuple((sql, tuple(params)) for sql, params in statements), tuple(later), gated)


@dataclass(frozen=True, slots=True)
class Failed:
    """A unit's error, as it crosses from the writer process: rebuilt as the same sqlite3
    exception on the other side (units run SQL only, so that is what they raise)."""

    name: str
    args: tuple[Any, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, error: BaseException) -> Failed:
        return cls(type(error).__name__, tuple(str(a) for a in error.args))

    def error(self) -> Exception:
        kind = getattr(sqlite3, self.name, None)
        if isinstance(kind, type) and issubclass(kind, sqlite3.Error):
            return kind(*self.args)
        return RuntimeError(f"{self.name}: {', '.join(self.args)}")


Outcome = int | Failed  # a unit's result (rows its first statement changed), or its error


def connect(path: str, *more_pragmas: str) -> sqlite3.Connection:
    """A plain sqlite3 connection with the database's pragmas (and `more_pragmas`); we issue
    BEGIN ourselves (isolation_level=None)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in (*PRAGMAS, *more_pragmas):
            conn.execute(pragma)
    except BaseException:
        conn.close()
        raise
    return conn


def run_batch(conn: sqlite3.Connection, units: Sequence[Unit]) -> list[Outcome]:
    """The units in one transaction, one COMMIT for all (group commit): under a storm the
    writer's time went on BEGIN and COMMIT. If one fails, the batch is rolled back and each unit
    runs again alone, so only that one fails. Units are plain SQL, so running one again does
    exactly what it would have done the first time."""
    if len(units) == 1:
        return [_alone(conn, units[0])]
    conn.execute("BEGIN IMMEDIATE")
    try:
        later: dict[str, list[Params]] = {}
        results = [_run(conn, unit, later) for unit in units]
        _flush(conn, later)
        conn.execute("COMMIT")
    except Exception:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return [_alone(conn, unit) for unit in units]
    return list(results)


def run_in_transaction(conn: sqlite3.Connection, unit: Unit) -> int:
    """`unit` on a connection whose transaction the caller holds (an in-memory database)."""
    later: dict[str, list[Params]] = {}
    changed = _run(conn, unit, later)
    _flush(conn, later)
    return changed


def _alone(conn: sqlite3.Connection, unit: Unit) -> Outcome:
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            changed = run_in_transaction(conn, unit)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    except Exception as error:
        return Failed.of(error)
    return changed


def _run(conn: sqlite3.Connection, unit: Unit, later: dict[str, list[Params]]) -> int:
    (sql, params), *rest = unit.statements
    changed = conn.execute(sql, params).rowcount
    if unit.gated and changed != 1:
        return changed
    for more, more_params in rest:
        conn.execute(more, more_params)
    for item in unit.later:
        later.setdefault(item.insert, []).extend(item.rows)
    return changed


def _flush(conn: sqlite3.Connection, later: dict[str, list[Params]]) -> None:
    """What the units left for later, in the order given per statement: each statement cost
    the writer a wait for the GIL when it was a thread of the bot's process, and a claim's
    event and messages were four of its six (bench/, scenario 2)."""
    for insert, rows in later.items():
        match = _GATHERABLE.match(insert)
        assert match is not None
        head, group = match.groups()
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            chunk = rows[start : start + _ROWS_PER_INSERT]
            conn.execute(f"{head} {', '.join([group] * len(chunk))}", [v for row in chunk for v in row])

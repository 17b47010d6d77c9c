"""Copies of the database file: taken online while the bot writes, checked before they are
kept, and put back in place. Plain sqlite3 on purpose: these run in a worker thread or a
command-line process, never on the bot's connections."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Pages copied per step of the backup API: small steps let the bot's writers in between.
_PAGES_PER_STEP = 1024
_SIDE_FILES = ("-wal", "-shm")


class BackupFailed(Exception):
    """A copy that could not be made or did not check out; the message says which and why."""


@dataclass(frozen=True)
class Copied:
    path: Path
    size_bytes: int
    schema_version: int


def _private_file(path: Path) -> None:
    """Create the file readable by its owner only before any data goes in: it holds
    beneficiaries' names, phones and addresses."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def remove_with_side_files(path: Path) -> None:
    """A database file and the -wal/-shm files SQLite may have made beside it."""
    for victim in (path, *(path.with_name(path.name + suffix) for suffix in _SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            victim.unlink()


def problem_with(path: Path) -> str | None:
    """What is wrong with a database file (integrity_check's first complaint), or None."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        if [tuple(r) for r in rows] != [("ok",)]:
            return str(rows[0][0]) if rows else "integrity check gave no answer"
        conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()
    return None


def schema_version(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)
    finally:
        conn.close()


def copy_database(
    source: Path, target: Path, *, progress: Callable[[int, int], None] | None = None
) -> Copied:
    """A consistent copy of a live database (SQLite's online backup API), integrity-checked,
    written next to its target first and renamed into place only when it checks out."""
    partial = target.with_name(target.name + ".partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _private_file(partial)
    except OSError as exc:
        raise BackupFailed(f"cannot write in {target.parent}: {exc.strerror or exc}") from exc
    try:
        src = sqlite3.connect(source)
        try:
            dst = sqlite3.connect(partial)
            try:

                def step(status: int, remaining: int, total: int) -> None:
                    if progress is not None:
                        progress(total - remaining, total)

                src.backup(dst, pages=_PAGES_PER_STEP, progress=step)
                # A copy is one file on its own: out of WAL mode, nothing beside it to lose.
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
        problem = problem_with(partial)
        if problem is not None:
            raise BackupFailed(f"the copy of {source} did not check out: {problem}")
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        raise BackupFailed(f"could not copy {source}: {exc}") from exc
    finally:
        remove_with_side_files(partial)
    return Copied(path=target, size_bytes=target.stat().st_size, schema_version=schema_version(target))


def put_in_place(backup: Path, live: Path, aside: Path) -> None:
    """Restore: the live database (with its -wal and -shm files, which belong to it) moves to
    `aside`, and a private copy of the backup takes its place. Only while nothing has it open."""
    problem = problem_with(backup)
    if problem is not None:
        raise BackupFailed(f"{backup} is not a usable backup: {problem}")
    if live.exists():
        # Fold the write-ahead log in first, so the file set aside is whole on its own.
        with contextlib.closing(sqlite3.connect(live)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        os.replace(live, aside)
        for suffix in _SIDE_FILES:
            side = live.with_name(live.name + suffix)
            if side.exists():
                os.replace(side, aside.with_name(aside.name + suffix))
    incoming = live.with_name(live.name + ".restoring")
    _private_file(incoming)
    shutil.copyfile(backup, incoming)
    os.replace(incoming, live)

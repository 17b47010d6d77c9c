"""Who holds the outbox's leases: a file per running sender, locked while it runs.

A row taken for sending carries its sender's name (`outbox.lease_by`) beside the time its
lease runs out (`lease_until`). With the time alone, the messages on the wire when a process
was killed waited out the lease, a minute, before the restarted bot sent them again; the file
says at once whether that sender still runs, because the operating system drops a process's
locks when it dies, however it dies (as with the database's own lock, storage/lock.py).

Several senders may run on one database (the bot, and `wishwall jobs run` delivering beside
it), each with a file of its own in a folder beside the database. A file is made under a
temporary name and locked before it takes its real one, so nobody ever sees a running
sender's file unlocked; names read from the database are only ever compared with the files
found, never made into paths.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

_PART = ".new"
# A file still under its temporary name this long after it was made belongs to a process that
# died while making it (making one takes microseconds).
_PART_STALE_SECONDS = 60.0


def holders_folder(db_path: str | Path) -> Path:
    path = Path(db_path)
    return path.with_name(path.name + ".senders")


class LeaseHolder:
    """This process's sender: its name goes into the rows it leases; its file stays locked
    until `release` (or the process's end)."""

    def __init__(self, name: str, fd: int, path: Path) -> None:
        self.name = name
        self._fd: int | None = fd
        self._path = path

    @classmethod
    def take(cls, db_path: str | Path) -> LeaseHolder | None:
        """A new holder, or None where there is no folder to hold it in (an in-memory database)
        or it cannot be made (then leases carry no name and run out by time alone, as before)."""
        if str(db_path) == ":memory:":
            return None
        folder = holders_folder(db_path)
        name = secrets.token_hex(8)
        part = folder / f"{name}{_PART}"
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            fd = os.open(part, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.rename(part, folder / name)
        except OSError:
            os.close(fd)
            with contextlib.suppress(OSError):
                part.unlink()
            return None
        return cls(name, fd, folder / name)

    def release(self) -> None:
        if self._fd is None:
            return
        # Gone before unlocked: nobody can find it unlocked and take this sender for dead.
        with contextlib.suppress(OSError):
            self._path.unlink()
        os.close(self._fd)  # closing drops the lock
        self._fd = None


def stopped(db_path: str | Path, names: Iterable[str]) -> set[str]:
    """Of these holders' names, those whose sender no longer runs: its file is unlocked or
    missing. The files of stopped senders are removed on the way."""
    running = _running(holders_folder(db_path))
    return {name for name in names if name not in running}


def _running(folder: Path) -> set[str]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return set()
    running: set[str] = set()
    for entry in entries:
        if entry.name.endswith(_PART):
            _remove_stale_part(entry)
        elif _locked(Path(entry.path)):
            running.add(entry.name)
    return running


def _locked(path: Path) -> bool:
    """Whether a running process holds the file's lock; a file nobody holds is removed."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):
        path.unlink()
    return False


def _remove_stale_part(entry: os.DirEntry[str]) -> None:
    with contextlib.suppress(OSError):
        if time.time() - entry.stat().st_mtime > _PART_STALE_SECONDS:
            os.unlink(entry.path)

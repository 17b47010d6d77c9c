"""One running bot per database: an advisory lock on a file beside it.

Two `wishwall run` on one database would also be two pollers on one token (Telegram answers
409 Conflict and both stall), and a restore must not swap the file under a running bot. The
operating system drops the lock when the process dies, however it dies, so a crash never
leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class AlreadyRunning(Exception):
    """Another process holds the database."""


def lock_path(db_path: str | Path) -> Path:
    path = Path(db_path)
    return path.with_name(path.name + ".lock")


class InstanceLock:
    def __init__(self, db_path: str | Path) -> None:
        self.path = lock_path(db_path)
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise AlreadyRunning(f"another Wishwall process is using {self.path.with_suffix('')}") from exc
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def held_elsewhere(db_path: str | Path) -> bool:
    """Whether some process holds the database now (checked by trying for a moment)."""
    probe = InstanceLock(db_path)
    try:
        probe.acquire()
    except AlreadyRunning:
        return True
    probe.release()
    return False

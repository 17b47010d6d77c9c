"""Backups: one now (`wishwall backup`), one every night, a rotation that keeps 7 daily,
4 weekly and 12 monthly copies, and a restore that sets the current database aside.

Retention erases personal data from the live database only; copies taken before keep it.
The rotation deletes old copies on the same schedule so that erased data does not live on
in them for longer than a year.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import SystemClock
from bot.settings import Settings
from storage.backup import BackupFailed, Copied, copy_database, put_in_place, remove_with_side_files
from storage.lock import AlreadyRunning, held_elsewhere

KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 7, 4, 12
RETRY_AFTER_FAILURE = timedelta(hours=1)
# However few copies there are, none is kept longer than this: retention erases personal data
# from the live database, and a copy must not keep it for much longer.
MAX_AGE = timedelta(days=366)
_NAME = re.compile(r"^wishwall-(\d{8}-\d{6})\.db$")

__all__ = ["BackupFailed", "BackupRecord", "Backups", "backup_name", "to_keep"]


def backup_name(taken: datetime) -> str:
    return f"wishwall-{taken:%Y%m%d-%H%M%S}.db"


def taken_at(path: Path, zone: ZoneInfo) -> datetime | None:
    match = _NAME.match(path.name)
    if match is None:
        return None
    return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=zone)


def to_keep(taken: Iterable[datetime], now: datetime) -> set[datetime]:
    """The newest copy of each of the last 7 days, 4 ISO weeks and 12 months that have copies
    (they overlap), none older than MAX_AGE."""
    kept: set[datetime] = set()
    newest_first = sorted(taken, reverse=True)
    for count, bucket in (
        (KEEP_DAILY, lambda t: t.date()),
        (KEEP_WEEKLY, lambda t: t.isocalendar()[:2]),
        (KEEP_MONTHLY, lambda t: (t.year, t.month)),
    ):
        seen: list[object] = []
        for when in newest_first:
            key = bucket(when)
            if key in seen:
                continue
            seen.append(key)
            if len(seen) > count:
                break
            kept.add(when)
    return {t for t in kept if t <= now and now - t <= MAX_AGE}


@dataclass(frozen=True)
class BackupRecord:
    """The last attempt, for /healthz, /metrics and the doctor."""

    at: datetime
    ok: bool
    path: Path | None = None
    size_bytes: int = 0
    error: str | None = None


class Backups:
    def __init__(self, *, db_path: str, folder: Path, zone: ZoneInfo, now: Callable[[], datetime]) -> None:
        self._db_path = Path(db_path)
        self.folder = folder
        self._zone = zone
        self._now = now
        self.last: BackupRecord | None = None
        self.made = 0
        self.failed = 0

    async def make(
        self, out: Path | None = None, *, progress: Callable[[int, int], None] | None = None
    ) -> Copied:
        """A checked copy (in the backup folder, rotated, unless `out` names the file). Runs in
        a worker thread: a big database takes seconds, and the bot keeps answering meanwhile."""
        when = self._now().astimezone(self._zone)
        target = out or self.folder / backup_name(when)
        try:
            copied = await asyncio.to_thread(copy_database, self._db_path, target, progress=progress)
        except BackupFailed as exc:
            self.failed += 1
            self.last = BackupRecord(at=when, ok=False, error=str(exc))
            raise
        self.made += 1
        self.last = BackupRecord(at=when, ok=True, path=copied.path, size_bytes=copied.size_bytes)
        if out is None:
            await asyncio.to_thread(self.prune)
        return copied

    async def nightly(self, now: datetime, hour: int) -> Copied | None:
        """Today's copy, once the backup hour has come and if no copy was taken since."""
        local = now.astimezone(self._zone)
        slot = local.replace(hour=hour, minute=0, second=0, microsecond=0)
        if local < slot:
            return None
        newest = self.newest()
        if newest is not None and newest[0] >= slot:
            return None
        if self.last is not None and not self.last.ok and local - self.last.at < RETRY_AFTER_FAILURE:
            return None  # a failing disk is not hammered every few minutes
        return await self.make()

    def copies(self) -> list[tuple[datetime, Path]]:
        if not self.folder.is_dir():
            return []
        found = [(taken_at(p, self._zone), p) for p in self.folder.iterdir() if p.is_file()]
        return sorted((when, path) for when, path in found if when is not None)

    def newest(self) -> tuple[datetime, Path] | None:
        copies = self.copies()
        return copies[-1] if copies else None

    def prune(self) -> list[Path]:
        copies = self.copies()
        keep = to_keep([when for when, _ in copies], self._now().astimezone(self._zone))
        removed = [path for when, path in copies if when not in keep]
        for path in removed:
            remove_with_side_files(path)
        return removed

    def restore(self, backup: Path) -> Path:
        """Put `backup` in place of the database; returns where the current one was set aside."""
        if held_elsewhere(self._db_path):
            raise AlreadyRunning(f"a Wishwall process is running on {self._db_path}; stop it first")
        stamp = self._now().astimezone(self._zone).strftime("%Y%m%d-%H%M%S")
        aside = self._db_path.with_name(f"{self._db_path.name}.before-restore-{stamp}")
        put_in_place(backup, self._db_path, aside)
        return aside


def backups_for(settings: Settings) -> Backups:
    """The backups of the configured database, on the system clock (the command line's view)."""
    clock = SystemClock()
    return Backups(db_path=settings.db, folder=Path(settings.backup_dir), zone=settings.zone, now=clock.now)


def next_nightly(now: datetime, hour: int, zone: ZoneInfo) -> datetime:
    """The next time the nightly backup is due (today at `hour`, or tomorrow)."""
    local = now.astimezone(zone)
    due = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    return due if due > local else due + timedelta(days=1)

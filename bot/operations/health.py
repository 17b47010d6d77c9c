"""/healthz: is this bot well? Each check says what it saw; any failed check makes it 503, so a
supervisor (Docker's HEALTHCHECK, a load balancer, systemd's watchdog script) restarts it or
calls someone. Quiet hours are not illness: no update for a day is reported, never failed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.operations.backups import Backups
from storage.db import Database, latest_migration
from storage.outbox import OutboxBacklog

# An outbox row due longer than this means the sender is stuck (or Telegram unreachable).
OUTBOX_STUCK = timedelta(minutes=15)
# The nightly backup may be this late before the bot counts as unwell.
BACKUP_OVERDUE = timedelta(hours=36)
DB_TIMEOUT_SECONDS = 2.0


@dataclass
class Heartbeat:
    """What the running bot notes as it goes: when it started, last received an update, and
    last ran its scheduler tick."""

    started_at: datetime
    last_update_at: datetime | None = None
    last_tick_at: datetime | None = None


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class HealthReport:
    checks: list[Check] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "failed": [c.name for c in self.checks if not c.ok],
            "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in self.checks},
            **self.figures,
        }


def _seconds_since(when: datetime | None, now: datetime) -> float | None:
    return None if when is None else round((now - when).total_seconds(), 1)


class Health:
    def __init__(
        self,
        *,
        db: Database,
        backlog: OutboxBacklog,
        heartbeat: Heartbeat,
        clock: Clock,
        tick_seconds: int,
        backups: Backups | None = None,
    ) -> None:
        self._db = db
        self._backlog = backlog
        self.heartbeat = heartbeat
        self._clock = clock
        self._tick_seconds = tick_seconds
        self._backups = backups

    async def report(self) -> HealthReport:
        now = self._clock.now()
        report = HealthReport()
        beat = self.heartbeat
        report.figures["seconds_since_update"] = _seconds_since(beat.last_update_at, now)
        report.figures["seconds_since_tick"] = _seconds_since(beat.last_tick_at, now)
        if not await self._database(report):
            return report  # the other checks would only ask the same broken database again
        await self._outbox(report, now)
        self._scheduler(report, now)
        self._backup(report, now)
        return report

    async def _database(self, report: HealthReport) -> bool:
        try:
            version = await asyncio.wait_for(self._db.schema_version(), DB_TIMEOUT_SECONDS)
        except Exception as exc:  # any failure to answer is the finding itself
            report.checks.append(Check("database", False, f"unreachable: {type(exc).__name__}: {exc}"))
            return False
        report.figures["schema_version"] = version
        report.checks.append(Check("database", True, "answers"))
        latest = latest_migration()
        current = version >= latest
        report.checks.append(Check("migrations", current, f"schema {version}, latest {latest}"))
        return True

    async def _outbox(self, report: HealthReport, now: datetime) -> None:
        queued, oldest = await self._backlog.measure(now)
        age = _seconds_since(oldest, now)
        report.figures["outbox_backlog"] = queued
        report.figures["outbox_oldest_seconds"] = age
        stuck = age is not None and age > OUTBOX_STUCK.total_seconds()
        report.checks.append(Check("outbox", not stuck, f"{queued} due, oldest {age or 0:.0f} s"))

    def _scheduler(self, report: HealthReport, now: datetime) -> None:
        if self._tick_seconds <= 0:
            report.checks.append(Check("scheduler", True, "off (jobs run from cron)"))
            return
        allowed = timedelta(seconds=3 * self._tick_seconds + 60)
        last = self.heartbeat.last_tick_at or self.heartbeat.started_at
        ago = now - last
        report.checks.append(Check("scheduler", ago <= allowed, f"last tick {ago.total_seconds():.0f} s ago"))

    def _backup(self, report: HealthReport, now: datetime) -> None:
        if self._backups is None:
            return
        last = self._backups.last
        newest = self._backups.newest()
        report.figures["last_backup"] = newest[0].isoformat() if newest else None
        if last is not None and not last.ok:
            report.checks.append(Check("backup", False, f"the last backup failed: {last.error}"))
            return
        since = newest[0] if newest else self.heartbeat.started_at
        overdue = now - since > BACKUP_OVERDUE
        detail = f"newest {newest[1].name}" if newest else "none yet"
        report.checks.append(Check("backup", not overdue, detail))

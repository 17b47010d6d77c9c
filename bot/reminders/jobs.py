"""The scheduled side: one short "tick" through PTB's JobQueue (APScheduler) runs every pass.

Why one frequent tick rather than a cron job per community and kind: every community has its own
time zone, reminder hour, report day and quiet hours, and coordinators may change them at any
time. Jobs kept per community would have to be re-planned on every change and re-created after a
restart. The tick instead asks the core, every few minutes, "what is due now?"; the core works
that out from the database (due dates, claim dates, what `reminders` says was already sent), so
the JobQueue is only a clock: a restart, a late run or a missed run changes nothing but when a
message goes out, never whether it goes out twice. `wishwall jobs run NAME` runs the same passes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.operations.backups import BackupFailed
from bot.reminders.kinds import BY_NAME, ON_TICK, Pass
from bot.services import Services

if TYPE_CHECKING:
    # Types only: `wishwall jobs run --enqueue-only` runs the passes without the bot's
    # application, so it need not import telegram.ext for them.
    from bot.context import WishwallApp, WishwallContext

log = logging.getLogger(__name__)

TICK_NAME = "wishwall-tick"
# APScheduler skips a run that starts later than this after its time (its default is 1 s); a
# busy event loop or a suspended machine must not lose a tick.
MISFIRE_GRACE_SECONDS = 3600
FIRST_TICK_SECONDS = 30  # soon after start-up, so a restart catches up quickly
MEDIA_KEEP = timedelta(days=30)


def passes(services: Services) -> dict[str, Pass]:
    """Every reminder kind's pass (bot/reminders/kinds.py), by name."""
    return {name: job.pass_of(services) for name, job in BY_NAME.items()}


async def run_pass(services: Services, name: str, now: datetime) -> int:
    """One pass of one job at the instant `now`; returns how many messages it queued."""
    queued = await BY_NAME[name].pass_of(services)(now)
    if queued and services.sender is not None:
        services.sender.wake()
    if queued:
        log.info("job %s queued %d message(s)", name, queued)
    return queued


async def run_all(services: Services, now: datetime) -> dict[str, int]:
    """Every pass the tick runs; one failing pass is logged and does not stop the others."""
    results: dict[str, int] = {}
    for name in ON_TICK:
        services.metrics.job_runs.labels(job=name).inc()
        try:
            results[name] = await run_pass(services, name, now)
        except Exception:
            services.metrics.job_failures.labels(job=name).inc()
            log.exception("job %s failed; it runs again at the next tick", name)
    try:
        # Data care rides on the same clock: erasing is idempotent, so every tick may ask.
        erased = await services.privacy.erase_expired(now)
        if erased:
            log.info("retention erased the personal data of %d wish(es)", erased)
    except Exception:
        log.exception("retention pass failed; it runs again at the next tick")
    try:
        # Handover offers lapse after 48 h; their answers check the time themselves, so a late
        # or missed tick only delays the offerer's notice.
        await services.wishes.handover.expire(now)
    except Exception:
        log.exception("handover expiry failed; it runs again at the next tick")
    await services.media.prune(now - MEDIA_KEEP)
    return results


async def tick(context: WishwallContext) -> None:
    services = context.services
    now = services.clock.now()
    services.heartbeat.last_tick_at = now
    await run_all(services, now)
    await nightly_backup(services, now)


async def nightly_backup(services: Services, now: datetime) -> None:
    """The night's backup, if it is due and not made yet (the backup folder says which). A
    failure is told to the super-admins and shows on /healthz; the next tick tries again."""
    services.metrics.job_runs.labels(job="backup").inc()
    try:
        made = await services.backups.nightly(now, services.settings.backup_hour)
    except BackupFailed as exc:
        services.metrics.job_failures.labels(job="backup").inc()
        services.metrics.backups.labels(result="failed").inc()
        log.error("nightly backup failed: %s", exc)
        for admin in sorted(services.settings.admins):
            await services.notices.to_user(admin, "notice.backup_failed", error=str(exc)[:300])
        return
    if made is not None:
        services.metrics.backups.labels(result="ok").inc()
        log.info("nightly backup written: %s (%d bytes)", made.path.name, made.size_bytes)


def register_jobs(app: WishwallApp) -> None:
    """(Re-)register the tick at start-up; nothing about what is due lives in the JobQueue."""
    interval = app.services.settings.job_tick_seconds
    queue = app.job_queue
    if queue is None:
        log.warning("no JobQueue (install python-telegram-bot[job-queue]): reminders will not run")
        return
    for old in queue.get_jobs_by_name(TICK_NAME):
        old.schedule_removal()
    if interval <= 0:
        log.info("scheduler off (WISHWALL_JOB_TICK_SECONDS=0): run `wishwall jobs run all` from cron")
        return
    queue.run_repeating(
        tick,
        interval=interval,
        first=min(FIRST_TICK_SECONDS, interval),
        name=TICK_NAME,
        job_kwargs={"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True, "max_instances": 1},
    )

"""The `wishwall` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from telegram.request import BaseRequest

from bot.clock import Clock
from bot.jobs import JOB_NAMES
from bot.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wishwall", description="Wishwall: community micro-wish bot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (long polling)")
    run.add_argument("--log-level", default="INFO")
    sub.add_parser("migrate", help="create or upgrade the database and exit")
    jobs = sub.add_parser("jobs", help="scheduled reminders and reports").add_subparsers(
        dest="jobs_command", required=True
    )
    run_job = jobs.add_parser(
        "run",
        help="run one pass of a job now (the same exactly-once bookkeeping as the scheduler)",
        description="Queue what is due now and deliver it with the bot. Safe next to a running bot and "
        "safe to repeat: what was already sent is never sent again.",
    )
    run_job.add_argument("name", choices=(*JOB_NAMES, "all"))
    run_job.add_argument(
        "--enqueue-only",
        action="store_true",
        help="only queue the messages (no Telegram access); a running bot delivers them",
    )
    run_job.add_argument("--log-level", default="INFO")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"wishwall: bad settings: {problems}", file=sys.stderr)
        return 2
    if args.command == "run":
        return _run(settings, args.log_level)
    if args.command == "migrate":
        return _migrate(settings)
    if args.command == "jobs":
        return _jobs_run(settings, args.name, enqueue_only=args.enqueue_only, log_level=args.log_level)
    return 2


def _run(settings: Settings, log_level: str) -> int:
    from bot.app import ConfigError, build_application

    logging.basicConfig(
        level=getattr(logging, str(log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO, including the URL with the token in it.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        app = build_application(settings)
    except ConfigError as exc:
        print(f"wishwall: {exc}", file=sys.stderr)
        return 2
    app.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
    return 0


def _migrate(settings: Settings) -> int:
    import asyncio

    from storage.db import Database

    async def go() -> int:
        db = Database(settings.db)
        await db.open()
        version = await db.schema_version()
        await db.close()
        return version

    print(f"database {settings.db} is at schema version {asyncio.run(go())}")
    return 0


def _jobs_run(settings: Settings, name: str, *, enqueue_only: bool, log_level: str) -> int:
    import asyncio

    from bot.app import ConfigError

    logging.basicConfig(
        level=getattr(logging, str(log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        results = asyncio.run(run_jobs(settings, name, deliver=not enqueue_only))
    except ConfigError as exc:
        print(f"wishwall: {exc} (or use --enqueue-only)", file=sys.stderr)
        return 2
    for job, queued in results.items():
        print(f"{job}: {queued} message(s) queued")
    return 0


async def run_jobs(
    settings: Settings,
    name: str,
    *,
    deliver: bool = True,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    drain_timeout: float = 300.0,
) -> dict[str, int]:
    """One pass of a job (or "all") now, then (unless deliver=False) the outbox drained with the bot.

    It builds the same application `wishwall run` does, without polling and without the
    scheduler: the pass records and queues, the outbox sender delivers within Telegram's limits.
    A running bot may drain the same outbox at the same time; a lease on each row keeps either
    from sending what the other took. What Telegram asks to wait for (429) stays queued for the
    bot or the next run.
    """
    import asyncio

    from bot.app import build_application
    from bot.clock import SystemClock
    from bot.jobs import run_all, run_pass
    from bot.services import Services

    clock = clock or SystemClock()

    async def one(services: Services) -> dict[str, int]:
        if name == "all":
            return await run_all(services, clock.now())
        return {name: await run_pass(services, name, clock.now())}

    if not deliver:
        services = Services.build(settings, clock)
        await services.db.open()
        try:
            return await one(services)
        finally:
            await services.db.close()
    app = build_application(settings, request=request, clock=clock)
    await app.initialize()
    try:
        sender = app.services.sender
        assert sender is not None
        sender.start()
        try:
            results = await one(app.services)
            try:
                async with asyncio.timeout(drain_timeout):
                    await sender.drain()
            except TimeoutError:
                left = await app.services.outbox.pending_count()
                logging.getLogger(__name__).warning("%d message(s) still queued; the bot sends them", left)
        finally:
            await sender.stop()
    finally:
        await app.shutdown()
    return results

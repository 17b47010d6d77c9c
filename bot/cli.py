"""The `wishwall` command (also `python -m bot`).

The parser is built from plain data (the reminder kinds' table, the language codes), and each
command imports what it uses when it runs: `wishwall --help` and a mistyped argument answer
without loading pydantic, python-telegram-bot or the database driver, and a cron job loads
only its own path (tests/test_cli_imports.py keeps the top light).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.languages import LANGS
from bot.reminders import kinds

if TYPE_CHECKING:
    from telegram.request import BaseRequest

    from bot.clock import Clock
    from bot.messaging.sender import OutboxSender
    from bot.services import Services
    from bot.settings import Settings
    from storage.db import DatabaseUnusable


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wishwall", description="Wishwall: community micro-wish bot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (long polling, or a webhook), with /healthz and /metrics")
    run.add_argument("--log-level", default="INFO")
    sub.add_parser("migrate", help="create or upgrade the database and exit")

    community = sub.add_parser("community", help="communities (first setup)").add_subparsers(
        dest="action", required=True
    )
    add = community.add_parser("add", help="create a community")
    add.add_argument("name")
    add.add_argument("--tz", default=None, help="its time zone (default: WISHWALL_TZ)")
    community.add_parser("list", help="list communities")

    coordinator = sub.add_parser("coordinator", help="appoint coordinators").add_subparsers(
        dest="action", required=True
    )
    appoint = coordinator.add_parser("add", help="make a Telegram user a coordinator of a community")
    appoint.add_argument("community", help="community name or id")
    appoint.add_argument("telegram_id", type=int)

    branch = sub.add_parser("branch", help="branches of a community").add_subparsers(
        dest="action", required=True
    )
    branch_add = branch.add_parser("add", help="add a branch")
    branch_add.add_argument("community", help="community name or id")
    branch_add.add_argument("name")
    jobs = sub.add_parser("jobs", help="scheduled reminders and reports").add_subparsers(
        dest="jobs_command", required=True
    )
    run_job = jobs.add_parser(
        "run",
        help="run one pass of a job now (the same exactly-once bookkeeping as the scheduler)",
        description="Queue what is due now and deliver it with the bot. Safe next to a running bot and\n"
        "safe to repeat: what was already sent is never sent again.",
        epilog=_jobs_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run_job.add_argument("name", choices=(*kinds.NAMES, kinds.ALL))
    run_job.add_argument(
        "--enqueue-only",
        action="store_true",
        help="only queue the messages (no Telegram access); a running bot delivers them",
    )
    run_job.add_argument("--log-level", default="INFO")
    _add_records_commands(sub)
    from bot.operations.cli import add_commands

    add_commands(sub)
    demo = sub.add_parser("demo", help="the wish wall on this computer with a made-up community (no token)")
    demo.add_argument("--db", help="a demo database to reopen or create (default: a new one, deleted after)")
    demo.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (0: any free one)")
    demo.add_argument("--host", default="127.0.0.1", help="a loopback address: the demo refuses any other")
    return parser


def _jobs_epilog() -> str:
    """The jobs and what each does, from the one table of reminder kinds."""
    width = max(len(name) for name in (*kinds.NAMES, kinds.ALL))
    lines = [f"  {job.name:<{width}}  {job.help}" for job in kinds.KINDS]
    lines.append(f"  {kinds.ALL:<{width}}  every job the scheduler's tick runs: {', '.join(kinds.ON_TICK)}")
    return "jobs:\n" + "\n".join(lines)


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    args = _parser().parse_args(argv)
    # Imported only now: --help and a wrong argument have exited by here without them.
    from pydantic import ValidationError

    from bot.event_loop import use_fastest_loop
    from bot.settings import Settings
    from storage.db import DatabaseUnusable

    use_fastest_loop()
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        if args.command == "doctor":
            from bot.operations.doctor import settings_problem

            return settings_problem(problems)
        print(f"wishwall: bad settings: {problems}", file=sys.stderr)
        return 2
    try:
        return _dispatch(args, settings, clock)
    except DatabaseUnusable as exc:
        print(unusable_database_line(exc), file=sys.stderr)
        return 4


def unusable_database_line(exc: DatabaseUnusable) -> str:
    """One line for the operator (or the service manager's log): which file, what, what to do."""
    where = os.path.abspath(exc.path)
    if exc.kind == "damaged":
        return (
            f"wishwall: {where} is not a usable SQLite database ({exc.reason}). Restore it from a "
            "backup (see README) or move it aside to start empty."
        )
    if exc.kind == "busy":
        return (
            f"wishwall: {where} stayed locked by another program ({exc.reason}). Stop the other "
            "program, or try again later."
        )
    return (
        f"wishwall: cannot use {where} as the database ({exc.reason}). Check WISHWALL_DB and the "
        "permissions of the file and its folder."
    )


def _dispatch(args: argparse.Namespace, settings: Settings, clock: Clock | None) -> int:
    if args.command == "run":
        return _run(settings, args.log_level)
    if args.command == "demo":
        from bot.demo.server import run_demo

        return run_demo(args.db, args.host, args.port)
    if args.command == "migrate":
        return _migrate(settings)
    if args.command == "jobs":
        return _jobs_run(settings, args.name, enqueue_only=args.enqueue_only, log_level=args.log_level)
    if args.command in ("backup", "restore", "doctor"):
        from bot.operations.cli import run_command

        return run_command(args, settings)
    if args.command in ("import", "export", "retention"):
        from bot.records.cli import run_records_command

        return run_records_command(args, settings, clock)
    import asyncio

    return asyncio.run(_organise(settings, args))


def _add_records_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Records in and out from the command line: imports, the claim sheet, the retention pass."""
    imp = sub.add_parser("import", help="import wishes from an .xlsx or .csv file (all rows or none)")
    imp.add_argument("file")
    imp.add_argument("--community", required=True, help="community name or number")
    imp.add_argument("--by", type=int, help="Telegram user id recorded as collector (default: a coordinator)")
    imp.add_argument(
        "--lang", choices=LANGS, help="language of the report (default: WISHWALL_DEFAULT_LANG)"
    )
    exp = sub.add_parser("export", help="write the claim sheet (.xlsx with a summary sheet, or .csv)")
    exp.add_argument("--community", required=True, help="community name or number")
    exp.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default: 1 January this year)")
    exp.add_argument("--to", dest="end", help="last day, included, YYYY-MM-DD (default: 31 December)")
    exp.add_argument(
        "--public", action="store_true", help="leave out beneficiaries' names, phones, addresses"
    )
    exp.add_argument("--lang", choices=LANGS, help="language of the column titles")
    exp.add_argument("--out", required=True, help="the file to write: .xlsx or .csv")
    ret = sub.add_parser("retention", help="erase beneficiaries' personal data past the retention period")
    ret.add_argument("action", choices=("run",))


def _run(settings: Settings, log_level: str) -> int:
    import asyncio

    from bot.app import ConfigError, build_application
    from bot.event_loop import signal_handlers_restored
    from bot.operations.logs import configure_logging
    from bot.serve import ListenError, WebhookConfigError, check_webhook_settings, run_until_signalled
    from storage.lock import AlreadyRunning

    configure_logging(log_level, settings.log_format)
    try:
        check_webhook_settings(settings.webhook_url, settings.webhook_secret)
        app = build_application(settings)
    except (ConfigError, WebhookConfigError) as exc:
        print(f"wishwall: {exc}", file=sys.stderr)
        return 2
    from telegram.error import InvalidToken, NetworkError

    try:
        # The stop signals must work again once the bot is down, above all when start-up failed
        # and the process still has clients to close (see signal_handlers_restored).
        with signal_handlers_restored():
            asyncio.run(run_until_signalled(app))
    except AlreadyRunning as exc:
        print(f"wishwall: {exc}; run one bot per database (and per token)", file=sys.stderr)
        return 5
    except InvalidToken:
        print(
            "wishwall: Telegram rejected the token; check WISHWALL_BOT_TOKEN (from @BotFather)",
            file=sys.stderr,
        )
        return 2
    except NetworkError as exc:
        # Only start-up gets here: once polling runs, PTB retries network errors itself.
        print(f"wishwall: cannot reach the Bot API at {settings.bot_api_url}: {exc}", file=sys.stderr)
        return 3
    except ListenError as exc:
        print(f"wishwall: {exc}; set WISHWALL_LISTEN to a free address", file=sys.stderr)
        return 2
    return 0


async def _organise(settings: Settings, args: argparse.Namespace) -> int:
    """First setup from the shell, acting with the operator's authority."""
    from bot.clock import SystemClock
    from bot.errors import DomainError
    from bot.people.organisation import SYSTEM
    from bot.services import Services
    from bot.texts import t_error

    services = Services.build(settings, SystemClock())
    await services.db.open()
    org = services.org
    try:
        if args.command == "community" and args.action == "add":
            community = await org.create_community(SYSTEM, args.name, args.tz)
            print(f"community {community.id}: {community.name} ({community.tz})")
        elif args.command == "community":
            for community in await services.communities.all():
                branches = ", ".join(b.name for b in await org.branches(community.id)) or "-"
                print(f"{community.id}\t{community.name}\t{community.tz}\tbranches: {branches}")
        elif args.command == "coordinator":
            community = await org.community(args.community)
            added = await org.appoint(SYSTEM, community.id, args.telegram_id)
            state = "appointed coordinator" if added else "already a coordinator"
            print(f"{args.telegram_id}: {state} of {community.name}")
        elif args.command == "branch":
            community = await org.community(args.community)
            branch = await org.add_branch(SYSTEM, community.id, args.name)
            print(f"branch {branch.id}: {branch.name} in {community.name}")
    except DomainError as error:
        print(f"wishwall: {t_error('en', error.key, error.params)}", file=sys.stderr)
        return 1
    finally:
        await services.close()
    return 0


def _migrate(settings: Settings) -> int:
    import asyncio

    from storage.db import Database

    async def go() -> int:
        db = Database(settings.db)
        await db.open()
        try:
            return await db.schema_version()
        finally:
            await db.close()

    print(f"database {settings.db} is at schema version {asyncio.run(go())}")
    return 0


def _jobs_run(settings: Settings, name: str, *, enqueue_only: bool, log_level: str) -> int:
    import asyncio

    from bot.operations.logs import configure_logging

    configure_logging(log_level, settings.log_format)
    if enqueue_only:
        results = asyncio.run(run_jobs(settings, name, deliver=False))
    else:
        # Only delivering builds the bot's application (and only it can refuse the settings):
        # a cron job that just queues does without importing it.
        from bot.app import ConfigError

        try:
            results = asyncio.run(run_jobs(settings, name))
        except ConfigError as exc:
            print(f"wishwall: {exc} (or use --enqueue-only)", file=sys.stderr)
            return 2
    for job, queued in results.items():
        print(f"{job}: {queued} message(s) queued")
    return 0


async def _drain_all(services: Services, sender: OutboxSender, clock: Clock) -> None:
    """Drain, including rows that come due later in the run: messages deferred by a 429, and
    rows another sender still holds (the bot beside this run: they are due for this one only
    if its lease runs out). The caller bounds it."""
    import asyncio

    while True:
        await sender.drain()
        upcoming = await services.outbox.next_not_before()
        if upcoming is None:
            return
        await asyncio.sleep(max(0.05, (upcoming - clock.now()).total_seconds()))


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
    import logging

    from bot.clock import SystemClock
    from bot.reminders.jobs import run_all, run_pass
    from bot.services import Services

    clock = clock or SystemClock()

    async def one(services: Services) -> dict[str, int]:
        if name == kinds.ALL:
            return await run_all(services, clock.now())
        return {name: await run_pass(services, name, clock.now())}

    if not deliver:
        services = Services.build(settings, clock)
        await services.db.open()
        try:
            return await one(services)
        finally:
            await services.close()
    from bot.app import build_application

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
                    await _drain_all(app.services, sender, clock)
            except TimeoutError:
                left = await app.services.outbox.pending_count()
                logging.getLogger(__name__).warning("%d message(s) still queued; the bot sends them", left)
        finally:
            await sender.stop()
    finally:
        await app.shutdown()
    return results

"""The `wishwall` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wishwall", description="Wishwall: community micro-wish bot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (long polling)")
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
    return asyncio.run(_organise(settings, args))


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
    from telegram.error import InvalidToken, NetworkError

    try:
        app.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
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
    return 0


async def _organise(settings: Settings, args: argparse.Namespace) -> int:
    """First setup from the shell, acting with the operator's authority."""
    from bot.clock import SystemClock
    from bot.errors import DomainError
    from bot.organisation import SYSTEM
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
            state = "appointed" if added else "already a coordinator"
            print(f"{args.telegram_id}: {state} of {community.name}")
        elif args.command == "branch":
            community = await org.community(args.community)
            branch = await org.add_branch(SYSTEM, community.id, args.name)
            print(f"branch {branch.id}: {branch.name} in {community.name}")
    except DomainError as error:
        print(f"wishwall: {t_error('en', error.key, error.params)}", file=sys.stderr)
        return 1
    finally:
        await services.db.close()
    return 0


def _migrate(settings: Settings) -> int:
    from storage.db import Database

    async def go() -> int:
        db = Database(settings.db)
        await db.open()
        version = await db.schema_version()
        await db.close()
        return version

    print(f"database {settings.db} is at schema version {asyncio.run(go())}")
    return 0

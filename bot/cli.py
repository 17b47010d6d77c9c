"""The `wishwall` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
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

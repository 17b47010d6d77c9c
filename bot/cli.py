"""The `wishwall` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.clock import Clock
from bot.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wishwall", description="Wishwall: community micro-wish bot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (long polling)")
    run.add_argument("--log-level", default="INFO")
    sub.add_parser("migrate", help="create or upgrade the database and exit")
    _add_records_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
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
    if args.command in ("import", "export", "retention"):
        from bot.records_cli import run_records_command

        return run_records_command(args, settings, clock)
    return 2


def _add_records_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Issue 5: imports, the claim sheet and the retention pass from the command line."""
    imp = sub.add_parser("import", help="import wishes from an .xlsx or .csv file (all rows or none)")
    imp.add_argument("file")
    imp.add_argument("--community", required=True, help="community name or number")
    imp.add_argument("--by", type=int, help="Telegram user id recorded as collector (default: a coordinator)")
    imp.add_argument(
        "--lang", choices=("zh", "en"), help="language of the report (default: WISHWALL_DEFAULT_LANG)"
    )
    exp = sub.add_parser("export", help="write the claim sheet (.xlsx with a summary sheet, or .csv)")
    exp.add_argument("--community", required=True, help="community name or number")
    exp.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default: 1 January this year)")
    exp.add_argument("--to", dest="end", help="last day, included, YYYY-MM-DD (default: 31 December)")
    exp.add_argument(
        "--public", action="store_true", help="leave out beneficiaries' names, phones, addresses"
    )
    exp.add_argument("--lang", choices=("zh", "en"), help="language of the column titles")
    exp.add_argument("--out", required=True, help="the file to write: .xlsx or .csv")
    ret = sub.add_parser("retention", help="erase beneficiaries' personal data past the retention period")
    ret.add_argument("action", choices=("run",))


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

"""`wishwall backup`, `wishwall restore` and `wishwall doctor`: the operator's commands.

`wishwall --help` builds its parser from add_commands(), so this module imports no more than
argparse at the top; each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = sub.add_parser(
        "backup", help="a consistent copy of the database, safe while the bot runs (mode 0600)"
    )
    backup.add_argument("--out", help="the file to write (default: WISHWALL_BACKUP_DIR, timestamped)")
    restore = sub.add_parser(
        "restore", help="put a backup in place of the database (the bot must be stopped)"
    )
    restore.add_argument("file")
    doctor = sub.add_parser(
        "doctor", help="check settings, token, webhook, the wall, database, disk, font, backups"
    )
    doctor.add_argument(
        "--offline",
        action="store_true",
        help="do not ask Telegram (getMe, getWebhookInfo) nor fetch the wall's address",
    )


def _progress(done: int, total: int) -> None:
    """Pages copied, on one line that rewrites itself (stderr: stdout says where it went)."""
    if total:
        print(f"\rcopying {done}/{total} pages ({100 * done // total}%)", end="", file=sys.stderr, flush=True)


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "backup":
        return _backup(settings, Path(args.out) if args.out else None)
    if args.command == "restore":
        return _restore(settings, Path(args.file))
    import asyncio

    from bot.operations.doctor import run_doctor

    return asyncio.run(run_doctor(settings, online=not args.offline))


def _backup(settings: Settings, out: Path | None) -> int:
    import asyncio

    from bot.operations.backups import BackupFailed, backups_for

    if not Path(settings.db).exists():
        print(f"wishwall: there is no database at {settings.db} to back up", file=sys.stderr)
        return 1
    backups = backups_for(settings)
    try:
        copied = asyncio.run(backups.make(out, progress=_progress))
    except BackupFailed as exc:
        print(f"\nwishwall: backup failed: {exc}", file=sys.stderr)
        return 1
    print(file=sys.stderr)
    print(f"backup written: {copied.path} ({copied.size_bytes:,} bytes, schema {copied.schema_version})")
    return 0


def _restore(settings: Settings, file: Path) -> int:
    from bot.operations.backups import BackupFailed, backups_for
    from storage.lock import AlreadyRunning

    if not file.is_file():
        print(f"wishwall: no backup file at {file}", file=sys.stderr)
        return 1
    try:
        aside = backups_for(settings).restore(file)
    except AlreadyRunning as exc:
        print(f"wishwall: {exc}", file=sys.stderr)
        return 5
    except BackupFailed as exc:
        print(f"wishwall: {exc}; nothing was changed", file=sys.stderr)
        return 1
    print(f"restored {file} to {settings.db}; the database it replaced is at {aside}")
    print("start the bot as usual: an older backup is brought up to date when it opens")
    return 0

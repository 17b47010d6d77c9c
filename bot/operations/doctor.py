"""`wishwall doctor`: a checklist of what running the bot needs, each failed line saying what
to do. Read-only: it never migrates, writes or sends anything."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from bot.operations.backups import backups_for
from bot.operations.checklist import Item
from bot.operations.health import BACKUP_OVERDUE
from bot.operations.wall_check import wall_items
from bot.settings import Settings
from storage.backup import problem_with, schema_version
from storage.db import latest_migration

# Below this, SQLite's journal, a backup and the logs can fill the disk within a day.
MIN_FREE_BYTES = 500 * 1024 * 1024
TELEGRAM_TIMEOUT_SECONDS = 10.0


def settings_problem(problem: str) -> int:
    """Settings that do not parse are the checklist's first (and only) line."""
    print(Item("settings", False, problem, "fix the WISHWALL_* variables or the .env file").line())
    return 1


async def run_doctor(settings: Settings, *, online: bool = True) -> int:
    items = [Item("settings", True, f"read (database {settings.db}, time zone {settings.tz})")]
    telegram, username = await _telegram(settings, online)
    items += telegram
    items += await wall_items(settings, online=online, bot_username=username)
    items += _database(settings)
    items.append(_disk(settings))
    items.append(_font())
    items.append(_time_zone(settings))
    items.append(_backups(settings))
    for item in items:
        print(item.line())
    failed = [item for item in items if not item.ok]
    print(f"{len(items) - len(failed)} of {len(items)} fine" + (f", {len(failed)} to fix" if failed else ""))
    return 1 if failed else 0


async def _telegram(settings: Settings, online: bool) -> tuple[list[Item], str | None]:
    """The token's and the webhook's lines, and the bot's username when Telegram said it."""
    if not settings.bot_token.strip():
        return [
            Item("token", False, "WISHWALL_BOT_TOKEN is not set", "get one from @BotFather and set it")
        ], None
    if not online:
        return [Item("token", True, "set (not checked with Telegram: --offline)")], None
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    api = settings.bot_api_url.rstrip("/")
    bot = Bot(settings.bot_token, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot")
    try:
        async with bot:
            me = await bot.get_me(read_timeout=TELEGRAM_TIMEOUT_SECONDS)
            items = [Item("token", True, f"accepted: @{me.username}")]
            info = await bot.get_webhook_info(read_timeout=TELEGRAM_TIMEOUT_SECONDS)
    except InvalidToken:
        return [
            Item("token", False, "Telegram rejected it", "check WISHWALL_BOT_TOKEN with @BotFather")
        ], None
    except TelegramError as exc:
        return [
            Item("token", False, f"cannot reach {api}: {exc}", "check the network or WISHWALL_BOT_API_URL")
        ], None
    if settings.webhook_url:
        error = f", last error: {info.last_error_message}" if info.last_error_message else ""
        expected = settings.webhook_url.rstrip("/")
        registered = bool(info.url) and info.url.startswith(expected)
        items.append(
            Item(
                "webhook",
                registered and not info.last_error_message,
                f"{info.url or 'none registered'}, {info.pending_update_count} update(s) waiting{error}",
                "start the bot (it registers the webhook) and check the reverse proxy forwards /telegram",
            )
        )
    else:
        items.append(
            Item(
                "webhook",
                not info.url,
                info.url or "none (long polling)",
                "the bot deletes it when it starts polling; or set WISHWALL_WEBHOOK_URL",
            )
        )
    return items, me.username


def _database(settings: Settings) -> list[Item]:
    path = Path(settings.db)
    if not path.exists():
        return [Item("database", False, f"none at {path}", "run `wishwall migrate` to create it")]
    problem = problem_with(path)
    if problem is not None:
        return [
            Item("database", False, f"{path} is damaged: {problem}", "restore one: `wishwall restore FILE`")
        ]
    version, latest = schema_version(path), latest_migration()
    return [
        Item("database", True, f"{path} opens, integrity ok"),
        Item(
            "migrations",
            version >= latest,
            f"schema {version} of {latest}",
            "run `wishwall migrate` (or just start the bot: it migrates on start)",
        ),
    ]


def _disk(settings: Settings) -> Item:
    folder = Path(settings.db).resolve().parent
    while not folder.exists():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    return Item(
        "disk", free >= MIN_FREE_BYTES, f"{free / 1024**3:.1f} GB free at {folder}", "free some space"
    )


def _font() -> Item:
    from bot.reports.charts import cjk_font

    font = cjk_font()
    return Item(
        "chart font",
        font is not None,
        f"CJK font {font}" if font else "no CJK font: charts are labelled in English",
        "install one, e.g. `apt-get install fonts-noto-cjk`",
    )


def _time_zone(settings: Settings) -> Item:
    now = datetime.now(settings.zone)
    return Item("time zone", True, f"{settings.tz} (now {now:%Y-%m-%d %H:%M}; new communities get it)")


def _backups(settings: Settings) -> Item:
    backups = backups_for(settings)
    newest = backups.newest()
    if newest is None:
        return Item(
            "backups", False, f"none in {backups.folder}", "run `wishwall backup`; the bot makes one nightly"
        )
    age = datetime.now(settings.zone) - newest[0]
    hours = age.total_seconds() / 3600
    return Item(
        "backups",
        age <= BACKUP_OVERDUE,
        f"newest {newest[1].name}, {hours:.0f} h old",
        "check the bot runs and the backup folder is writable (see /healthz)",
    )

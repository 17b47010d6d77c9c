"""`wishwall import`, `wishwall export` and `wishwall retention run`: the same core as the bot,
for operators and for cron. Each opens the database, does one thing and closes it."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, timedelta
from pathlib import Path

from bot.clock import Clock, SystemClock
from bot.errors import DomainError
from bot.records import importer, sheets
from bot.records import views as record_views
from bot.reports import figures
from bot.services import Services
from bot.settings import Settings
from bot.texts import t_error


def run_records_command(args: argparse.Namespace, settings: Settings, clock: Clock | None = None) -> int:
    content = b""
    if args.command == "import":
        path = Path(args.file)
        if not path.is_file():
            print(f"wishwall: no such file: {path}", file=sys.stderr)
            return 2
        if path.stat().st_size > importer.MAX_BYTES:
            lang = args.lang or settings.default_lang
            print(
                record_views.refusal_text(
                    importer.ImportRefused("imp.too_big", max_mb=importer.MAX_BYTES // (1024 * 1024)), lang
                ),
                file=sys.stderr,
            )
            return 1
        content = path.read_bytes()
    return asyncio.run(_run(args, settings, clock or SystemClock(), content))


async def _run(args: argparse.Namespace, settings: Settings, clock: Clock, content: bytes) -> int:
    services = Services.build(settings, clock)
    await services.db.open()
    lang = getattr(args, "lang", None) or settings.default_lang
    try:
        if args.command == "import":
            return await _import(services, args, lang, content)
        if args.command == "export":
            return await _export(services, args, lang)
        erased = await services.privacy.erase_expired()
        print(f"retention: erased the personal data of {erased} wishes")
        return 0
    except importer.ImportRefused as refused:
        print(record_views.refusal_text(refused, lang), file=sys.stderr)
        return 1
    except DomainError as error:
        print(f"wishwall: {t_error(lang, error.key, error.params)}", file=sys.stderr)
        return 1
    finally:
        await services.close()


async def _import(services: Services, args: argparse.Namespace, lang: str, content: bytes) -> int:
    community = await services.records.find_community(args.community)
    by = args.by
    if by is None:
        coordinators = await services.directory.coordinators(community.id)
        if not coordinators:
            print("wishwall: this community has no coordinator; give --by USER_ID", file=sys.stderr)
            return 2
        by = coordinators[0]
    actor = await services.directory.actor(by, lang)
    outcome = await services.records.import_file(actor, community.id, Path(args.file).name, content)
    report = "\n".join(record_views.import_report(outcome, lang))
    print(report, file=sys.stdout if outcome.imported else sys.stderr)
    return 0 if outcome.imported else 1


async def _export(services: Services, args: argparse.Namespace, lang: str) -> int:
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        print("wishwall: --out must end in .xlsx or .csv", file=sys.stderr)
        return 2
    records = services.records
    community = await records.find_community(args.community)
    default_start, default_end = figures.year_of(records.today(community))
    try:
        start = date.fromisoformat(args.start) if args.start else default_start
        end = date.fromisoformat(args.end) + timedelta(days=1) if args.end else default_end
    except ValueError:
        print("wishwall: dates are written YYYY-MM-DD", file=sys.stderr)
        return 2
    if end <= start:
        print("wishwall: --to is before --from", file=sys.stderr)
        return 2
    period = records.period(community, (start, end))
    today = records.today(community)
    rows = records.sheet_rows(community, period)
    if suffix == ".xlsx":
        summary = await records.export_summary(community, period)
        count = await sheets.write_claim_sheet(
            out, rows, summary, period=period, lang=lang, public=args.public, today=today
        )
    else:
        # A BOM so that Excel opens the Chinese text as UTF-8.
        handle = await asyncio.to_thread(open, out, "w", encoding="utf-8-sig", newline="")
        try:
            count = await sheets.write_claim_csv(
                handle, rows, period=period, lang=lang, public=args.public, today=today
            )
        finally:
            await asyncio.to_thread(handle.close)
    await records.record_export(None, community, period, args.public)
    print(f"wrote {count} wishes ({period.start} to {period.last_day}) to {out}")
    return 0

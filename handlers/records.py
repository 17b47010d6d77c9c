"""Records in and out: /template and spreadsheet imports, /export, /stats, /myrecord,
/branchreport and /forget. Files are replies to the user's own command, so they go directly."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from telegram import CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import BranchReportCallback, ForgetCallback
from bot.context import WishwallContext
from bot.errors import DomainError
from bot.models import Button, Rendered
from bot.people.policies import command_refusal
from bot.records import importer, record_sheets, sheets
from bot.records import views as record_views
from bot.records.claim_export import claim_sheet
from bot.records.service import community_of, default_export_period, default_record_period
from bot.reports import figures
from bot.texts import t
from handlers.common import (
    actor_of,
    answer,
    button,
    code_arg,
    edit_rendered,
    example_code,
    in_private,
    lang_of,
    reply,
    reply_rendered,
    reply_text,
    say_error,
)

log = logging.getLogger(__name__)

_PUBLIC_WORDS = frozenset({"public", "公开", "公开版"})
_XLSX_WORDS = frozenset({"xlsx", "excel", "表格"})


async def _send_file(update: Update, content: bytes, file_name: str, caption: str) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_document(document=content, filename=file_name, caption=caption[:1024])


async def _reply_lines(update: Update, messages: list[str]) -> None:
    for text in messages:
        await reply_text(update, text)


# --- import ---------------------------------------------------------------------------------


async def template(update: Update, context: WishwallContext) -> None:
    lang = lang_of(update, context)
    try:
        # The category column offers the community's visible categories.
        book = await context.core.categories.book(community_of(await actor_of(update, context)))
    except DomainError as error:
        await say_error(update, context, error)
        return
    await _send_file(
        update,
        sheets.template_xlsx(lang, book.visible()),
        "wishwall-import-template.xlsx",
        t(lang, "imp.template_caption"),
    )


async def import_help(update: Update, context: WishwallContext) -> None:
    await reply(update, context, "imp.how", max=importer.MAX_ROWS)


async def import_document(update: Update, context: WishwallContext) -> None:
    """A spreadsheet sent in a private chat: checked whole, imported only if every row is good."""
    message = update.effective_message
    assert message is not None and message.document is not None
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    refusal = command_refusal("import", actor, in_private(update))
    if refusal is not None:
        await reply(update, context, refusal)
        return
    document = message.document
    if document.file_size is not None and document.file_size > importer.MAX_BYTES:
        # Refused before downloading: Telegram would serve up to 20 MB for nothing.
        await reply(update, context, "imp.too_big", max_mb=importer.MAX_BYTES // (1024 * 1024))
        return
    try:
        telegram_file = await document.get_file()
        content = bytes(await telegram_file.download_as_bytearray())
    except TelegramError:
        log.warning("could not download an import file", exc_info=True)
        await reply(update, context, "imp.unreadable")
        return
    try:
        outcome = await context.core.records.import_file(
            actor, community_of(actor), document.file_name, content
        )
    except importer.ImportRefused as refused:
        await reply_text(update, record_views.refusal_text(refused, lang))
        return
    except DomainError as error:
        await say_error(update, context, error)
        return
    await _reply_lines(update, record_views.import_report(outcome, lang))


# --- export ---------------------------------------------------------------------------------


async def export(update: Update, context: WishwallContext) -> None:
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    records = context.core.records
    try:
        community = await records.community(community_of(actor))
        records.require_coordinator(actor, community.id)
        span, rest = figures.parse_period(
            list(context.args or []), default_export_period(records.today(community))
        )
        public = any(word.lower() in _PUBLIC_WORDS for word in rest)
        if [w for w in rest if w.lower() not in _PUBLIC_WORDS]:
            raise DomainError("fig.bad_period")
    except DomainError as error:
        await say_error(update, context, error)
        return
    sheet = await claim_sheet(records, actor, community, span, public=public, lang=lang)
    caption = t(
        lang,
        "exp.caption_public" if public else "exp.caption",
        start=sheet.period.start.isoformat(),
        end=sheet.period.last_day.isoformat(),
        count=sheet.count,
    )
    await _send_file(update, sheet.content, sheet.file_name, caption)


# --- figures and service records ----------------------------------------------------------------


async def stats(update: Update, context: WishwallContext) -> None:
    actor = await actor_of(update, context)
    view = await context.core.records.stats(actor, community_of(actor))
    await reply_text(update, record_views.stats_text(view, lang_of(update, context)))


async def my_record(update: Update, context: WishwallContext) -> None:
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    records = context.core.records
    try:
        community = await records.community(community_of(actor))
        span, rest = figures.parse_period(
            list(context.args or []), default_record_period(records.today(community))
        )
        as_xlsx = any(word.lower() in _XLSX_WORDS for word in rest)
        if [w for w in rest if w.lower() not in _XLSX_WORDS]:
            raise DomainError("fig.bad_period")
    except DomainError as error:
        await say_error(update, context, error)
        return
    record = await records.member_record(community.id, actor.user_id, span)
    await _reply_lines(update, record_views.record_text(record, lang))
    if record.lines:
        await reply(update, context, "rec.forward_hint")
        await reply_text(update, record_views.forward_text(record, lang, records.today(community)))
    if as_xlsx:
        period = record.period
        await _send_file(
            update,
            record_sheets.record_xlsx(record, lang),
            f"wishwall-record-{period.start.isoformat()}_{period.last_day.isoformat()}.xlsx",
            t(lang, "rec.xlsx_caption", name=record.name, start=period.start, end=period.last_day),
        )


async def branch_report(update: Update, context: WishwallContext) -> None:
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    records = context.core.records
    try:
        community = await records.community(community_of(actor))
        records.require_coordinator(actor, community.id)
        span, rest = figures.parse_period(
            list(context.args or []), default_record_period(records.today(community))
        )
    except DomainError as error:
        await say_error(update, context, error)
        return
    branches = await records.branches(community.id)
    if rest:
        name = " ".join(rest)
        branch = await records.branch_by_name(community.id, name)
        if branch is None:
            await reply(update, context, "rec.no_branch", name=name)
            return
    elif len(branches) == 1:
        branch = branches[0]
    elif not branches:
        await reply(update, context, "rec.no_branches")
        return
    else:
        token = figures.period_token(*span)
        buttons = tuple(
            (Button(text=b.name, callback_data=BranchReportCallback(branch_id=b.id, period=token).pack()),)
            for b in branches
        )
        await reply_rendered(
            update,
            Rendered(
                text=t(
                    lang,
                    "rec.choose_branch",
                    start=span[0].isoformat(),
                    end=(span[1] - timedelta(days=1)).isoformat(),
                ),
                buttons=buttons,
            ),
        )
        return
    await _send_branch_report(update, context, branch.id, span)


@button(BranchReportCallback)
async def branch_chosen(
    update: Update, context: WishwallContext, query: CallbackQuery, data: BranchReportCallback
) -> None:
    span = figures.parse_token(data.period)
    if span is None:
        await answer(query, t(lang_of(update, context), "err.stale_button"), alert=True)
        return
    await answer(query)
    await _send_branch_report(update, context, data.branch_id, span)


async def _send_branch_report(
    update: Update, context: WishwallContext, branch_id: int, span: tuple[date, date]
) -> None:
    lang = lang_of(update, context)
    try:
        report = await context.core.records.branch_report(await actor_of(update, context), branch_id, span)
    except DomainError as error:
        await say_error(update, context, error)
        return
    await _reply_lines(update, record_views.branch_text(report, lang))
    period = report.period
    await _send_file(
        update,
        record_sheets.branch_xlsx(report, lang),
        f"wishwall-branch-{report.branch.id}-{period.start.isoformat()}_{period.last_day.isoformat()}.xlsx",
        t(
            lang,
            "rec.branch_caption",
            branch=report.branch.name,
            start=period.start.isoformat(),
            end=period.last_day.isoformat(),
        ),
    )


# --- /forget ---------------------------------------------------------------------------------------


async def forget(update: Update, context: WishwallContext) -> None:
    lang = lang_of(update, context)
    wish_id = code_arg(context)
    if wish_id is None:
        await reply(update, context, "fgt.usage", example=example_code())
        return
    try:
        plan = await context.core.privacy.plan_forget(await actor_of(update, context), wish_id)
    except DomainError as error:
        await say_error(update, context, error)
        return
    codes = ", ".join(w.code for w in plan.targets)
    if plan.active:
        await reply(update, context, "fgt.active", codes=", ".join(w.code for w in plan.active))
        return
    await reply_rendered(
        update,
        Rendered(
            text=t(
                lang, "fgt.confirm", name=plan.wish.beneficiary_name, count=len(plan.targets), codes=codes
            ),
            buttons=(
                (
                    Button(
                        text=t(lang, "btn.forget_yes"),
                        callback_data=ForgetCallback(wish_id=wish_id, erase="y").pack(),
                    ),
                    Button(
                        text=t(lang, "btn.forget_no"),
                        callback_data=ForgetCallback(wish_id=wish_id, erase="n").pack(),
                    ),
                ),
            ),
        ),
    )


@button(ForgetCallback)
async def forget_confirmed(
    update: Update, context: WishwallContext, query: CallbackQuery, data: ForgetCallback
) -> None:
    lang = lang_of(update, context)
    if data.erase != "y":
        await answer(query)
        await edit_rendered(query, Rendered(text=t(lang, "fgt.kept")))
        return
    erased = await context.core.privacy.forget(await actor_of(update, context), data.wish_id)
    await answer(query)
    # The confirmation named the person: it is replaced, so the chat no longer shows the name.
    await edit_rendered(
        query,
        Rendered(text=t(lang, "fgt.done", count=len(erased), codes=", ".join(w.code for w in erased))),
    )


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("template", template, filters=private),
        CommandHandler("import", import_help, filters=private),
        MessageHandler(filters.Document.ALL & private, import_document),
        CommandHandler("export", export, filters=private),
        CommandHandler("stats", stats, filters=private),
        CommandHandler("myrecord", my_record, filters=private),
        CommandHandler("branchreport", branch_report, filters=private),
        CallbackQueryHandler(branch_chosen, pattern=BranchReportCallback.matches),
        CommandHandler("forget", forget, filters=private),
        CallbackQueryHandler(forget_confirmed, pattern=ForgetCallback.matches),
    ]

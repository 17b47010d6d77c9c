"""/report: the weekly report on demand (coordinators; in private or in a bound group)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import WishwallContext
from bot.errors import DomainError, NotAllowed
from handlers.common import actor_of, in_private, lang_of, reply, reply_text, say_error


async def report(update: Update, context: WishwallContext) -> None:
    """`/report` for the last full week, `/report 2026-W47` for an earlier one.

    The same text and chart the scheduler sends on the report day, answered straight to the
    coordinator who asked (in a group: to that group, which sees no personal data in it).
    """
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    core = context.core
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    if not in_private(update) and await core.groups.bound(chat.id) is None:
        await reply(update, context, "groups.not_bound")
        return
    try:
        community = await core.reports.community_for(actor, None if in_private(update) else chat.id)
        if not actor.coordinates(community.id):
            raise NotAllowed("err.coordinators_only")
        week = core.reports.week_asked(community, " ".join(context.args or []) or None, core.clock.now())
    except DomainError as error:
        await say_error(update, context, error)
        return
    output = await core.reports.output(await core.reports.build(community, week), lang)
    await reply_text(update, output.text)
    await message.reply_photo(output.chart, caption=output.caption, filename="wishwall-report.png")
    if in_private(update):  # the wishes waiting for a follow-up: the coordinator's copy only
        waiting = await core.reports.followups_waiting(community, core.clock.now(), lang)
        if waiting:
            await reply_text(update, waiting)


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [CommandHandler("report", report)]

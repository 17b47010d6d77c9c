"""Last resort for updates no feature took: stale or forged buttons, messages not understood.

Unknown commands never get here: the guard refuses every command the command table lacks."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import WishwallContext
from bot.texts import t
from handlers.common import answer, lang_of, reply


async def stale_button(update: Update, context: WishwallContext) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    await answer(query, t(lang_of(update, context), "err.stale_button"), alert=True)
    await context.services.org.refused(
        update.effective_user.id, "refused.button", {"data": (query.data or "")[:64]}
    )


async def unexpected_message(update: Update, context: WishwallContext) -> None:
    await reply(update, context, "help.not_understood")


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [
        CallbackQueryHandler(stale_button),
        MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, unexpected_message),
    ]

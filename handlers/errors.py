"""The one place unexpected errors end: logged with the update, the user told briefly."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import WishwallContext
from bot.errors import DomainError
from bot.texts import t
from handlers.common import answer, lang_of, reply_text, say_error

log = logging.getLogger(__name__)


async def on_error(update: object, context: WishwallContext) -> None:
    error = context.error
    if isinstance(update, Update) and isinstance(error, DomainError):
        # A rule said no somewhere a handler did not expect it: still a clear answer.
        await say_error(update, context, error)
        return
    log.error("unhandled error for update %r", update, exc_info=error)
    if not isinstance(update, Update):
        return
    text = t(lang_of(update, context), "err.generic")
    try:
        if update.callback_query is not None:
            await answer(update.callback_query, text, alert=True)
        elif update.effective_chat is not None and update.effective_chat.type == "private":
            await reply_text(update, text)
    except TelegramError:
        log.warning("could not tell the user about the error", exc_info=True)

"""The one place unexpected errors end: logged without personal data, the user told briefly."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import WishwallContext, update_kind
from bot.errors import DomainError
from bot.texts import t
from handlers.common import answer, lang_of, reply_text, say_error

log = logging.getLogger(__name__)

def describe(update: object) -> str:
    """What a log line may say about an update: its id, kind, chat and user ids.

    Never the text: a coordinator typing into /newwish sends a beneficiary's phone number and
    address, and logs are read, copied and kept far more loosely than the database.
    """
    if not isinstance(update, Update):
        return f"non-update {type(update).__name__}"
    kind = update_kind(update)
    chat = update.effective_chat.id if update.effective_chat else None
    user = update.effective_user.id if update.effective_user else None
    return f"update {update.update_id} ({kind}, chat {chat}, user {user})"


async def on_error(update: object, context: WishwallContext) -> None:
    error = context.error
    if isinstance(update, Update) and isinstance(error, DomainError):
        # A rule said no somewhere a handler did not expect it: still a clear answer.
        await say_error(update, context, error)
        return
    exc_info = (type(error), error, error.__traceback__) if error is not None else None
    log.error("unhandled %s for %s", type(error).__name__, describe(update), exc_info=exc_info)
    if not isinstance(update, Update):
        return
    text = t(lang_of(update, context), "err.generic")
    try:
        if update.callback_query is not None:
            await answer(update.callback_query, text, alert=True)
        elif update.effective_chat is not None and update.effective_chat.type == "private":
            await reply_text(update, text)
    except TelegramError:
        log.warning("could not tell the user about the error for %s", describe(update), exc_info=True)

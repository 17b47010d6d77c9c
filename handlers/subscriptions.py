"""/subscribe [categories] and /unsubscribe: the daily digest of new wishes in one's branch.

The digest itself is sent by the scheduler (bot/outreach/subscriptions.py); its Claim buttons
are the group cards' own, handled in handlers/wishes/claims.py.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import WishwallContext
from bot.errors import DomainError
from bot.outreach import cards
from handlers.common import actor_of, lang_of, reply, reply_text, say_error


async def subscribe(update: Update, context: WishwallContext) -> None:
    lang = lang_of(update, context)
    try:
        view = await context.core.outreach.subscriptions.subscribe(
            await actor_of(update, context), " ".join(context.args or [])
        )
    except DomainError as error:
        await say_error(update, context, error)
        return
    await reply_text(update, cards.subscribed(lang, view.branch, view.categories, view.hour))


async def unsubscribe(update: Update, context: WishwallContext) -> None:
    stopped = await context.core.outreach.subscriptions.unsubscribe(await actor_of(update, context))
    await reply(update, context, "sub.unsubscribed" if stopped else "sub.not_subscribed")


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [CommandHandler("subscribe", subscribe), CommandHandler("unsubscribe", unsubscribe)]

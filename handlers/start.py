"""/start (registration with a real name, deep links), /help and /cancel."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot import cards
from bot.context import WishwallContext
from bot.errors import DomainError
from bot.models import WishStatus
from bot.texts import t
from handlers.common import actor_of, lang_of, reply, reply_rendered, reply_text

ASK_NAME = "ask_name"
NAME_MIN, NAME_MAX = 2, 30
_CLAIM_PAYLOAD = re.compile(r"^claim_(\d{1,12})$")
DRAFT = "start"


async def start(update: Update, context: WishwallContext) -> str | int:
    user = update.effective_user
    assert user is not None
    payload = (context.args or [""])[0]
    member = await context.services.members.get(user.id)
    if member is not None:
        await reply(update, context, "start.welcome_back", name=member.full_name)
        await _after_start(update, context, payload)
        return ConversationHandler.END
    await context.services.drafts.save(user.id, DRAFT, {"payload": payload}, context.services.clock.now())
    await reply(update, context, "start.ask_name")
    return ASK_NAME


async def got_name(update: Update, context: WishwallContext) -> str | int:
    user = update.effective_user
    message = update.effective_message
    assert user is not None and message is not None
    name = " ".join((message.text or "").split())
    if not (NAME_MIN <= len(name) <= NAME_MAX):
        await reply(update, context, "val.name")
        return ASK_NAME
    services = context.services
    lang = lang_of(update, context)
    await services.members.register(user.id, name, lang, services.clock.now())
    draft = await services.drafts.load(user.id, DRAFT) or {}
    await services.drafts.delete(user.id, DRAFT)
    await reply(update, context, "start.registered", name=name)
    await _after_start(update, context, str(draft.get("payload", "")))
    return ConversationHandler.END


async def _after_start(update: Update, context: WishwallContext, payload: str) -> None:
    """A deep link from a group's Claim button shows that wish here, ready to claim."""
    match = _CLAIM_PAYLOAD.match(payload)
    if match:
        try:
            wish = await context.services.wishes.get(int(match.group(1)))
        except DomainError:
            wish = None
        if wish is not None and wish.status is WishStatus.OPEN:
            await reply_rendered(update, cards.group_card(wish, lang_of(update, context)))
            return
    await help_command(update, context)


async def help_command(update: Update, context: WishwallContext) -> None:
    actor = await actor_of(update, context)
    lang = lang_of(update, context)
    parts = [t(lang, "help.member")]
    if actor.is_coordinator:
        parts.append(t(lang, "help.coordinator"))
    if actor.member is None:
        parts.append(t(lang, "help.register"))
    await reply_text(update, "\n\n".join(parts))


async def cancel(update: Update, context: WishwallContext) -> int:
    """Leaves whichever conversation is running; drafts of that conversation are dropped."""
    user = update.effective_user
    assert user is not None
    for kind in ("start", "newwish", "reason", "deliver"):
        await context.services.drafts.delete(user.id, kind)
    await reply(update, context, "conv.cancelled")
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, WishwallContext, None]]:
    return [
        ConversationHandler(
            entry_points=[CommandHandler("start", start, filters=filters.ChatType.PRIVATE)],
            states={
                ASK_NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_name)],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            name="start",
            persistent=True,
        ),
        CommandHandler("help", help_command),
    ]

"""Members' side: Claim and Release buttons, and /mywishes."""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import WishButton, WishCallback
from bot.context import WishwallContext
from bot.texts import t
from bot.wishes import cards
from handlers.common import (
    actor_of,
    answer,
    button,
    edit_rendered,
    in_private,
    lang_of,
    reply,
    reply_rendered,
)
from handlers.wishes import release as release_reason
from handlers.wishes.review import wish_buttons


@button(WishCallback)
async def claim(update: Update, context: WishwallContext, query: CallbackQuery, data: WishCallback) -> None:
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    if actor.member is None:
        # Telegram opens this link in the user's private chat with the bot, ready for /start.
        await query.answer(
            t(lang, "err.register_first"),
            show_alert=True,
            url=f"https://t.me/{context.bot.username}?start=claim_{data.wish_id}",
        )
        return
    chat = update.effective_chat
    wish = await context.core.wishes.claim(
        actor, data.wish_id, group_chat=None if in_private(update) or chat is None else chat.id
    )
    # The tap is answered first; the group card edit and the details go through the outbox.
    if wish.is_joint:
        text = t(lang, "claims.joined", code=wish.code, k=len(wish.holders), n=wish.needed_members)
    else:
        text = t(lang, "claims.claimed", code=wish.code)
    await answer(query, text, alert=not in_private(update))
    if in_private(update):
        await edit_rendered(query, cards.group_card(wish, lang, await context.core.wishes.holder_name(wish)))


@button(WishCallback)
async def release(update: Update, context: WishwallContext, query: CallbackQuery, data: WishCallback) -> None:
    """Asks why first (handlers/wishes/release.py); the details leave the holder's screen with
    the claim, taken back like every copy of them."""
    await release_reason.ask(update, context, query, data.wish_id, tapped=None)


async def my_wishes(update: Update, context: WishwallContext) -> None:
    lang = lang_of(update, context)
    held = await context.core.wishes.held_by(await actor_of(update, context))
    if not held:
        await reply(update, context, "claims.none_held")
        return
    await reply(update, context, "claims.held_header", count=len(held))
    user = update.effective_user
    assert user is not None
    for wish in held:
        sent = await reply_rendered(update, cards.holder_card(wish, lang))
        if sent is not None:
            # Tracked, so the details can be taken back when the claim ends.
            await context.core.wishes.track_details(wish.id, user.id, sent.chat_id, sent.message_id)


def claim_handler() -> BaseHandler[Update, WishwallContext, Any]:
    """Registered ahead of the conversations (handlers/registry.py): no step of one takes a
    Claim tap, and a claim storm's taps skipped a dozen handlers' checks each."""
    return CallbackQueryHandler(claim, pattern=wish_buttons(WishButton.CLAIM))


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [
        CallbackQueryHandler(release, pattern=wish_buttons(WishButton.RELEASE)),
        CommandHandler("mywishes", my_wishes),
    ]

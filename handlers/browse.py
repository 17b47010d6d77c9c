"""/wishes: the open wishes of the member's community in their private chat, a page at a time,
filtered by what follows the command; Claim and Join under the list are the group card's claim."""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.browse.buttons import ListAction, ListCallback
from bot.browse.filters import BrowseFilter
from bot.browse.pages import browse_page
from bot.context import WishwallContext
from bot.errors import DomainError
from bot.texts import t
from handlers.common import actor_of, answer, button, edit_rendered, lang_of, reply_rendered, say_error


async def wishes_command(update: Update, context: WishwallContext) -> None:
    message = update.effective_message
    assert message is not None
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    browse = context.core.browse
    try:
        wanted = await browse.read_filters(actor, (message.text or "").partition(" ")[2])
        page = await browse.page(actor, wanted, 0)
    except DomainError as error:
        await say_error(update, context, error)
        return
    await reply_rendered(update, browse_page(page, lang))


@button(ListCallback)
async def on_list_button(
    update: Update, context: WishwallContext, query: CallbackQuery, data: ListCallback
) -> None:
    """Another page, or a claim: the same transition as the group card's button (the card in
    the group is edited and the details sent through the outbox), then the page again."""
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    browse = context.core.browse
    if data.action is ListAction.PAGE:
        # A refusal (no longer a member, a forged filter) is the tap's alert, by @button.
        page = await browse.page(actor, BrowseFilter.of(data), data.page)
        await answer(query)
        await edit_rendered(query, browse_page(page, lang))
        return
    wish = await context.core.wishes.claim(actor, data.wish_id)
    if wish.is_joint:
        note = t(lang, "claims.joined", code=wish.code, k=len(wish.holders), n=wish.needed_members)
    else:
        note = t(lang, "claims.claimed", code=wish.code)
    await answer(query, note)
    try:
        page = await browse.page(actor, BrowseFilter.of(data), data.page)
    except DomainError:
        return  # claimed and told so; only the list could not be shown again
    await edit_rendered(query, browse_page(page, lang))


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [
        CommandHandler("wishes", wishes_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(on_list_button, pattern=ListCallback.matches),
    ]

"""Handover in the chat: the holder's Hand over (a list of their branch, paged, and a link to
forward), the offer's Accept / Decline, and a forwarded link opened with /start ho_<token>.
Everything decided is the core's (bot/wishes/handover.py)."""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.callbacks import HandoverAnswerCallback, HandoverButton, HandoverCallback, WishButton, WishCallback
from bot.context import WishwallContext
from bot.errors import DomainError
from bot.models import Rendered
from bot.texts import t
from bot.wishes.handover_cards import candidates_card, link_of, link_text, offer_card, offered_text
from handlers.common import actor_of, answer, button, edit_rendered, lang_of, reply_rendered, say_error


@button(WishCallback)
async def begin(update: Update, context: WishwallContext, query: CallbackQuery, data: WishCallback) -> None:
    """Hand over, under the holder's card: who should take it over?"""
    page = await context.core.wishes.handover.candidates(await actor_of(update, context), data.wish_id)
    await answer(query)
    card = candidates_card(
        page.wish, lang_of(update, context), page.members, page.page, page.pages, has_branch=page.has_branch
    )
    await reply_rendered(update, card)


@button(HandoverCallback)
async def on_list(
    update: Update, context: WishwallContext, query: CallbackQuery, data: HandoverCallback
) -> None:
    """Another page of the list, a member chosen, or a link to forward."""
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    handover = context.core.wishes.handover
    if data.action is HandoverButton.PAGE:
        page = await handover.candidates(actor, data.wish_id, data.value)
        await answer(query)
        card = candidates_card(
            page.wish, lang, page.members, page.page, page.pages, has_branch=page.has_branch
        )
        await edit_rendered(query, card)
        return
    to_user = data.value if data.action is HandoverButton.PICK else None
    offer, wish = await handover.offer(actor, data.wish_id, to_user)
    until = await handover.until(offer)
    if to_user is not None:
        name = await context.core.directory.name_of(to_user)
        text = offered_text(wish, lang, name, until)
    else:
        text = link_text(wish, lang, link_of(context.bot.username, offer), until)
    await answer(query)
    await edit_rendered(query, Rendered(text=text))


@button(HandoverAnswerCallback)
async def on_answer(
    update: Update, context: WishwallContext, query: CallbackQuery, data: HandoverAnswerCallback
) -> None:
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    handover = context.core.wishes.handover
    if data.answer == "y":
        wish = await handover.accept(actor, data.token)
        text = t(lang, "handover.accepted", code=wish.code)
    else:
        offer = await handover.decline(actor, data.token)
        text = t(lang, "handover.declined", code=(await context.core.wishes.get(offer.wish_id)).code)
    await answer(query, text)
    await edit_rendered(query, Rendered(text=text))


async def show_link(update: Update, context: WishwallContext, token: str) -> None:
    """A forwarded link opened: the offer with Accept / Decline, if it is theirs to answer."""
    handover = context.core.wishes.handover
    try:
        offer, wish, name = await handover.view(await actor_of(update, context), token)
        until = await handover.until(offer)
    except DomainError as error:
        await say_error(update, context, error)
        return
    await reply_rendered(
        update, offer_card(wish, lang_of(update, context), offer, from_name=name, until=until)
    )


_HANDOVER_BUTTON = WishCallback.matching(lambda d: d.action is WishButton.HANDOVER)


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [
        CallbackQueryHandler(begin, pattern=_HANDOVER_BUTTON),
        CallbackQueryHandler(on_list, pattern=HandoverCallback.matches),
        CallbackQueryHandler(on_answer, pattern=HandoverAnswerCallback.matches),
    ]

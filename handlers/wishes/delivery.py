"""Mark delivered: the holder may add a photo and a note, then coordinators are asked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import CallbackQuery, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import ChoiceCallback, DraftChoice, WishButton, WishCallback
from bot.context import WishwallContext
from bot.drafts import DeliveryDraft
from bot.errors import DomainError
from bot.models import Action, Button, Rendered
from bot.texts import t
from bot.wishes.lifecycle import MAX_NOTE
from handlers.common import actor_of, answer, button, lang_of, reply, reply_rendered, say_error
from handlers.people.start import cancel
from handlers.wishes.review import wish_buttons

PROOF = "proof"


def _skip_only(value: str) -> Callable[[object], bool]:
    def match(data: object) -> bool:
        parsed = ChoiceCallback.unpack(data)
        return parsed is not None and parsed.choice is DraftChoice.SKIP and parsed.value == value

    return match


@button(WishCallback)
async def begin(update: Update, context: WishwallContext, query: CallbackQuery, data: WishCallback) -> str:
    """Refused (DomainError): the alert, and no conversation starts (an entry point's None)."""
    assert update.effective_user is not None
    lang = lang_of(update, context)
    wish = await context.core.wishes.precheck(await actor_of(update, context), Action.DELIVER, data.wish_id)
    await answer(query)
    await context.core.drafts.save(update.effective_user.id, DeliveryDraft(wish_id=wish.id))
    skip = Button(
        text=t(lang, "btn.skip"),
        callback_data=ChoiceCallback(choice=DraftChoice.SKIP, value="proof").pack(),
    )
    await reply_rendered(
        update, Rendered(text=t(lang, "delivery.ask_proof", code=wish.code), buttons=((skip,),))
    )
    return PROOF


async def got_proof(update: Update, context: WishwallContext) -> str | int:
    message = update.effective_message
    assert message is not None
    photo = message.photo[-1].file_id if message.photo else None
    note = message.caption if photo else message.text
    if note and len(note) > MAX_NOTE:
        await reply(update, context, "val.too_long", max=MAX_NOTE)
        return PROOF
    return await _finish(update, context, note, photo)


async def skip_proof(update: Update, context: WishwallContext) -> str | int:
    assert update.callback_query is not None
    await answer(update.callback_query)
    return await _finish(update, context, None, None)


async def _finish(update: Update, context: WishwallContext, note: str | None, photo: str | None) -> str | int:
    user = update.effective_user
    assert user is not None
    drafts = context.core.drafts
    draft = await drafts.load(user.id, DeliveryDraft)
    if draft is None:
        return ConversationHandler.END
    await drafts.delete(user.id, DeliveryDraft)
    try:
        wish = await context.core.wishes.deliver(await actor_of(update, context), draft.wish_id, note, photo)
    except DomainError as error:
        await say_error(update, context, error)
        return ConversationHandler.END
    await reply(update, context, "delivery.reported", code=wish.code)
    return ConversationHandler.END


async def proof_expected(update: Update, context: WishwallContext) -> str:
    await reply(update, context, "delivery.proof_expected")
    return PROOF


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [
        ConversationHandler(
            entry_points=[CallbackQueryHandler(begin, pattern=wish_buttons(WishButton.DELIVER))],
            states={
                PROOF: [
                    MessageHandler((filters.TEXT & ~filters.COMMAND) | filters.PHOTO, got_proof),
                    CallbackQueryHandler(skip_proof, pattern=_skip_only("proof")),
                    MessageHandler(~filters.COMMAND, proof_expected),
                ]
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            name="deliver",
            persistent=True,
        )
    ]

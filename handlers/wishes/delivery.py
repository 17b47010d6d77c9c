"""Mark delivered: the holder may add a photo and a note, then coordinators are asked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import Update
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
from bot.errors import DomainError
from bot.models import Action, Button, Rendered
from bot.texts import t
from bot.wishes.lifecycle import MAX_NOTE
from handlers.common import actor_of, answer, error_text, lang_of, reply, reply_rendered, say_error
from handlers.people.start import cancel
from handlers.wishes.review import wish_buttons

PROOF = "proof"
DRAFT = "deliver"


def _skip_only(value: str) -> Callable[[object], bool]:
    def match(data: object) -> bool:
        parsed = ChoiceCallback.unpack(data)
        return parsed is not None and parsed.choice is DraftChoice.SKIP and parsed.value == value

    return match


async def begin(update: Update, context: WishwallContext) -> str | int:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    data = WishCallback.unpack(query.data)
    assert data is not None
    lang = lang_of(update, context)
    try:
        wish = await context.services.wishes.precheck(
            await actor_of(update, context), Action.DELIVER, data.wish_id
        )
    except DomainError as error:
        await answer(query, error_text(lang, error), alert=True)
        return ConversationHandler.END
    await answer(query)
    await context.services.drafts.save(
        update.effective_user.id, DRAFT, {"wish_id": wish.id}, context.services.clock.now()
    )
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
    draft = await context.services.drafts.load(user.id, DRAFT)
    if not draft:
        return ConversationHandler.END
    await context.services.drafts.delete(user.id, DRAFT)
    try:
        wish = await context.services.wishes.deliver(
            await actor_of(update, context), int(draft["wish_id"]), note, photo
        )
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

"""Mark delivered: the holder may add a photo and a note, then coordinators are asked."""

from __future__ import annotations

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

from bot.callbacks import ChoiceCallback, DraftChoice, HoursBy, HoursCallback, WishButton, WishCallback
from bot.codes import format_code
from bot.context import WishwallContext
from bot.drafts import DeliveryDraft
from bot.errors import DomainError
from bot.models import Action, Button, Rendered
from bot.points.hours import format_tenths, hours_rows
from bot.texts import t
from bot.wishes.lifecycle import MAX_NOTE
from handlers import points
from handlers.common import (
    actor_of,
    answer,
    button,
    edit_rendered,
    lang_of,
    reply,
    reply_rendered,
    reply_text,
    say_error,
)
from handlers.people.start import cancel
from handlers.wishes.review import wish_buttons

PROOF = "proof"


_MEMBERS_HOURS = HoursCallback.matching(lambda d: d.by is HoursBy.MEMBER)
_SKIP_PROOF = ChoiceCallback.matching(lambda d: d.choice is DraftChoice.SKIP and d.value == PROOF)


@button(WishCallback)
async def begin(update: Update, context: WishwallContext, query: CallbackQuery, data: WishCallback) -> str:
    """Refused (DomainError): the alert, and no conversation starts (an entry point's None)."""
    assert update.effective_user is not None
    lang = lang_of(update, context)
    wish = await context.core.wishes.precheck(await actor_of(update, context), Action.DELIVER, data.wish_id)
    await answer(query)
    await context.core.drafts.save(update.effective_user.id, DeliveryDraft(wish_id=wish.id))
    default = (await context.core.wishes.community(wish.community_id)).hours_default * 10
    await reply_rendered(update, _proof_prompt(lang, wish.id, default, chosen=False))
    return PROOF


def _proof_prompt(lang: str, wish_id: int, hours: int, *, chosen: bool) -> Rendered:
    """Photo, note or Skip; above Skip, the service hours: the community's default until the
    member taps others (accepting the default costs no tap)."""
    skip = Button(
        text=t(lang, "btn.skip"),
        callback_data=ChoiceCallback(choice=DraftChoice.SKIP, value="proof").pack(),
    )
    key = "hp.ask_hours_chosen" if chosen else "hp.ask_hours_default"
    asked = t(lang, "delivery.ask_proof", code=format_code(wish_id))
    text = asked + "\n\n" + t(lang, key, hours=format_tenths(hours))
    return Rendered(text=text, buttons=(*hours_rows(lang, wish_id, HoursBy.MEMBER, hours), (skip,)))


async def hours_chosen(update: Update, context: WishwallContext) -> str:
    """An hours button while the photo or note is asked: kept for the delivery report. A button
    of another wish (an older message) is a statement about that wish (handlers/points.py)."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    data = HoursCallback.unpack(query.data)
    draft = await context.core.drafts.load(user.id, DeliveryDraft)
    if data is None or draft is None or draft.wish_id != data.wish_id:
        await points.hours_tapped(update, context)
        return PROOF
    draft.hours = data.tenths
    await context.core.drafts.save(user.id, draft)
    lang = lang_of(update, context)
    await answer(query, t(lang, "hp.hours_chosen", hours=format_tenths(data.tenths)))
    await edit_rendered(query, _proof_prompt(lang, data.wish_id, data.tenths, chosen=True))
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
    wishes = context.core.wishes
    try:
        wish = await wishes.deliver(await actor_of(update, context), draft.wish_id, note, photo, draft.hours)
    except DomainError as error:
        await say_error(update, context, error)
        return ConversationHandler.END
    lang = lang_of(update, context)
    hours = draft.hours
    if hours is None:
        hours = (await wishes.community(wish.community_id)).hours_default * 10
    reported = t(lang, "delivery.reported", code=wish.code)
    recorded = t(lang, "hp.reported", code=wish.code, hours=format_tenths(hours))
    await reply_text(update, reported + "\n" + recorded)
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
                    CallbackQueryHandler(skip_proof, pattern=_SKIP_PROOF),
                    CallbackQueryHandler(hours_chosen, pattern=_MEMBERS_HOURS),
                    MessageHandler(~filters.COMMAND, proof_expected),
                ]
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            name="deliver",
            persistent=True,
        )
    ]

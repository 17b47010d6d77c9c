"""Buttons under reminders and escalations.

Holder: "Need more time" (under a reminder or the holder's details message) asks for a new due
date (quick choices or a typed date, bounded by the community's max_extension_days) and tells the
coordinators; "Release" gives the wish back. The
"Mark delivered" button is the wish loop's own delivery flow (handlers/delivery.py).
Coordinator (escalation): "Extend" (the same date question), "Reassign" (back to open; the
holder is told) and "Keep chasing".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import ExtendCallback, ReminderButton, ReminderCallback
from bot.context import WishwallContext
from bot.drafts import ExtendDraft
from bot.errors import DomainError, InvalidInput, NotAllowed
from bot.messaging.writer import to_markup
from bot.models import Button, Rendered
from bot.reminders.service import ExtensionOffer, without_wish
from bot.texts import t
from bot.wishes import cards
from handlers.common import (
    actor_of,
    answer,
    button,
    edit_rendered,
    error_text,
    lang_of,
    reply,
    reply_rendered,
    reply_text,
)
from handlers.people.start import cancel
from handlers.wishes import release as release_reason

log = logging.getLogger(__name__)

DATE = "extend_date"


def reminder_buttons(*actions: ReminderButton) -> Callable[[object], bool]:
    return ReminderCallback.matching(lambda d: d.action in actions)


def rendered_of(message: object) -> Rendered:
    """The message a button sits on, as the core's Rendered (to edit it without re-rendering)."""
    if not isinstance(message, Message):
        return Rendered(text="")
    markup = message.reply_markup
    # PTB types callback_data as any object (arbitrary callback data, which this bot does not
    # turn on): ours are always str.
    rows = tuple(
        tuple(
            Button(
                text=b.text,
                callback_data=b.callback_data if isinstance(b.callback_data, str) else None,
                url=b.url,
                web_app=b.web_app.url if b.web_app else None,
            )
            for b in row
        )
        for row in (markup.inline_keyboard if markup else ())
    )
    return Rendered(text=message.text or message.caption or "", buttons=rows)


def _day_data(day: date) -> str:
    return day.strftime("%Y%m%d")


def offer_card(offer: ExtensionOffer, lang: str) -> Rendered:
    wish = offer.wish
    buttons = tuple(
        (
            Button(
                text=t(lang, "btn.extend_days", days=(day - offer.base).days, day=day.isoformat()),
                callback_data=ExtendCallback(wish_id=wish.id, day=_day_data(day)).pack(),
            ),
        )
        for day in offer.choices
    )
    text = t(
        lang,
        "extend.ask",
        code=wish.code,
        due=wish.due_date.isoformat(),
        latest=offer.latest.isoformat(),
    )
    return Rendered(text=text, buttons=buttons)


# --- need more time / extend: a one-question conversation ------------------------------------


@button(ReminderCallback)
async def begin_extend(
    update: Update, context: WishwallContext, query: CallbackQuery, data: ReminderCallback
) -> str:
    """A refusal is the tap's alert; the None the decorator then returns starts no conversation."""
    assert update.effective_user is not None
    lang = lang_of(update, context)
    offer = await context.core.reminders.extension_offer(await actor_of(update, context), data.wish_id)
    details = data.action is ReminderButton.MORE_TIME_DETAILS
    if details and not offer.by_holder:
        # Only the holder's details message carries it; coordinators extend from escalations.
        raise NotAllowed("err.not_holder", code=offer.wish.code)
    await answer(query)
    # The reminder (or escalation) tapped is kept, so its buttons for this wish can go once done;
    # a details message is kept to show the new due date.
    tapped = query.message
    draft = ExtendDraft(wish_id=offer.wish.id)
    if isinstance(tapped, Message):
        draft = ExtendDraft(
            wish_id=offer.wish.id,
            chat_id=tapped.chat.id,
            message_id=tapped.message_id,
            message=None if details else rendered_of(tapped),
            details=details,
        )
    await context.core.drafts.save(update.effective_user.id, draft)
    await reply_rendered(update, offer_card(offer, lang))
    return DATE


async def typed_date(update: Update, context: WishwallContext) -> str | int:
    message = update.effective_message
    assert message is not None
    try:
        day = date.fromisoformat((message.text or "").strip())
    except ValueError:
        await reply(update, context, "val.date", example="2026-12-01")
        return DATE
    return await _apply(update, context, day, None)


@button(ExtendCallback)
async def chosen_date(
    update: Update, context: WishwallContext, query: CallbackQuery, data: ExtendCallback
) -> str | int:
    await answer(query)
    return await _apply(update, context, data.as_date, data.wish_id)


async def chosen_date_outside(update: Update, context: WishwallContext) -> None:
    """A date button tapped after the conversation ended (or after a restart): it still says
    which wish and which day, so it still works, with the same checks."""
    await chosen_date(update, context)


async def _apply(update: Update, context: WishwallContext, day: date, wish_id: int | None) -> str | int:
    user = update.effective_user
    assert user is not None
    core = context.core
    drafts = core.drafts
    draft = await drafts.load(user.id, ExtendDraft)
    wish_id = wish_id or (draft.wish_id if draft is not None else None)
    if wish_id is None:
        return ConversationHandler.END
    actor = await actor_of(update, context)
    lang = lang_of(update, context)
    try:
        wish = await core.reminders.extend(actor, wish_id, day)
    except InvalidInput as error:
        # Taps were answered already: the reason goes into the chat, and the question stays.
        await reply_text(update, error_text(lang, error))
        return DATE
    except DomainError as error:
        await reply_text(update, error_text(lang, error))
        await drafts.delete(user.id, ExtendDraft)
        return ConversationHandler.END
    await drafts.delete(user.id, ExtendDraft)
    if draft is not None and draft.wish_id == wish.id and draft.details and user.id in wish.holders:
        await _update_tapped(context, draft, cards.holder_card(wish, lang))
    elif draft is not None and draft.wish_id == wish.id and draft.message is not None:
        await _update_tapped(
            context,
            draft,
            without_wish(
                draft.message,
                wish.id,
                t(lang, "remind.extended_line", code=wish.code, due=wish.due_date.isoformat()),
            ),
        )
    if wish.holder_id == user.id:
        await reply(update, context, "extend.done_holder", code=wish.code, due=wish.due_date.isoformat())
    else:
        holder = await core.wishes.holder_name(wish) or "?"
        await reply(
            update,
            context,
            "extend.done_coordinator",
            code=wish.code,
            due=wish.due_date.isoformat(),
            holder=holder,
        )
    return ConversationHandler.END


async def _update_tapped(context: WishwallContext, draft: ExtendDraft, rendered: Rendered) -> None:
    """Best effort: the reminder may be gone or already show this; the answer went out anyway."""
    if draft.chat_id is None or draft.message_id is None:
        return
    try:
        await context.bot.edit_message_text(
            rendered.text[:4096],
            chat_id=draft.chat_id,
            message_id=draft.message_id,
            reply_markup=to_markup(rendered),
        )
    except BadRequest as exc:
        log.info("could not update the tapped message after an extension: %s", exc)


# --- one-tap buttons ----------------------------------------------------------------------------


@button(ReminderCallback)
async def release(
    update: Update, context: WishwallContext, query: CallbackQuery, data: ReminderCallback
) -> None:
    """The holder gives a wish back from a reminder, saying why (handlers/wishes/release.py);
    then the reminder keeps only its other wishes."""
    await release_reason.ask(update, context, query, data.wish_id, tapped=rendered_of(query.message))


@button(ReminderCallback)
async def reassign(
    update: Update, context: WishwallContext, query: CallbackQuery, data: ReminderCallback
) -> None:
    """A coordinator takes an overdue wish back to open; the lifecycle tells the holder."""
    lang = lang_of(update, context)
    core = context.core
    before = await core.wishes.get(data.wish_id)
    holder = await core.wishes.holder_name(before) or "?"
    wish = await core.wishes.release(await actor_of(update, context), data.wish_id)
    await answer(query, t(lang, "chase.reassigned_short", code=wish.code))
    note = t(lang, "chase.reassigned", code=wish.code, holder=holder)
    await edit_rendered(query, Rendered(text=rendered_of(query.message).text + "\n\n" + note))


@button(ReminderCallback)
async def keep_chasing(
    update: Update, context: WishwallContext, query: CallbackQuery, data: ReminderCallback
) -> None:
    lang = lang_of(update, context)
    kept = await context.core.reminders.keep_chasing(await actor_of(update, context), data.wish_id)
    await answer(query, t(lang, "chase.kept_short", code=kept.wish.code))
    note = t(lang, "chase.kept", code=kept.wish.code, holder=kept.holder_name, count=kept.again_after)
    await edit_rendered(query, Rendered(text=rendered_of(query.message).text + "\n\n" + note))


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [
        ConversationHandler(
            entry_points=[
                CallbackQueryHandler(
                    begin_extend,
                    pattern=reminder_buttons(
                        ReminderButton.MORE_TIME, ReminderButton.MORE_TIME_DETAILS, ReminderButton.EXTEND
                    ),
                )
            ],
            states={
                DATE: [
                    CallbackQueryHandler(chosen_date, pattern=ExtendCallback.matches),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, typed_date),
                ]
            },
            # /cancel drops every conversation's draft, the ExtendDraft with them.
            fallbacks=[CommandHandler("cancel", cancel)],
            name="extend",
            persistent=True,
        ),
        CallbackQueryHandler(chosen_date_outside, pattern=ExtendCallback.matches),
        CallbackQueryHandler(release, pattern=reminder_buttons(ReminderButton.RELEASE)),
        CallbackQueryHandler(reassign, pattern=reminder_buttons(ReminderButton.REASSIGN)),
        CallbackQueryHandler(keep_chasing, pattern=reminder_buttons(ReminderButton.KEEP)),
    ]

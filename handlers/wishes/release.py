"""Release with a reason: Release (under the holder's card or a reminder) asks why, with a
button per reason (bot/wishes/releases.py) and "other", which asks for a few words; Keep it
changes nothing. The release itself is the lifecycle's, with the reason in its event."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import CallbackQuery, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import ReleaseCallback, ReleaseChoice
from bot.context import WishwallContext
from bot.drafts import ReleaseDraft
from bot.errors import DomainError
from bot.messaging.writer import to_markup
from bot.models import Action, Button, Rendered, Wish
from bot.reminders.cards import without_wish
from bot.texts import t
from bot.wishes.releases import ASKED, ReleaseReason
from handlers.common import (
    actor_of,
    answer,
    button,
    edit_rendered,
    lang_of,
    reply_rendered,
    reply_text,
    say_error,
)
from handlers.people.start import cancel

log = logging.getLogger(__name__)

TEXT = "release_text"
# The buttons and what each means; KEEP is not a reason.
CHOICES: dict[ReleaseChoice, ReleaseReason] = {
    ReleaseChoice.UNREACHABLE: ReleaseReason.UNREACHABLE,
    ReleaseChoice.NO_TIME: ReleaseReason.NO_TIME,
    ReleaseChoice.CHANGED: ReleaseReason.CHANGED,
    ReleaseChoice.OTHER: ReleaseReason.OTHER,
}
assert tuple(CHOICES.values()) == ASKED


def question(wish: Wish, lang: str) -> Rendered:
    rows = tuple(
        (
            Button(
                text=t(lang, f"release.reason_{reason.value}"),
                callback_data=ReleaseCallback(wish_id=wish.id, choice=choice).pack(),
            ),
        )
        for choice, reason in CHOICES.items()
    )
    keep = Button(
        text=t(lang, "release.keep"),
        callback_data=ReleaseCallback(wish_id=wish.id, choice=ReleaseChoice.KEEP).pack(),
    )
    return Rendered(text=t(lang, "release.ask", code=wish.code), buttons=(*rows, (keep,)))


async def ask(
    update: Update, context: WishwallContext, query: CallbackQuery, wish_id: int, tapped: Rendered | None
) -> None:
    """Release was tapped: refused at once if it may not happen, else the question. `tapped`
    is the reminder it was tapped under, kept to take this wish's buttons off it once done."""
    user = update.effective_user
    assert user is not None
    core = context.core
    wish = await core.wishes.precheck(await actor_of(update, context), Action.RELEASE, wish_id)
    await answer(query)
    draft = ReleaseDraft(wish_id=wish.id)
    message = query.message
    if tapped is not None and message is not None:
        draft = ReleaseDraft(
            wish_id=wish.id, chat_id=message.chat.id, message_id=message.message_id, message=tapped
        )
    await core.drafts.save(user.id, draft)
    await reply_rendered(update, question(wish, lang_of(update, context)))


def choices(*wanted: ReleaseChoice) -> Callable[[object], bool]:
    return ReleaseCallback.matching(lambda d: d.choice in wanted)


@button(ReleaseCallback)
async def chosen(
    update: Update, context: WishwallContext, query: CallbackQuery, data: ReleaseCallback
) -> None:
    """A reason (released now) or Keep it (nothing changes)."""
    lang = lang_of(update, context)
    if data.choice is ReleaseChoice.KEEP:
        wish = await context.core.wishes.get(data.wish_id)
        await answer(query)
        await edit_rendered(query, Rendered(text=t(lang, "release.kept", code=wish.code)))
        return
    wish = await context.core.wishes.release(
        await actor_of(update, context), data.wish_id, kind=CHOICES[data.choice]
    )
    await answer(query, t(lang, "claims.released", code=wish.code))
    await edit_rendered(query, Rendered(text=t(lang, "claims.released_long", code=wish.code)))
    await _done(update, context, wish)


@button(ReleaseCallback)
async def other(update: Update, context: WishwallContext, query: CallbackQuery, data: ReleaseCallback) -> str:
    """Other: a few words are asked for (refused first if the release could not happen)."""
    user = update.effective_user
    assert user is not None
    core = context.core
    wish = await core.wishes.precheck(await actor_of(update, context), Action.RELEASE, data.wish_id)
    await answer(query)
    draft = await core.drafts.load(user.id, ReleaseDraft)
    if draft is None or draft.wish_id != wish.id:
        draft = ReleaseDraft(wish_id=wish.id)
    await core.drafts.save(user.id, draft)
    await edit_rendered(
        query, Rendered(text=t(lang_of(update, context), "release.ask_other", code=wish.code))
    )
    return TEXT


async def got_text(update: Update, context: WishwallContext) -> str | int:
    user = update.effective_user
    message = update.effective_message
    assert user is not None and message is not None
    core = context.core
    draft = await core.drafts.load(user.id, ReleaseDraft)
    if draft is None:
        return ConversationHandler.END
    try:
        wish = await core.wishes.release(
            await actor_of(update, context), draft.wish_id, message.text or "", ReleaseReason.OTHER
        )
    except DomainError as error:
        await say_error(update, context, error)
        if error.key in ("val.empty", "val.too_long"):
            return TEXT  # ask again for usable words
        await core.drafts.delete(user.id, ReleaseDraft)
        return ConversationHandler.END
    await reply_text(update, t(lang_of(update, context), "claims.released_long", code=wish.code))
    await _done(update, context, wish)
    return ConversationHandler.END


async def _done(update: Update, context: WishwallContext, wish: Wish) -> None:
    """The reminder Release was tapped under loses this wish's buttons; the draft goes."""
    user = update.effective_user
    assert user is not None
    drafts = context.core.drafts
    draft = await drafts.load(user.id, ReleaseDraft)
    await drafts.delete(user.id, ReleaseDraft)
    if draft is None or draft.wish_id != wish.id or draft.message is None or draft.message_id is None:
        return
    assert draft.chat_id is not None
    note = t(lang_of(update, context), "remind.released_line", code=wish.code)
    edited = without_wish(draft.message, wish.id, note)
    try:
        await context.bot.edit_message_text(
            edited.text[:4096],
            chat_id=draft.chat_id,
            message_id=draft.message_id,
            reply_markup=to_markup(edited),
        )
    except BadRequest as exc:  # gone or unchanged: the release itself is done
        log.info("could not update the reminder after a release: %s", exc)


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    reasons = [c for c in ReleaseChoice if c is not ReleaseChoice.OTHER]
    return [
        ConversationHandler(
            entry_points=[CallbackQueryHandler(other, pattern=choices(ReleaseChoice.OTHER))],
            states={TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_text)]},
            # /cancel drops every conversation's draft, the ReleaseDraft with them.
            fallbacks=[CommandHandler("cancel", cancel)],
            name="release_reason",
            persistent=True,
        ),
        CallbackQueryHandler(chosen, pattern=choices(*reasons)),
    ]

"""Follow-up visits (回访): /followups lists fulfilled wishes waiting for one; /followup W-0042
(or a button of that list) asks how the beneficiary found it (satisfied / partly / not), then an
optional note and an optional photo (a thank-you letter), and records it.

Private chats only (the note and photo may name the beneficiary); the draft is saved after every
step, so a restart resumes where it was. Nothing is recorded until the last step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from telegram import CallbackQuery, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import FollowupButton, FollowupCallback
from bot.context import WishwallContext
from bot.drafts import FollowupDraft
from bot.errors import DomainError
from bot.followups import render
from bot.followups.service import check_photo, clean_note
from bot.models import Wish
from bot.texts import t
from handlers.common import (
    actor_of,
    answer,
    button,
    code_arg,
    example_code,
    lang_of,
    reply,
    reply_rendered,
    reply_text,
    say_error,
)
from handlers.people.start import cancel

OUTCOME: Final = "outcome"
NOTE: Final = "note"
PHOTO: Final = "photo"
_EVERYTHING = ("all", "全部")


_STARTS = FollowupCallback.matching(lambda d: d.action is FollowupButton.START)
_STEPS = FollowupCallback.matching(lambda d: d.action is not FollowupButton.START)


async def followups_command(update: Update, context: WishwallContext) -> None:
    """/followups: due ones (fulfilled followup_days ago or more); /followups all: every one."""
    args = [a.lower() for a in context.args or []]
    if args and (len(args) > 1 or args[0] not in _EVERYTHING):
        await reply(update, context, "fu.usage_followups")
        return
    lang = lang_of(update, context)
    try:
        waiting = await context.core.followups.waiting(await actor_of(update, context), everything=bool(args))
    except DomainError as error:
        await say_error(update, context, error)
        return
    listing = render.waiting_list(
        waiting.wishes,
        waiting.total,
        days=waiting.community.followup_days,
        everything=waiting.everything,
        lang=lang,
        zone=waiting.zone,
        now=waiting.now,
    )
    await reply_rendered(update, listing)


async def _begin(update: Update, context: WishwallContext, wish_id: int) -> str:
    """Raises DomainError (not recordable now); otherwise asks the first question."""
    assert update.effective_user is not None
    wish = await context.core.followups.start(await actor_of(update, context), wish_id)
    await context.core.drafts.save(update.effective_user.id, FollowupDraft(wish_id=wish.id))
    await reply_rendered(update, render.ask_outcome(wish, lang_of(update, context)))
    return OUTCOME


async def begin_command(update: Update, context: WishwallContext) -> str | int:
    wish_id = code_arg(context)
    if wish_id is None:
        await reply(update, context, "fu.usage_followup", example=f"/followup {example_code()}")
        return ConversationHandler.END
    try:
        return await _begin(update, context, wish_id)
    except DomainError as error:
        await say_error(update, context, error)
        return ConversationHandler.END


@button(FollowupCallback)
async def begin_button(
    update: Update, context: WishwallContext, query: CallbackQuery, data: FollowupCallback
) -> str:
    """From the /followups list. Refused: the alert, and no conversation starts."""
    step = await _begin(update, context, data.wish_id)
    await answer(query)
    return step


async def _draft(update: Update, context: WishwallContext) -> FollowupDraft | None:
    assert update.effective_user is not None
    return await context.core.drafts.load(update.effective_user.id, FollowupDraft)


async def _wish(context: WishwallContext, draft: FollowupDraft) -> Wish:
    return await context.core.wishes.get(draft.wish_id)


async def _ask(update: Update, context: WishwallContext, draft: FollowupDraft) -> str:
    """Save the draft and ask its step's question."""
    assert update.effective_user is not None
    await context.core.drafts.save(update.effective_user.id, draft)
    lang = lang_of(update, context)
    wish = await _wish(context, draft)
    question = {OUTCOME: render.ask_outcome, NOTE: render.ask_note, PHOTO: render.ask_photo}[draft.step]
    await reply_rendered(update, question(wish, lang))
    return draft.step


@button(FollowupCallback)
async def on_step_button(
    update: Update, context: WishwallContext, query: CallbackQuery, data: FollowupCallback
) -> str | int | None:
    lang = lang_of(update, context)
    draft = await _draft(update, context)
    if draft is None or draft.wish_id != data.wish_id:
        # A button of an earlier (or another wish's) follow-up: nothing of this one changes.
        await answer(query, t(lang, "err.stale_button"), alert=True)
        return None
    outcome = render.BUTTON_OUTCOMES.get(data.action)
    if outcome is not None and draft.step == OUTCOME:
        await answer(query, render.outcome_label(outcome, lang))
        draft.outcome = outcome
        draft.step = NOTE
        return await _ask(update, context, draft)
    if data.action is FollowupButton.SKIP and draft.step == NOTE:
        await answer(query)
        draft.note = None
        draft.step = PHOTO
        return await _ask(update, context, draft)
    if data.action is FollowupButton.SKIP and draft.step == PHOTO:
        await answer(query)
        return await _finish(update, context, draft, None)
    await answer(query, t(lang, "err.stale_button"), alert=True)
    return None


async def got_note(update: Update, context: WishwallContext) -> str | int:
    message = update.effective_message
    assert message is not None
    draft = await _draft(update, context)
    if draft is None:
        return await _lost(update, context)
    try:
        draft.note = clean_note(message.text)
    except DomainError as error:
        await say_error(update, context, error)
        return await _ask(update, context, draft)
    draft.step = PHOTO
    return await _ask(update, context, draft)


async def got_photo(update: Update, context: WishwallContext) -> str | int:
    message = update.effective_message
    assert message is not None and message.photo
    draft = await _draft(update, context)
    if draft is None:
        return await _lost(update, context)
    largest = message.photo[-1]
    try:
        check_photo(largest.file_size)
    except DomainError as error:
        await say_error(update, context, error)
        return await _ask(update, context, draft)
    return await _finish(update, context, draft, largest.file_id)


async def _finish(update: Update, context: WishwallContext, draft: FollowupDraft, photo: str | None) -> int:
    assert update.effective_user is not None
    await context.core.drafts.delete(update.effective_user.id, FollowupDraft)
    if draft.outcome is None:
        return await _lost(update, context)
    try:
        followup = await context.core.followups.record(
            await actor_of(update, context), draft.wish_id, draft.outcome, draft.note, photo
        )
    except DomainError as error:
        await say_error(update, context, error)
        return ConversationHandler.END
    wish = await _wish(context, draft)
    await reply_text(update, render.recorded(followup, wish, lang_of(update, context)))
    return ConversationHandler.END


async def _lost(update: Update, context: WishwallContext) -> int:
    """The draft is gone (another conversation's /cancel, an unreadable row): start again."""
    await reply(update, context, "fu.lost", example=f"/followup {example_code()}")
    return ConversationHandler.END


def _expected(key: str, step: str) -> Callable[[Update, WishwallContext], Any]:
    async def handle(update: Update, context: WishwallContext) -> str:
        await reply(update, context, key)
        return step

    handle.__name__ = f"{step}_expected"
    return handle


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    others = ~filters.COMMAND
    # One handler in several steps' lists, which PTB types as handlers returning any object.
    steps: CallbackQueryHandler[WishwallContext, object] = CallbackQueryHandler(
        on_step_button, pattern=_STEPS
    )
    return [
        ConversationHandler(
            entry_points=[
                CommandHandler("followup", begin_command, filters=filters.ChatType.PRIVATE),
                CallbackQueryHandler(begin_button, pattern=_STARTS),
            ],
            states={
                OUTCOME: [steps, MessageHandler(others, _expected("fu.outcome_expected", OUTCOME))],
                NOTE: [
                    MessageHandler(filters.TEXT & others, got_note),
                    steps,
                    MessageHandler(others, _expected("fu.note_expected", NOTE)),
                ],
                PHOTO: [
                    MessageHandler(filters.PHOTO, got_photo),
                    steps,
                    MessageHandler(others, _expected("fu.photo_expected", PHOTO)),
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            name="followup",
            persistent=True,
            allow_reentry=True,
        ),
        CommandHandler("followups", followups_command),
    ]

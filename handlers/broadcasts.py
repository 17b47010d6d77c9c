"""/broadcast: a coordinator's message to every active member of a branch; /broadcasts: how
the latest ones went.

Choose the branch (buttons, or `/broadcast 第一支部`; a community with one branch skips it),
send the text or a photo with a caption, check the preview, tap Send. What is sent, to whom and
when is decided by the core (bot/outreach/broadcasts.py); this only asks and shows.
"""

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

from bot.context import WishwallContext
from bot.errors import DomainError, InvalidInput
from bot.models import Rendered
from bot.outreach import cards
from bot.outreach.broadcasts import Preview, Target
from bot.outreach.buttons import (
    BroadcastBranchCallback,
    BroadcastButton,
    BroadcastConfirmCallback,
    BroadcastDraft,
)
from bot.texts import t
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
    say_error,
)
from handlers.people.start import cancel as cancel_conversations

TEXT, CONFIRM = "broadcast_text", "broadcast_confirm"
End = int  # ConversationHandler.END


def _ask(lang: str, target: Target) -> str:
    return t(lang, "bc.ask_text", branch=target.branch.name, count=len(target.recipients), max=cards.MAX_TEXT)


async def start(update: Update, context: WishwallContext) -> str | End:
    """/broadcast, or /broadcast BRANCH."""
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    broadcasts = context.core.outreach.broadcasts
    try:
        branches = await broadcasts.branches(actor)
        named = " ".join(context.args or []).strip()
        if named:
            branch = next((b for b in branches if b.name == named), None)
            if branch is None:
                names = t(lang, "sep.list").join(b.name for b in branches)
                await reply(update, context, "bc.unknown_branch", name=named[:40], names=names)
                return ConversationHandler.END
        elif len(branches) == 1:
            branch = branches[0]
        else:
            # The branch button starts the conversation (it is an entry point too).
            await reply_rendered(update, cards.branch_choice(lang, branches))
            return ConversationHandler.END
        target = await broadcasts.choose(actor, branch.id)
    except DomainError as error:
        await say_error(update, context, error)
        return ConversationHandler.END
    await reply_text(update, _ask(lang, target))
    return TEXT


@button(BroadcastBranchCallback)
async def branch_chosen(
    update: Update, context: WishwallContext, query: CallbackQuery, data: BroadcastBranchCallback
) -> str:
    """A refusal is the tap's alert (the decorator); the None it returns starts nothing."""
    target = await context.core.outreach.broadcasts.choose(await actor_of(update, context), data.branch_id)
    await answer(query)
    await edit_rendered(query, Rendered(text=_ask(lang_of(update, context), target)))
    return TEXT


async def _previewed(
    update: Update, context: WishwallContext, text: str | None, photo: str | None
) -> str | End:
    lang = lang_of(update, context)
    try:
        preview = await context.core.outreach.broadcasts.compose(await actor_of(update, context), text, photo)
    except InvalidInput as error:
        await reply_text(update, error_text(lang, error))  # the question stands: send it again
        return TEXT
    except DomainError as error:
        await say_error(update, context, error)
        return ConversationHandler.END
    for rendered in _preview(lang, preview):
        await reply_rendered(update, rendered)
    return CONFIRM


def _preview(lang: str, preview: Preview) -> list[Rendered]:
    return cards.preview(
        lang,
        preview.draft,
        branch=preview.target.branch.name,
        sender=preview.sender,
        members=len(preview.target.recipients),
        unreachable=preview.target.unreachable,
        held_until=preview.held_until,
    )


async def got_text(update: Update, context: WishwallContext) -> str | End:
    message = update.effective_message
    assert message is not None
    return await _previewed(update, context, message.text, None)


async def got_photo(update: Update, context: WishwallContext) -> str | End:
    message = update.effective_message
    assert message is not None and message.photo
    return await _previewed(update, context, message.caption, message.photo[-1].file_id)


async def wrong_kind(update: Update, context: WishwallContext) -> None:
    """A document, sticker, voice note ...: said once, and the question stands."""
    await reply(update, context, "bc.wrong_kind")


@button(BroadcastConfirmCallback)
async def confirm(
    update: Update, context: WishwallContext, query: CallbackQuery, data: BroadcastConfirmCallback
) -> End:
    """Send or Cancel; a button of an earlier draft (or a made-up one) is refused as stale."""
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    broadcasts = context.core.outreach.broadcasts
    if data.action is BroadcastButton.CANCEL:
        await broadcasts.cancel(actor, data.token)
        await answer(query)
        await edit_rendered(query, Rendered(text=t(lang, "bc.cancelled")))
        return ConversationHandler.END
    sent = await broadcasts.send(actor, data.token)
    await answer(query)
    if sent.held_until is not None:
        text = t(
            lang,
            "bc.queued_held",
            queued=sent.queued,
            branch=sent.branch,
            time=sent.held_until.strftime("%H:%M"),
        )
    else:
        text = t(lang, "bc.queued", queued=sent.queued, branch=sent.branch)
    if sent.skipped:
        text += "\n" + t(lang, "bc.queued_skipped", count=sent.skipped)
    await edit_rendered(query, Rendered(text=text))
    return ConversationHandler.END


async def cancel(update: Update, context: WishwallContext) -> End:
    assert update.effective_user is not None
    await context.core.drafts.delete(update.effective_user.id, BroadcastDraft)
    return await cancel_conversations(update, context)


async def statuses(update: Update, context: WishwallContext) -> None:
    """/broadcasts: the community's latest broadcasts, delivered · unreachable · waiting."""
    try:
        found = await context.core.outreach.broadcasts.statuses(await actor_of(update, context))
    except DomainError as error:
        await say_error(update, context, error)
        return
    await reply_text(update, cards.status_lines(lang_of(update, context), found))


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    message_steps: list[BaseHandler[Update, WishwallContext, Any]] = [
        MessageHandler(filters.TEXT & ~filters.COMMAND, got_text),
        MessageHandler(filters.PHOTO, got_photo),
        MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, wrong_kind),
    ]
    return [
        ConversationHandler(
            entry_points=[
                CommandHandler("broadcast", start),
                CallbackQueryHandler(branch_chosen, pattern=BroadcastBranchCallback.matches),
            ],
            states={
                TEXT: message_steps,
                CONFIRM: [
                    CallbackQueryHandler(confirm, pattern=BroadcastConfirmCallback.matches),
                    *message_steps,
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            name="broadcast",
            persistent=True,
            allow_reentry=True,
        ),
        # Send / Cancel still work once the conversation is over (a restart, another /cancel):
        # the draft and its token decide, not the conversation's state.
        CallbackQueryHandler(confirm, pattern=BroadcastConfirmCallback.matches),
        CommandHandler("broadcasts", statuses),
    ]

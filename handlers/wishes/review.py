"""Coordinators' side: /pending, Verify, Post, Confirm, and actions that need a reason
(Reject, Dispute, /cancelwish), which ask for it in a short conversation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import arguments
from bot.callbacks import WishButton, WishCallback
from bot.context import WishwallContext
from bot.drafts import ReasonAction, ReasonDraft
from bot.errors import DomainError
from bot.models import Action, Repeat, Wish, WishStatus
from bot.texts import t
from bot.wishes import cards
from bot.wishes.effects import reason_text
from bot.wishes.lifecycle import MAX_JOINT
from handlers.common import (
    actor_of,
    answer,
    button,
    code_arg,
    edit_rendered,
    example_code,
    in_private,
    lang_of,
    reply,
    reply_rendered,
    reply_text,
    say_error,
)
from handlers.people.start import cancel

REASON = "reason"
PENDING_PAGE = 20
_REASON_ACTIONS: dict[WishButton, ReasonAction] = {WishButton.REJECT: "reject", WishButton.DISPUTE: "dispute"}


def wish_buttons(*actions: WishButton) -> Callable[[object], bool]:
    """A pattern admitting only well-formed WishCallback data for these actions."""
    return WishCallback.matching(lambda d: d.action in actions)


async def _coordinator_view(context: WishwallContext, wish: Wish, lang: str) -> cards.Rendered:
    return await coordinator_view(context, wish, lang)


async def coordinator_view(context: WishwallContext, wish: Wish, lang: str) -> cards.Rendered:
    """A coordinator's card of a wish; a delivered or fulfilled one with its service hours."""
    served = wish.status in (WishStatus.DELIVERED, WishStatus.FULFILLED)
    hours = await context.core.points.hours_of(wish) if served else None
    return cards.coordinator_card(
        wish, lang, await context.core.wishes.holder_name(wish), await _repeat(context, wish), hours=hours
    )


async def _repeat(context: WishwallContext, wish: Wish) -> Repeat | None:
    """Repeat beneficiaries are flagged while a wish is being verified."""
    if wish.status not in (WishStatus.PENDING, WishStatus.VERIFIED):
        return None
    return await context.core.records.repeats_for(wish)


async def pending(update: Update, context: WishwallContext) -> None:
    lang = lang_of(update, context)
    wishes = await context.core.wishes.pending(await actor_of(update, context))
    if not wishes:
        await reply(update, context, "review.none_pending")
        return
    await reply(update, context, "review.pending_header", count=len(wishes))
    for wish in wishes[:PENDING_PAGE]:
        await reply_rendered(update, cards.coordinator_card(wish, lang, repeat=await _repeat(context, wish)))


async def show_wish(update: Update, context: WishwallContext) -> None:
    wish_id = code_arg(context)
    if wish_id is None:
        await reply(update, context, "err.bad_code", example=f"/wish {example_code()}")
        return
    try:
        wish = await context.core.wishes.details(
            await actor_of(update, context), wish_id, in_private=in_private(update)
        )
    except DomainError as error:
        await say_error(update, context, error)
        return
    await reply_rendered(update, await _coordinator_view(context, wish, lang_of(update, context)))


@button(WishCallback)
async def on_button(
    update: Update, context: WishwallContext, query: CallbackQuery, data: WishCallback
) -> None:
    """Verify, Post and Confirm: one tap, one change, then the message shows the new state."""
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    wishes = context.core.wishes
    if data.action is WishButton.VERIFY:
        wish = await wishes.verify(actor, data.wish_id)
        note = t(lang, "review.verified", code=wish.code)
    elif data.action is WishButton.POST:
        wish = await wishes.post(actor, data.wish_id)
        note = t(lang, "review.posted", code=wish.code)
    elif data.action is WishButton.REOPEN:
        wish = await wishes.reopen(actor, data.wish_id)
        note = t(lang, "review.reopened", code=wish.code)
    else:
        wish = await wishes.confirm(actor, data.wish_id)
        note = t(lang, "review.confirmed", code=wish.code)
    await answer(query, note)
    await edit_rendered(query, await _coordinator_view(context, wish, lang))


def _here(update: Update) -> list[int] | None:
    """/post inside a bound group posts there; in private it posts to every bound group."""
    chat = update.effective_chat
    return [chat.id] if chat is not None and chat.type != "private" else None


async def post_command(update: Update, context: WishwallContext) -> None:
    wish_id = code_arg(context)
    if wish_id is None:
        await reply(update, context, "err.bad_code", example=f"/post {example_code()}")
        return
    try:
        wish = await context.core.wishes.post(await actor_of(update, context), wish_id, _here(update))
    except DomainError as error:
        await say_error(update, context, error)
        return
    await reply(update, context, "review.posted", code=wish.code)


async def history_command(update: Update, context: WishwallContext) -> None:
    """/history W-0042: every change of a wish, who and when, for its coordinators."""
    wish_id = code_arg(context)
    if wish_id is None:
        await reply(update, context, "err.bad_code", example=f"/history {example_code()}")
        return
    lang = lang_of(update, context)
    try:
        wish, events = await context.core.wishes.history(await actor_of(update, context), wish_id)
        zone = ZoneInfo((await context.core.wishes.community(wish.community_id)).tz)
    except DomainError as error:
        await say_error(update, context, error)
        return
    names = {}
    for event in events:
        if event.actor_id is not None and event.actor_id not in names:
            names[event.actor_id] = await context.core.directory.name_of(event.actor_id)
    lines = [t(lang, "review.history_header", code=wish.code)]
    for event in events:
        when = event.at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        who = names.get(event.actor_id, "-") if event.actor_id is not None else t(lang, "review.system")
        what = t(lang, f"status.{event.to_status.value}") if event.to_status else event.action
        kind = event.details.get("reason_kind")
        reason = reason_text(lang, kind, event.details.get("reason") or "") if isinstance(kind, str) else ""
        note = reason or event.details.get("reason") or event.details.get("note") or ""
        lines.append(f"{when} · {who} · {event.action} → {what}" + (f" · {note}" if note else ""))
    await reply_text(update, "\n".join(lines)[:4096])


async def joint_command(update: Update, context: WishwallContext) -> None:
    """/joint W-0042 3: this wish needs three members, who each join from the card."""
    args = context.args or []
    wish_id = code_arg(context)
    if wish_id is None or len(args) != 2:
        await reply(update, context, "review.usage_joint", example=f"/joint {example_code()} 3")
        return
    try:
        needed = arguments.whole(args[1], 1, MAX_JOINT, reason="val.joint_range", max=MAX_JOINT)
        actor = await actor_of(update, context)
        wish = await context.core.wishes.set_needed_members(actor, wish_id, needed)
    except DomainError as error:
        await say_error(update, context, error)
        return
    await reply(update, context, "review.joint_set", code=wish.code, needed=wish.needed_members)


# --- actions that need a reason --------------------------------------------------------------


@button(WishCallback)
async def ask_reason_button(
    update: Update, context: WishwallContext, query: CallbackQuery, data: WishCallback
) -> str | int:
    return await _ask_reason(update, context, _REASON_ACTIONS[data.action], data.wish_id)


async def ask_reason_cancel(update: Update, context: WishwallContext) -> str | int:
    wish_id = code_arg(context)
    if wish_id is None:
        await reply(update, context, "err.bad_code", example=f"/cancelwish {example_code()}")
        return ConversationHandler.END
    return await _ask_reason(update, context, "cancel", wish_id)


async def _ask_reason(
    update: Update, context: WishwallContext, action: ReasonAction, wish_id: int
) -> str | int:
    assert update.effective_user is not None
    try:
        # Refuse before asking, so nobody types a reason for something they may not do.
        wish = await context.core.wishes.precheck(await actor_of(update, context), Action(action), wish_id)
    except DomainError as error:
        await say_error(update, context, error)
        return ConversationHandler.END
    if update.callback_query is not None:
        await answer(update.callback_query)
    await context.core.drafts.save(update.effective_user.id, ReasonDraft(action=action, wish_id=wish_id))
    await reply(update, context, f"review.ask_reason_{action}", code=wish.code)
    return REASON


async def got_reason(update: Update, context: WishwallContext) -> str | int:
    user = update.effective_user
    message = update.effective_message
    assert user is not None and message is not None
    drafts = context.core.drafts
    draft = await drafts.load(user.id, ReasonDraft)
    if draft is None:
        return ConversationHandler.END
    actor = await actor_of(update, context)
    wishes = context.core.wishes
    action, wish_id, reason = draft.action, draft.wish_id, message.text or ""
    try:
        if action == "reject":
            wish = await wishes.reject(actor, wish_id, reason)
        elif action == "dispute":
            wish = await wishes.dispute(actor, wish_id, reason)
        else:
            wish = await wishes.cancel(actor, wish_id, reason)
    except DomainError as error:
        await say_error(update, context, error)
        if error.key in ("val.empty", "val.too_long"):
            return REASON  # ask again for a usable reason
        await drafts.delete(user.id, ReasonDraft)
        return ConversationHandler.END
    await drafts.delete(user.id, ReasonDraft)
    await reply(update, context, f"review.done_{action}", code=wish.code)
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [
        ConversationHandler(
            entry_points=[
                CallbackQueryHandler(
                    ask_reason_button, pattern=wish_buttons(WishButton.REJECT, WishButton.DISPUTE)
                ),
                CommandHandler("cancelwish", ask_reason_cancel, filters=filters.ChatType.PRIVATE),
            ],
            states={REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_reason)]},
            fallbacks=[CommandHandler("cancel", cancel)],
            name="reason",
            persistent=True,
        ),
        CommandHandler("pending", pending),
        CommandHandler("wish", show_wish),
        CommandHandler("post", post_command, has_args=True),
        CommandHandler("history", history_command),
        CommandHandler("joint", joint_command),
        CallbackQueryHandler(
            on_button,
            pattern=wish_buttons(WishButton.VERIFY, WishButton.POST, WishButton.CONFIRM, WishButton.REOPEN),
        ),
    ]

"""Service hours and points in chats: /hours, the hours buttons (a member's own, a coordinator's
confirm-with), /leaderboard, /set_privacy and /points (the rules, and re-applying them)."""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import HoursBy, HoursCallback, PrivacyCallback
from bot.context import WishwallContext
from bot.errors import DomainError
from bot.models import Rendered
from bot.points import views
from bot.points.hours import format_tenths, hours_rows, parse_hours
from bot.texts import t
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
from handlers.wishes.review import coordinator_view

_HIDE = frozenset({"hide", "on", "1", "隐藏", "不显示"})
_SHOW = frozenset({"show", "off", "0", "显示", "公开"})


# --- hours ---------------------------------------------------------------------------------------


async def hours_command(update: Update, context: WishwallContext) -> None:
    """/hours W-0042 2.5: the holder's hours until confirmed; a coordinator's correction."""
    args = context.args or []
    wish_id = code_arg(context)
    if wish_id is None or len(args) != 2:
        await reply(update, context, "hp.usage_hours", example=example_code())
        return
    try:
        tenths = parse_hours(args[1])
        wish = await context.core.wishes.record_hours(await actor_of(update, context), wish_id, tenths)
    except DomainError as error:
        await say_error(update, context, error)
        return
    await reply(update, context, "hp.hours_recorded", code=wish.code, hours=format_tenths(tenths))


@button(HoursCallback)
async def hours_tapped(
    update: Update, context: WishwallContext, query: CallbackQuery, data: HoursCallback
) -> None:
    """A member's hours button after the delivery was reported (the delivery conversation takes
    those tapped while it asks), or a coordinator's "confirm with these hours"."""
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    wishes = context.core.wishes
    hours = format_tenths(data.tenths)
    if data.by is HoursBy.COORDINATOR:
        wish = await wishes.confirm(actor, data.wish_id, hours=data.tenths)
        await answer(query, t(lang, "hp.confirmed_hours", code=wish.code, hours=hours))
        await edit_rendered(query, await coordinator_view(context, wish, lang))
        return
    wish = await wishes.record_hours(actor, data.wish_id, data.tenths)
    await answer(query, t(lang, "hp.hours_recorded", code=wish.code, hours=hours))
    text = t(lang, "hp.hours_recorded", code=wish.code, hours=hours)
    await edit_rendered(
        query, Rendered(text=text, buttons=hours_rows(lang, wish.id, HoursBy.MEMBER, data.tenths))
    )


# --- leaderboards and privacy ---------------------------------------------------------------------


async def leaderboard_command(update: Update, context: WishwallContext) -> None:
    """/leaderboard [branch|community|BRANCH] [month|half|year|PERIOD], in private or a bound group."""
    chat = update.effective_chat
    assert chat is not None
    actor = await actor_of(update, context)
    private = in_private(update)
    try:
        board = await context.core.points.leaderboard(
            actor, list(context.args or []), None if private else chat.id
        )
    except DomainError as error:
        await say_error(update, context, error)
        return
    # The viewer's own line is marked in their private chat only: a group sees one list for all.
    viewer = actor.user_id if private else None
    await reply_text(update, views.leaderboard_text(board, lang_of(update, context), viewer))


async def privacy_command(update: Update, context: WishwallContext) -> None:
    """/set_privacy [hide|show]: whether one's name shows on leaderboards."""
    args = [a.lower() for a in context.args or []]
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    points = context.core.points
    try:
        if args:
            if len(args) != 1 or args[0] not in _HIDE | _SHOW:
                await reply(update, context, "hp.usage_privacy")
                return
            await points.set_hidden(actor, args[0] in _HIDE)
    except DomainError as error:
        await say_error(update, context, error)
        return
    await reply_rendered(update, views.privacy_card(lang, await points.is_hidden(actor.user_id)))


@button(PrivacyCallback)
async def privacy_tapped(
    update: Update, context: WishwallContext, query: CallbackQuery, data: PrivacyCallback
) -> None:
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    hidden = data.hide == "y"
    await context.core.points.set_hidden(actor, hidden)
    await answer(query, t(lang, "hp.privacy_hidden" if hidden else "hp.privacy_shown"))
    await edit_rendered(query, views.privacy_card(lang, hidden))


# --- the rules ------------------------------------------------------------------------------------


async def points_command(update: Update, context: WishwallContext) -> None:
    """/points: the community's rules; /points reapply PERIOD: the rules of now for that period."""
    args = list(context.args or [])
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    points = context.core.points
    try:
        if not args:
            await reply_text(update, views.rules_text(await points.rules(actor), lang))
            return
        if args[0].lower() != "reapply":
            await reply(update, context, "hp.usage_reapply")
            return
        done = await points.reapply(actor, args[1:])
    except DomainError as error:
        await say_error(update, context, error)
        return
    await reply_text(update, views.reapplied_text(done, lang))


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [
        CommandHandler("hours", hours_command),
        CommandHandler("leaderboard", leaderboard_command),
        CommandHandler("set_privacy", privacy_command),
        CommandHandler("points", points_command),
        CallbackQueryHandler(hours_tapped, pattern=HoursCallback.matches),
        CallbackQueryHandler(privacy_tapped, pattern=PrivacyCallback.matches),
    ]

"""Runs before every feature handler: refuses senders nobody can identify, refreshes who the
user is and applies the command table (bot.people.policies.COMMAND_RULES), failing closed."""

from __future__ import annotations

from typing import Any

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import WishwallContext
from bot.people.policies import COMMAND_RULES, button_refusal, command_refusal
from bot.texts import t
from handlers.common import actor_of, answer, in_private, lang_of, reply


def command_name(update: Update, bot_username: str) -> tuple[str, bool] | None:
    """The command a message gives this bot, and whether it named the bot (/cmd@bot)."""
    message = update.effective_message
    if message is None or not message.text or not message.text.startswith("/"):
        return None
    head = message.text.split(maxsplit=1)[0][1:]
    name, _, target = head.partition("@")
    if target and target.lower() != bot_username.lower():
        return None  # addressed to another bot in the group
    return name.lower(), bool(target)


def unidentified(update: Update) -> bool:
    """A message whose author the bot cannot know: an anonymous admin writing as the group
    (GroupAnonymousBot), a post on behalf of a channel (Channel_Bot), any other bot, or an
    update with no user at all. Such a sender has no role and sees no personal data."""
    message: Message | None = update.effective_message
    user = update.effective_user
    if message is None:
        return user is None and update.callback_query is None and update.my_chat_member is None
    if message.migrate_to_chat_id is not None or message.migrate_from_chat_id is not None:
        return False  # the group's own service message: no person acts through it
    return user is None or user.is_bot or message.sender_chat is not None


async def guard(update: Update, context: WishwallContext) -> None:
    if unidentified(update):
        named = command_name(update, context.bot.username)
        if named is not None and (named[1] or in_private(update) or named[0] in COMMAND_RULES):
            await reply(update, context, "err.anonymous")
        raise ApplicationHandlerStop
    user = update.effective_user
    if user is None:
        return
    query = update.callback_query
    if query is not None:
        refusal = button_refusal(query.data, in_private(update))
        if refusal is not None:
            await answer(query, t(lang_of(update, context), refusal), alert=True)
            chat_id = update.effective_chat.id if update.effective_chat else None
            await context.core.people.refused(
                user.id, "refused.button", {"data": (query.data or "")[:64], "chat": chat_id}
            )
            raise ApplicationHandlerStop
    if in_private(update) and update.effective_message is not None:
        await context.core.people.touch(user.id, lang_of(update, context))
    named = command_name(update, context.bot.username)
    if named is None:
        return
    command, addressed = named
    rule = COMMAND_RULES.get(command)
    if rule is None and not in_private(update) and not addressed:
        # A bare unknown command in a group is probably for another bot: stay out of it.
        raise ApplicationHandlerStop
    actor = await actor_of(update, context)
    refusal = command_refusal(command, actor, in_private(update))
    if refusal is None and rule is not None and rule.bound_group and not in_private(update):
        chat = update.effective_chat
        if chat is None or await context.core.groups.bound(chat.id) is None:
            refusal = "groups.hint_unbound"
    if refusal is not None:
        if rule is not None:  # a typo is not worth an audit entry; a refused command is
            chat_id = update.effective_chat.id if update.effective_chat else None
            await context.core.people.refused(user.id, f"refused.command.{command}", {"chat": chat_id})
        await reply(update, context, refusal)
        raise ApplicationHandlerStop


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [TypeHandler(Update, guard)]

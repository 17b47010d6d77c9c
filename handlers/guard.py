"""Runs before every feature handler: refreshes who the user is and applies COMMAND_RULES."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import WishwallContext
from bot.policies import COMMAND_RULES, command_refusal
from handlers.common import actor_of, in_private, lang_of, reply


def command_name(update: Update, bot_username: str) -> str | None:
    message = update.effective_message
    if message is None or not message.text or not message.text.startswith("/"):
        return None
    head = message.text.split(maxsplit=1)[0][1:]
    name, _, target = head.partition("@")
    if target and target.lower() != bot_username.lower():
        return None  # addressed to another bot in the group
    return name.lower()


async def guard(update: Update, context: WishwallContext) -> None:
    user = update.effective_user
    if user is None or user.is_bot:
        return
    if in_private(update) and update.effective_message is not None:
        await context.services.members.touch(user.id, lang_of(update, context))
    command = command_name(update, context.bot.username)
    if command is None:
        return
    actor = await actor_of(update, context)
    refusal = command_refusal(command, actor, in_private(update))
    rule = COMMAND_RULES.get(command)
    if refusal is None and rule is not None and rule.bound_group and not in_private(update):
        chat = update.effective_chat
        group = await context.services.groups.get(chat.id) if chat else None
        if group is None or not group.active:
            refusal = "groups.hint_unbound"
    if refusal is not None:
        chat_id = update.effective_chat.id if update.effective_chat else None
        await context.services.org.refused(user.id, f"refused.command.{command}", {"chat": chat_id})
        await reply(update, context, refusal)
        raise ApplicationHandlerStop


def handlers() -> list[BaseHandler[Update, WishwallContext, None]]:
    return [TypeHandler(Update, guard)]

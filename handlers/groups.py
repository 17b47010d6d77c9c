"""Group chats: /bind and /unbind, and following the bot's membership in groups."""

from __future__ import annotations

from telegram import ChatMemberUpdated, Update
from telegram.ext import BaseHandler, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot.context import WishwallContext
from bot.directory import DEFAULT_COMMUNITY
from handlers.common import lang_of, reply


async def bind(update: Update, context: WishwallContext) -> None:
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None and user is not None
    services = context.services
    await services.groups.bind(
        chat.id,
        DEFAULT_COMMUNITY,
        chat.title or str(chat.id),
        lang_of(update, context),
        user.id,
        services.clock.now(),
        branch_id=1,  # the default branch until /bind offers a choice of branches
    )
    await services.events.record(
        action="group.bind",
        at=services.clock.now(),
        actor_id=user.id,
        community_id=DEFAULT_COMMUNITY,
        details={"chat": chat.id, "title": chat.title},
    )
    await reply(update, context, "groups.bound")


async def unbind(update: Update, context: WishwallContext) -> None:
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None and user is not None
    services = context.services
    if not await services.groups.set_active(chat.id, False):
        await reply(update, context, "groups.not_bound")
        return
    await services.events.record(
        action="group.unbind", at=services.clock.now(), actor_id=user.id, details={"chat": chat.id}
    )
    await reply(update, context, "groups.unbound")


async def membership_changed(update: Update, context: WishwallContext) -> None:
    """The bot left or was removed: stop posting there (the binding stays for a re-add)."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type == "private":
        return
    if change.new_chat_member.status in ("left", "kicked") and await context.services.groups.set_active(
        change.chat.id, False
    ):
        await context.services.events.record(
            action="group.lost",
            at=context.services.clock.now(),
            actor_id=change.from_user.id if change.from_user else None,
            details={"chat": change.chat.id},
        )


async def migrated(update: Update, context: WishwallContext) -> None:
    """A group became a supergroup: its binding and cards move to the new chat id."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    await context.services.groups.migrate(message.chat.id, message.migrate_to_chat_id)
    await context.services.outbox.retarget(message.chat.id, message.migrate_to_chat_id)


def handlers() -> list[BaseHandler[Update, WishwallContext, None]]:
    return [
        CommandHandler("bind", bind),
        CommandHandler("unbind", unbind),
        ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, migrated),
    ]

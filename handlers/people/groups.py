"""Group chats: /bind to a branch, /unbind, and following the bot's membership in groups."""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import BranchCallback, BranchPurpose
from bot.context import WishwallContext
from bot.errors import DomainError, NotAllowed
from bot.models import Action, Rendered
from bot.people.policies import check
from bot.texts import t
from bot.wishes import cards
from handlers.common import actor_of, answer, button, edit_rendered, lang_of, reply, reply_rendered


async def is_group_admin(context: WishwallContext, chat_id: int, user_id: int) -> bool:
    """Asked of Telegram each time: what a message or button claims about its sender is no proof."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except BadRequest:
        return False
    return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


async def bind(update: Update, context: WishwallContext) -> None:
    """Offer the coordinator's branches; the tap binds (only a coordinator's tap counts)."""
    communities = context.core.communities
    actor = await actor_of(update, context)
    lang = lang_of(update, context)
    chat = update.effective_chat
    assert chat is not None
    try:
        community_id = communities.current(actor)
        check(actor, Action.BIND, None, community_id)
        if not await is_group_admin(context, chat.id, actor.user_id):
            raise NotAllowed("groups.not_group_admin")
        group = await context.core.groups.bound(chat.id)
        if group is not None and not actor.coordinates(group.community_id):
            raise NotAllowed("groups.bound_elsewhere")
    except DomainError as error:
        await reply(update, context, error.key, **error.params)
        return
    branches = await communities.branches(community_id)
    if not branches:
        await reply(update, context, "org.no_branches")
        return
    community = await communities.community(community_id)
    await reply_rendered(
        update,
        cards.branch_choice(
            lang, t(lang, "org.bind_choose", community=community.name), branches, BranchPurpose.BIND
        ),
    )


@button(BranchCallback)
async def bind_chosen(
    update: Update, context: WishwallContext, query: CallbackQuery, data: BranchCallback
) -> None:
    chat = update.effective_chat
    assert chat is not None
    lang = lang_of(update, context)
    if chat.type == "private":
        await answer(query, t(lang, "err.group_only"), alert=True)
        return
    actor = await actor_of(update, context)
    branch = await context.core.groups.bind(
        actor,
        chat.id,
        chat.title or str(chat.id),
        lang,
        data.branch_id,
        group_admin=await is_group_admin(context, chat.id, actor.user_id),
    )
    await answer(query)
    await edit_rendered(query, Rendered(text=t(lang, "groups.bound_to", branch=branch.name)))


async def unbind(update: Update, context: WishwallContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    try:
        done = await context.core.groups.unbind(await actor_of(update, context), chat.id)
    except DomainError as error:
        await reply(update, context, error.key, **error.params)
        return
    await reply(update, context, "groups.unbound" if done else "groups.not_bound")


async def membership_changed(update: Update, context: WishwallContext) -> None:
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type == "private":
        return
    if change.new_chat_member.status in ("left", "kicked"):
        await context.core.groups.lost(change.chat.id, change.from_user.id if change.from_user else None)


async def migrated(update: Update, context: WishwallContext) -> None:
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id is not None:
        await context.core.groups.migrated(message.chat.id, message.migrate_to_chat_id)


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [
        CommandHandler("bind", bind),
        CommandHandler("unbind", unbind),
        CallbackQueryHandler(
            bind_chosen,
            pattern=lambda d: (b := BranchCallback.unpack(d)) is not None and b.purpose is BranchPurpose.BIND,
        ),
        ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, migrated),
    ]

"""Group chats: /bind to a branch, /unbind, and following the bot's membership in groups."""

from __future__ import annotations

from telegram import ChatMemberUpdated, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import cards
from bot.callbacks import BranchCallback, BranchPurpose
from bot.context import WishwallContext
from bot.errors import DomainError
from bot.models import Action, NewOutbox, OutboxKind, Rendered
from bot.policies import check
from bot.texts import t
from handlers.common import actor_of, answer, edit_rendered, error_text, lang_of, reply, reply_rendered


async def bind(update: Update, context: WishwallContext) -> None:
    """Offer the coordinator's branches; the tap binds (only a coordinator's tap counts)."""
    org = context.services.org
    actor = await actor_of(update, context)
    lang = lang_of(update, context)
    try:
        community_id = org.current(actor)
        check(actor, Action.BIND, None, community_id)
    except DomainError as error:
        await reply(update, context, error.key, **error.params)
        return
    branches = await org.branches(community_id)
    if not branches:
        await reply(update, context, "org.no_branches")
        return
    community = await org.community(community_id)
    await reply_rendered(
        update,
        cards.branch_choice(
            lang, t(lang, "org.bind_choose", community=community.name), branches, BranchPurpose.BIND
        ),
    )


async def bind_chosen(update: Update, context: WishwallContext) -> None:
    query = update.callback_query
    chat = update.effective_chat
    user = update.effective_user
    assert query is not None and chat is not None and user is not None
    data = BranchCallback.unpack(query.data)
    assert data is not None
    services = context.services
    lang = lang_of(update, context)
    if chat.type == "private":
        await answer(query, t(lang, "err.group_only"), alert=True)
        return
    try:
        branch = await services.org.branch(data.branch_id)
        check(await actor_of(update, context), Action.BIND, None, branch.community_id)
    except DomainError as error:
        await answer(query, error_text(lang, error), alert=True)
        return
    now = services.clock.now()
    await services.groups.bind(
        chat.id, branch.community_id, chat.title or str(chat.id), lang, user.id, now, branch_id=branch.id
    )
    await services.events.record(
        action="group.bind",
        at=now,
        actor_id=user.id,
        community_id=branch.community_id,
        details={"chat": chat.id, "title": chat.title, "branch": branch.id},
    )
    await answer(query)
    await edit_rendered(query, Rendered(text=t(lang, "groups.bound_to", branch=branch.name)))


async def unbind(update: Update, context: WishwallContext) -> None:
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None and user is not None
    services = context.services
    group = await services.groups.get(chat.id)
    if group is None or not group.active:
        await reply(update, context, "groups.not_bound")
        return
    try:
        check(await actor_of(update, context), Action.BIND, None, group.community_id)
    except DomainError as error:
        await reply(update, context, error.key, **error.params)
        return
    await services.groups.set_active(chat.id, False)
    await services.events.record(
        action="group.unbind",
        at=services.clock.now(),
        actor_id=user.id,
        community_id=group.community_id,
        details={"chat": chat.id},
    )
    await reply(update, context, "groups.unbound")


async def _tell_coordinators(context: WishwallContext, community_id: int, key: str, **params: object) -> None:
    services = context.services
    coordinators = await services.directory.coordinators(community_id)
    langs = await services.directory.langs_of(coordinators)
    async with services.db.transaction() as conn:
        await services.outbox.enqueue(
            conn,
            [
                NewOutbox(
                    kind=OutboxKind.MESSAGE, chat_id=c, payload=Rendered(text=t(langs[c], key, **params))
                )
                for c in coordinators
            ],
            services.clock.now(),
        )
    if services.sender is not None:
        services.sender.wake()


async def membership_changed(update: Update, context: WishwallContext) -> None:
    """The bot left or was removed: the binding is dropped and the coordinators are told."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type == "private":
        return
    if change.new_chat_member.status not in ("left", "kicked"):
        return
    services = context.services
    group = await services.groups.get(change.chat.id)
    if group is None or not await services.groups.set_active(change.chat.id, False):
        return
    await services.events.record(
        action="group.lost",
        at=services.clock.now(),
        actor_id=change.from_user.id if change.from_user else None,
        community_id=group.community_id,
        details={"chat": change.chat.id},
    )
    await _tell_coordinators(context, group.community_id, "notice.group_lost", title=group.title)


async def migrated(update: Update, context: WishwallContext) -> None:
    """A group became a supergroup: its binding and cards move to the new chat id."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    services = context.services
    group = await services.groups.get(message.chat.id)
    if group is None:
        return
    await services.groups.migrate(message.chat.id, message.migrate_to_chat_id)
    await services.outbox.retarget(message.chat.id, message.migrate_to_chat_id)
    await _tell_coordinators(context, group.community_id, "notice.group_moved", title=group.title)


def handlers() -> list[BaseHandler[Update, WishwallContext, None]]:
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

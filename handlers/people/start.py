"""/start: registration with a real name, invite links, join requests; /help and /cancel."""

from __future__ import annotations

import re
from typing import Any

from telegram import CallbackQuery, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import validation
from bot.callbacks import CommunityCallback
from bot.context import WishwallContext
from bot.drafts import CONVERSATION_DRAFTS, StartDraft
from bot.errors import DomainError, NotFound
from bot.models import Button, Rendered, WishStatus
from bot.people.membership import INVITE_PREFIX
from bot.texts import t
from bot.wall.links import welcome_buttons
from bot.wishes import cards
from bot.wishes.handover_cards import LINK_PREFIX as HANDOVER_PREFIX
from handlers.common import (
    actor_of,
    answer,
    button,
    error_text,
    in_private,
    lang_of,
    reply,
    reply_rendered,
    reply_text,
    say_error,
)
from handlers.wishes import handover

ASK_NAME, ASK_PHONE = "ask_name", "ask_phone"
_CLAIM_PAYLOAD = re.compile(r"^claim_(\d{1,12})$")


async def start(update: Update, context: WishwallContext) -> str | int:
    user = update.effective_user
    assert user is not None
    payload = (context.args or [""])[0]
    core = context.core
    member = await core.people.member(user.id)
    if payload.startswith(INVITE_PREFIX):
        problem = await core.people.invite_problem(payload)
        if problem is not None:
            await reply(update, context, problem)
            payload = ""
    if member is None:
        await core.drafts.save(user.id, StartDraft(payload=payload))
        await reply(update, context, "start.ask_name")
        return ASK_NAME
    await reply(update, context, "start.welcome_back", name=member.full_name)
    return await _after_name(update, context, payload)


async def got_name(update: Update, context: WishwallContext) -> str | int:
    user = update.effective_user
    message = update.effective_message
    assert user is not None and message is not None
    core = context.core
    try:
        member = await core.people.register(user.id, message.text or "", lang_of(update, context))
    except DomainError as error:
        await say_error(update, context, error)
        return ASK_NAME
    name = member.full_name
    draft = await core.drafts.load(user.id, StartDraft) or StartDraft()
    await reply(update, context, "start.registered", name=name)
    return await _after_name(update, context, draft.payload)


async def _after_name(update: Update, context: WishwallContext, payload: str) -> str | int:
    """Registered now: join through the invite, show the wish a link pointed to, or ask to join."""
    user = update.effective_user
    assert user is not None
    core = context.core
    if payload.startswith(INVITE_PREFIX):
        if await core.people.needs_phone(payload):
            await core.drafts.save(user.id, StartDraft(payload=payload))
            await _ask_phone(update, context)
            return ASK_PHONE
        return await _join(update, context, payload, None)
    await core.drafts.delete(user.id, StartDraft)
    actor = await actor_of(update, context)
    if payload.startswith(HANDOVER_PREFIX) and (actor.membership is not None or actor.is_coordinator):
        # A handover link someone forwarded: the offer, if it is theirs to accept (else why not).
        await handover.show_link(update, context, payload.removeprefix(HANDOVER_PREFIX))
        return ConversationHandler.END
    match = _CLAIM_PAYLOAD.match(payload)
    if match and actor.membership is not None:
        await _offer_wish(update, context, int(match.group(1)))
        return ConversationHandler.END
    if actor.membership is None and not actor.is_coordinator:
        # A link from a wish's card tells us which community they came from.
        hint = None
        if match:
            try:
                hint = (await core.wishes.get(int(match.group(1)))).community_id
            except DomainError:
                hint = None
        await _ask_to_join(update, context, hint)
        return ConversationHandler.END
    await help_command(update, context)
    return ConversationHandler.END


async def _offer_wish(update: Update, context: WishwallContext, wish_id: int) -> None:
    try:
        wish = await context.core.wishes.offer(await actor_of(update, context), wish_id)
    except NotFound:
        wish = None
    except DomainError as error:
        await say_error(update, context, error)
        return
    if wish is not None and wish.status in (WishStatus.OPEN, WishStatus.CLAIMED):
        await reply_rendered(update, cards.group_card(wish, lang_of(update, context)))
    else:
        await help_command(update, context)


async def _ask_phone(update: Update, context: WishwallContext) -> None:
    lang = lang_of(update, context)
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(t(lang, "org.phone_button"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    message = update.effective_message
    assert message is not None
    await message.reply_text(t(lang, "org.ask_phone"), reply_markup=keyboard)


async def got_contact(update: Update, context: WishwallContext) -> str | int:
    user = update.effective_user
    message = update.effective_message
    assert user is not None and message is not None and message.contact is not None
    if message.contact.user_id != user.id:
        await reply(update, context, "org.phone_not_yours")
        return ASK_PHONE
    try:
        phone = validation.phone(message.contact.phone_number)
    except DomainError:
        phone = message.contact.phone_number[:32]  # Telegram verified it; keep foreign numbers
    draft = await context.core.drafts.load(user.id, StartDraft) or StartDraft()
    return await _join(update, context, draft.payload, phone)


async def phone_expected(update: Update, context: WishwallContext) -> str:
    await _ask_phone(update, context)
    return ASK_PHONE


async def _join(update: Update, context: WishwallContext, token: str, phone: str | None) -> int:
    user = update.effective_user
    message = update.effective_message
    assert user is not None and message is not None
    core = context.core
    await core.drafts.delete(user.id, StartDraft)
    lang = lang_of(update, context)
    try:
        membership = await core.people.join_with_invite(user.id, token, phone)
    except DomainError as error:
        await message.reply_text(error_text(lang, error), reply_markup=ReplyKeyboardRemove())
        return ConversationHandler.END
    branch = await core.communities.branch(membership.branch_id)
    community = await core.communities.community(membership.community_id)
    await message.reply_text(
        t(lang, "org.joined", branch=branch.name, community=community.name),
        reply_markup=ReplyKeyboardRemove(),
    )
    await help_command(update, context)
    return ConversationHandler.END


async def _ask_to_join(update: Update, context: WishwallContext, community_id: int | None = None) -> None:
    """No invite: file a join request with the one community, or let them pick one."""
    user = update.effective_user
    assert user is not None
    core = context.core
    lang = lang_of(update, context)
    if await core.newcomers.pending_request(user.id) is not None:
        await reply(update, context, "org.request_pending")
        return
    communities = await core.newcomers.communities()
    if community_id is None and len(communities) == 1:
        community_id = communities[0].id
    if community_id is not None:
        await _file(update, context, community_id)
        return
    await reply_rendered(
        update,
        Rendered(
            text=t(lang, "org.choose_community"),
            buttons=tuple(
                (Button(text=c.name, callback_data=CommunityCallback(community_id=c.id).pack()),)
                for c in communities
            ),
        ),
    )


@button(CommunityCallback)
async def chose_community(
    update: Update, context: WishwallContext, query: CallbackQuery, data: CommunityCallback
) -> None:
    await answer(query)
    await _file(update, context, data.community_id)


async def _file(update: Update, context: WishwallContext, community_id: int) -> None:
    user = update.effective_user
    assert user is not None
    try:
        await context.core.people.file_request(user.id, community_id)
    except DomainError as error:
        await say_error(update, context, error)
        return
    await reply_text(update, t(lang_of(update, context), "org.request_filed"))


async def help_command(update: Update, context: WishwallContext) -> None:
    actor = await actor_of(update, context)
    lang = lang_of(update, context)
    parts = [t(lang, "help.member")]
    if actor.membership is not None or actor.is_coordinator:
        parts.append(t(lang, "help.browse"))
    if actor.membership is not None:
        parts.append(t(lang, "help.records_member") + "\n" + t(lang, "hp.help_member"))
        parts.append(t(lang, "sub.help_member"))
    if actor.is_coordinator:
        parts.append(t(lang, "help.coordinator") + "\n" + t(lang, "help.categories"))
        parts.append(t(lang, "help.records_coordinator") + "\n" + t(lang, "help.report"))
        parts.append(t(lang, "hp.help_coordinator"))
        parts.append(t(lang, "fu.help_coordinator"))
        parts.append(t(lang, "bc.help_coordinator"))
    elif actor.visitor_of:
        parts.append(t(lang, "fu.help_visitor"))
    if actor.is_admin:
        parts.append(t(lang, "help.admin"))
    if actor.member is None:
        parts.append(t(lang, "help.register"))
    elif actor.membership is None and not actor.is_coordinator:
        parts.append(t(lang, "help.no_branch"))
    # Under the welcome (and /help) in a private chat, the way into the wish wall, if it is
    # set up; never in a group, which refuses a message with a web_app button.
    buttons: tuple[tuple[Button, ...], ...] = ()
    if in_private(update):
        buttons = welcome_buttons(context.core.settings, context.bot.username, actor, lang)
    await reply_rendered(update, Rendered(text="\n\n".join(parts), buttons=buttons))


async def cancel(update: Update, context: WishwallContext) -> int:
    """Leaves whichever conversation is running; drafts of that conversation are dropped."""
    user = update.effective_user
    message = update.effective_message
    assert user is not None
    await context.core.drafts.delete(user.id, *CONVERSATION_DRAFTS)
    if message is not None:
        await message.reply_text(
            t(lang_of(update, context), "conv.cancelled"), reply_markup=ReplyKeyboardRemove()
        )
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [
        ConversationHandler(
            entry_points=[CommandHandler("start", start, filters=filters.ChatType.PRIVATE)],
            states={
                ASK_NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_name)],
                ASK_PHONE: [
                    MessageHandler(filters.CONTACT, got_contact),
                    MessageHandler(~filters.COMMAND, phone_expected),
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            name="start",
            persistent=True,
        ),
        CallbackQueryHandler(chose_community, pattern=CommunityCallback.matches),
        CommandHandler("help", help_command),
    ]

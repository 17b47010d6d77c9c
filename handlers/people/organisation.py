"""Running the organisation from chats: communities, coordinators, branches, settings,
invites, join requests and members."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import arguments
from bot.callbacks import BranchCallback, BranchPurpose, RequestButton, RequestCallback
from bot.context import WishwallContext
from bot.errors import DomainError
from bot.models import COMMUNITY_SETTINGS, Action, Community, MembershipStatus
from bot.people.membership import INVITE_DAYS, INVITE_MAX_DAYS, INVITE_MAX_USES, INVITE_USES
from bot.people.policies import check
from bot.texts import t
from bot.wishes import cards
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
)

MEMBER_LIST_MAX = 200


def _args(context: WishwallContext) -> list[str]:
    return list(context.args or [])


async def community_command(update: Update, context: WishwallContext) -> None:
    """/community, /community add NAME"""
    communities = context.core.communities
    actor = await actor_of(update, context)
    args = _args(context)
    try:
        check(actor, Action.ADMINISTER, None, 0)
        if args[:1] == ["add"] and len(args) > 1:
            community = await communities.create_community(actor, " ".join(args[1:]))
            await reply(update, context, "org.community_created", name=community.name, id=community.id)
            return
        if args:
            await reply(update, context, "org.usage_community")
            return
        overview = await communities.overview(actor)
    except DomainError as error:
        await reply_text(update, error_text(lang_of(update, context), error))
        return
    lang = lang_of(update, context)
    lines = [
        t(
            lang,
            "org.community_line",
            id=line.community.id,
            name=line.community.name,
            branches=line.branches,
            coordinators=line.coordinators,
        )
        for line in overview
    ]
    await reply_text(update, "\n".join(lines) or t(lang, "org.no_communities"))


async def coordinator_command(update: Update, context: WishwallContext) -> None:
    """/coordinator add|remove COMMUNITY TELEGRAM_ID"""
    args = _args(context)
    if len(args) < 3 or args[0] not in ("add", "remove"):
        await reply(update, context, "org.usage_coordinator")
        return
    communities = context.core.communities
    actor = await actor_of(update, context)
    try:
        user_id = arguments.user_id(args[-1])
        community = await communities.community(" ".join(args[1:-1]))
        if args[0] == "add":
            changed = await communities.appoint(actor, community.id, user_id)
            key = "org.coordinator_added" if changed else "org.coordinator_exists"
        else:
            changed = await communities.dismiss(actor, community.id, user_id)
            key = "org.coordinator_removed" if changed else "org.coordinator_not_found"
    except DomainError as error:
        await reply_text(update, error_text(lang_of(update, context), error))
        return
    await reply(update, context, key, user_id=user_id, community=community.name)


async def branch_command(update: Update, context: WishwallContext) -> None:
    """/branch (list), /branch add NAME"""
    communities = context.core.communities
    actor = await actor_of(update, context)
    lang = lang_of(update, context)
    args = _args(context)
    try:
        community_id = communities.current(actor)
        if args[:1] == ["add"] and len(args) > 1:
            branch = await communities.add_branch(actor, community_id, " ".join(args[1:]))
            await reply(update, context, "org.branch_added", name=branch.name)
            return
        if args:
            await reply(update, context, "org.usage_branch")
            return
        branches = await communities.branch_lines(actor, community_id)
    except DomainError as error:
        await reply_text(update, error_text(lang, error))
        return
    lines = [t(lang, "org.branch_line", name=line.branch.name, members=line.members) for line in branches]
    await reply_text(update, "\n".join(lines) or t(lang, "org.no_branches"))


async def use_command(update: Update, context: WishwallContext) -> None:
    """/use COMMUNITY: which community this coordinator's commands act in."""
    communities = context.core.communities
    actor = await actor_of(update, context)
    args = _args(context)
    if not args:
        names = ", ".join(c.name for c in await communities.communities_for(actor))
        current = actor.current_community
        name = (await communities.community(current)).name if current else "-"
        await reply(update, context, "org.using_now", name=name, names=names or "-")
        return
    try:
        community = await communities.use(actor, " ".join(args))
    except DomainError as error:
        await reply_text(update, error_text(lang_of(update, context), error))
        return
    await reply(update, context, "org.using", name=community.name)


async def settings_command(update: Update, context: WishwallContext) -> None:
    """/settings: the current community's settings; /set KEY VALUE changes one."""
    communities = context.core.communities
    actor = await actor_of(update, context)
    lang = lang_of(update, context)
    try:
        community = await communities.community(communities.current(actor))
        check(actor, Action.MANAGE_MEMBERS, None, community.id)
    except DomainError as error:
        await reply_text(update, error_text(lang, error))
        return
    lines = [t(lang, "org.settings_header", name=community.name, tz=community.tz)]
    for key in COMMUNITY_SETTINGS:
        lines.append(f"{key} = {_shown(community, key)}  ({t(lang, f'setting.{key}')})")
    lines.append(t(lang, "org.settings_footer"))
    await reply_text(update, "\n".join(lines))


async def set_command(update: Update, context: WishwallContext) -> None:
    args = _args(context)
    if len(args) != 2:
        await reply(update, context, "org.usage_set")
        return
    communities = context.core.communities
    actor = await actor_of(update, context)
    try:
        community = await communities.set_setting(actor, communities.current(actor), args[0], args[1])
    except DomainError as error:
        await reply_text(update, error_text(lang_of(update, context), error))
        return
    name = args[0].strip().lower()
    await reply(update, context, "org.setting_changed", key=name, value=_shown(community, name))


def _shown(community: Community, key: str) -> str:
    """A setting as /set takes it back: the value cap in yuan, an unset cap as '-'."""
    value = getattr(community, key)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(int(value))  # as /set takes it: 1 or 0
    return cards.format_value(value) if key == "value_cap_fen" else str(value)


async def invite_command(update: Update, context: WishwallContext) -> None:
    """/invite: choose a branch with buttons; /invite BRANCH [DAYS] [USES] makes it directly."""
    communities = context.core.communities
    actor = await actor_of(update, context)
    lang = lang_of(update, context)
    args = _args(context)
    try:
        community_id = communities.current(actor)
        check(actor, Action.INVITE, None, community_id)
        branches = await communities.branches(community_id)
        if not branches:
            await reply(update, context, "org.no_branches")
            return
        if not args:
            await reply_rendered(
                update,
                cards.branch_choice(lang, t(lang, "org.invite_choose"), branches, BranchPurpose.INVITE),
            )
            return
        branch = next((b for b in branches if b.name == args[0]), None)
        if branch is None or len(args) > 3:
            await reply(update, context, "org.usage_invite")
            return
        days = arguments.whole(args[1], 1, INVITE_MAX_DAYS) if len(args) > 1 else INVITE_DAYS
        uses = arguments.whole(args[2], 1, INVITE_MAX_USES) if len(args) > 2 else INVITE_USES
        await _send_invite(update, context, branch.id, days, uses)
    except DomainError as error:
        await reply_text(update, error_text(lang, error))


async def _send_invite(
    update: Update, context: WishwallContext, branch_id: int, days: int, uses: int
) -> None:
    core = context.core
    invite = await core.people.create_invite(await actor_of(update, context), branch_id, days, uses)
    branch = await core.communities.branch(branch_id)
    zone = (await core.communities.community(branch.community_id)).tz
    expires = invite.expires_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    link = f"https://t.me/{context.bot.username}?start={invite.token}"
    await reply(update, context, "org.invite_link", branch=branch.name, link=link, expires=expires, uses=uses)


@button(BranchCallback)
async def branch_chosen(
    update: Update, context: WishwallContext, query: CallbackQuery, data: BranchCallback
) -> None:
    """A branch button: for an invite here; binding groups is handled in handlers/people/groups.py."""
    await _send_invite(update, context, data.branch_id, INVITE_DAYS, INVITE_USES)
    await answer(query)


@button(RequestCallback)
async def request_decided(
    update: Update, context: WishwallContext, query: CallbackQuery, data: RequestCallback
) -> None:
    """Approve (into the one branch, or after choosing among several) or Decline a join request."""
    people = context.core.people
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    if data.action is RequestButton.APPROVE and data.branch_id == 0:
        request, branches = await people.request_to_decide(actor, data.request_id)
        if len(branches) != 1:
            await answer(query)
            await edit_rendered(query, cards.join_request_card(request, lang, branches))
            return
        branch_id: int | None = branches[0].id
    else:
        branch_id = data.branch_id or None
    request = await people.decide_request(
        actor, data.request_id, approve=data.action is RequestButton.APPROVE, branch_id=branch_id
    )
    key = "org.approved" if request.status == "approved" else "org.declined"
    await answer(query, t(lang, key, name=request.full_name))
    await edit_rendered(query, cards.Rendered(text=t(lang, key, name=request.full_name)))


async def members_command(update: Update, context: WishwallContext) -> None:
    """/members: the current community's members, their branch, status and wishes held."""
    core = context.core
    actor = await actor_of(update, context)
    lang = lang_of(update, context)
    try:
        community_id = core.communities.current(actor)
        rows = await core.people.members(actor, community_id)
    except DomainError as error:
        await reply_text(update, error_text(lang, error))
        return
    if not rows:
        await reply(update, context, "org.no_members")
        return
    names = {b.id: b.name for b in await core.communities.branches(community_id)}
    lines = [t(lang, "org.members_header", count=len(rows))]
    for membership, name, held in rows[:MEMBER_LIST_MAX]:
        lines.append(
            t(
                lang,
                "org.member_line",
                name=name,
                user_id=membership.user_id,
                branch=names.get(membership.branch_id, "?"),
                status=t(lang, f"member_status.{membership.status.value}"),
                held=held,
            )
        )
    lines.append(t(lang, "org.members_footer"))
    await reply_text(update, "\n".join(lines))


def _status_command(
    status: MembershipStatus,
) -> Callable[[Update, WishwallContext], Coroutine[Any, Any, None]]:
    async def handle(update: Update, context: WishwallContext) -> None:
        args = _args(context)
        if len(args) != 1:
            await reply(update, context, "org.usage_member_status")
            return
        try:
            await context.core.people.set_member_status(
                await actor_of(update, context), arguments.user_id(args[0]), status
            )
        except DomainError as error:
            await reply_text(update, error_text(lang_of(update, context), error))
            return
        await reply(update, context, f"org.member_now_{status.value}", user_id=args[0])

    return handle


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [
        CommandHandler("community", community_command),
        CommandHandler("coordinator", coordinator_command),
        CommandHandler("branch", branch_command),
        CommandHandler("use", use_command),
        CommandHandler("settings", settings_command),
        CommandHandler("set", set_command),
        CommandHandler("invite", invite_command),
        CommandHandler("members", members_command),
        CommandHandler("suspend", _status_command(MembershipStatus.SUSPENDED)),
        CommandHandler("reinstate", _status_command(MembershipStatus.ACTIVE)),
        CommandHandler("removemember", _status_command(MembershipStatus.REMOVED)),
        CallbackQueryHandler(request_decided, pattern=RequestCallback.matches),
        CallbackQueryHandler(
            branch_chosen,
            pattern=lambda d: (
                (b := BranchCallback.unpack(d)) is not None and b.purpose is BranchPurpose.INVITE
            ),
        ),
    ]

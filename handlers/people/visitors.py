"""/visitor: coordinators appoint members of their community to record follow-up visits (回访员),
remove them, and list them."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import arguments
from bot.context import WishwallContext
from bot.errors import DomainError
from bot.texts import t
from handlers.common import actor_of, lang_of, reply, reply_text, say_error

_ADD = ("add", "添加")
_REMOVE = ("remove", "删除")


async def visitor_command(update: Update, context: WishwallContext) -> None:
    """/visitor (list), /visitor add ID, /visitor remove ID (ids as /members lists them)."""
    args = list(context.args or [])
    verb = args[0].lower() if args else ""
    if args and (len(args) != 2 or verb not in (*_ADD, *_REMOVE)):
        await reply(update, context, "fu.usage_visitor")
        return
    core = context.core
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    try:
        community_id = core.communities.current(actor)
        if not args:
            visitors = await core.followups.visitors(actor, community_id)
            if not visitors:
                await reply(update, context, "fu.no_visitors")
                return
            lines = [t(lang, "fu.visitors_head", count=len(visitors))]
            for visitor in visitors:
                line = t(lang, "fu.visitor_line", name=visitor.name, user_id=visitor.user_id)
                if visitor.status != "active":
                    line += t(lang, "fu.visitor_inactive")  # suspended or gone: may not record now
                lines.append(line)
            await reply_text(update, "\n".join(lines))
            return
        user_id = arguments.user_id(args[1])
        if verb in _ADD:
            added = await core.followups.appoint(actor, community_id, user_id)
            key = "fu.visitor_added" if added else "fu.visitor_exists"
        else:
            removed = await core.followups.dismiss(actor, community_id, user_id)
            key = "fu.visitor_removed" if removed else "fu.visitor_not_found"
    except DomainError as error:
        await say_error(update, context, error)
        return
    await reply(update, context, key, user_id=user_id, name=await core.directory.name_of(user_id))


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [CommandHandler("visitor", visitor_command)]

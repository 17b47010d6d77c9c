"""/post without a code: batch posting, with the auto-balance plan shown before anything moves."""

from __future__ import annotations

from typing import Any, ClassVar

from telegram import CallbackQuery, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import BalanceButton, BalanceCallback
from bot.context import WishwallContext
from bot.drafts import Draft
from bot.errors import DomainError
from bot.models import Button, Rendered
from bot.texts import t
from bot.wishes.balance import BalancePlan
from handlers.common import (
    actor_of,
    answer,
    button,
    edit_rendered,
    error_text,
    lang_of,
    reply_rendered,
    reply_text,
)


class BalanceDraft(Draft):
    """The plan as it was shown: Post carries out exactly this, not a plan worked out again."""

    conversation: ClassVar[str] = "balance"
    plan: BalancePlan


def _button(lang: str, key: str, action: BalanceButton, community_id: int) -> Button:
    return Button(
        text=t(lang, key), callback_data=BalanceCallback(action=action, community_id=community_id).pack()
    )


def render_plan(plan: BalancePlan, lang: str) -> Rendered:
    lines = [t(lang, "balance.plan_header", total=plan.total)]
    lines += [
        t(lang, "balance.plan_line", branch=s.name, members=s.members, count=len(s.wish_ids))
        for s in plan.shares
    ]
    lines.append(t(lang, "balance.plan_footer"))
    return Rendered(
        text="\n".join(lines),
        buttons=(
            (
                _button(lang, "btn.post_plan", BalanceButton.POST, plan.community_id),
                _button(lang, "btn.cancel", BalanceButton.CANCEL, plan.community_id),
            ),
        ),
    )


async def batch(update: Update, context: WishwallContext) -> None:
    core = context.core
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    try:
        community_id = core.communities.current(actor)
        waiting = await core.balancer.waiting(actor, community_id)
    except DomainError as error:
        await reply_text(update, error_text(lang, error))
        return
    if not waiting:
        await reply_text(update, t(lang, "balance.nothing"))
        return
    await reply_rendered(
        update,
        Rendered(
            text=t(lang, "balance.waiting", count=waiting),
            buttons=(
                (
                    _button(lang, "btn.auto_balance", BalanceButton.PLAN, community_id),
                    _button(lang, "btn.cancel", BalanceButton.CANCEL, community_id),
                ),
            ),
        ),
    )


@button(BalanceCallback)
async def on_button(
    update: Update, context: WishwallContext, query: CallbackQuery, data: BalanceCallback
) -> None:
    core = context.core
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    if data.action is BalanceButton.CANCEL:
        await core.drafts.delete(actor.user_id, BalanceDraft)
        await answer(query)
        await edit_rendered(query, Rendered(text=t(lang, "conv.cancelled")))
        return
    if data.action is BalanceButton.PLAN:
        plan = await core.balancer.plan(actor, data.community_id)
        await core.drafts.save(actor.user_id, BalanceDraft(plan=plan))
        await answer(query)
        await edit_rendered(query, render_plan(plan, lang))
        return
    saved = await core.drafts.load(actor.user_id, BalanceDraft)
    if saved is None or saved.plan.community_id != data.community_id:
        await answer(query, t(lang, "err.stale_button"), alert=True)
        return
    await core.drafts.delete(actor.user_id, BalanceDraft)
    await answer(query, t(lang, "balance.posting"))
    posted, skipped = await core.balancer.carry_out(actor, saved.plan)
    await edit_rendered(query, Rendered(text=t(lang, "balance.done", posted=posted, skipped=skipped)))


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [
        CommandHandler("post", batch, has_args=False),
        CallbackQueryHandler(on_button, pattern=BalanceCallback.matches),
    ]

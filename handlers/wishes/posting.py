"""/post without a code: batch posting, with the auto-balance plan shown before anything moves."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import BalanceButton, BalanceCallback
from bot.context import WishwallContext
from bot.errors import DomainError
from bot.models import Button, Rendered
from bot.texts import t
from bot.wishes.balance import BalancePlan
from handlers.common import actor_of, answer, edit_rendered, error_text, lang_of, reply_rendered, reply_text

DRAFT = "balance"


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
    services = context.services
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    try:
        community_id = services.org.current(actor)
        waiting = await services.balancer.waiting(actor, community_id)
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


async def on_button(update: Update, context: WishwallContext) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    data = BalanceCallback.unpack(query.data)
    assert data is not None
    services = context.services
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    try:
        if data.action is BalanceButton.CANCEL:
            await services.drafts.delete(user.id, DRAFT)
            await answer(query)
            await edit_rendered(query, Rendered(text=t(lang, "conv.cancelled")))
            return
        if data.action is BalanceButton.PLAN:
            plan = await services.balancer.plan(actor, data.community_id)
            # The plan is kept so that Post carries out exactly what was shown.
            await services.drafts.save(user.id, DRAFT, plan.model_dump(mode="json"), services.clock.now())
            await answer(query)
            await edit_rendered(query, render_plan(plan, lang))
            return
        saved = await services.drafts.load(user.id, DRAFT)
        if not saved:
            await answer(query, t(lang, "err.stale_button"), alert=True)
            return
        plan = BalancePlan.model_validate(saved)
        if plan.community_id != data.community_id:
            await answer(query, t(lang, "err.stale_button"), alert=True)
            return
        await services.drafts.delete(user.id, DRAFT)
        await answer(query, t(lang, "balance.posting"))
        posted, skipped = await services.balancer.carry_out(actor, plan)
    except DomainError as error:
        await answer(query, error_text(lang, error), alert=True)
        return
    await edit_rendered(query, Rendered(text=t(lang, "balance.done", posted=posted, skipped=skipped)))


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [
        CommandHandler("post", batch, has_args=False),
        CallbackQueryHandler(on_button, pattern=BalanceCallback.matches),
    ]

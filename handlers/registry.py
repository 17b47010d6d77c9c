"""Where every handler is registered, in one visible order.

Group -1 runs the guard for every update (it may stop the update). Group 0 holds the
features; PTB gives an update to the first handler in a group that accepts it, so the
conversations come first (they must see their own steps), then one-shot commands and
buttons, then the fallbacks that answer whatever nobody took.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, BaseHandler, CommandHandler

from bot.context import WishwallContext
from handlers import (
    claims,
    delivery,
    fallback,
    groups,
    guard,
    newwish,
    organisation,
    posting,
    records,
    reminders,
    reports,
    review,
    start,
)
from handlers.errors import on_error

GUARD_GROUP = -1
FEATURE_GROUP = 0


def feature_handlers() -> list[BaseHandler[Update, WishwallContext, None]]:
    return [
        *start.handlers(),
        *newwish.handlers(),
        *review.handlers(),
        *delivery.handlers(),
        *claims.handlers(),
        *groups.handlers(),
        *posting.handlers(),
        *organisation.handlers(),
        *reminders.handlers(),
        *reports.handlers(),
        *records.handlers(),
        CommandHandler("cancel", start.cancel),
        *fallback.handlers(),
    ]


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handlers(guard.handlers(), group=GUARD_GROUP)
    app.add_handlers(feature_handlers(), group=FEATURE_GROUP)
    app.add_error_handler(on_error)

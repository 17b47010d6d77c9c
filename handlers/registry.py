"""Where every handler is registered, in one visible order.

Group -1 runs the guard for every update (it may stop the update). Group 0 holds the
features; PTB gives an update to the first handler in a group that accepts it, so the
conversations come first (they must see their own steps), then one-shot commands and
buttons, then the fallbacks that answer whatever nobody took. The one exception is the Claim
button, the most tapped of all: no conversation has a step for it (tests/test_handler_order.py
checks), so it goes first and a storm's taps are not offered to every conversation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, CommandHandler, ConversationHandler

from bot.context import WishwallContext
from bot.people.policies import COMMAND_RULES
from handlers import (
    broadcasts,
    browse,
    categories,
    fallback,
    guard,
    points,
    records,
    reminders,
    reports,
    subscriptions,
)
from handlers.errors import on_error
from handlers.people import groups, organisation, start, visitors
from handlers.wishes import claims, delivery, followups, handover, newwish, posting, release, review

GUARD_GROUP = -1
FEATURE_GROUP = 0


def feature_handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    return [
        claims.claim_handler(),
        *start.handlers(),
        *newwish.handlers(),
        *review.handlers(),
        *delivery.handlers(),
        *claims.handlers(),
        *browse.handlers(),
        *categories.handlers(),
        *release.handlers(),
        *handover.handlers(),
        *groups.handlers(),
        *posting.handlers(),
        *organisation.handlers(),
        # Before records: a file sent while a follow-up waits for its photo is refused there.
        *followups.handlers(),
        *visitors.handlers(),
        *reminders.handlers(),
        # Before records: a file sent while a broadcast waits for its message is refused there.
        *broadcasts.handlers(),
        *subscriptions.handlers(),
        *reports.handlers(),
        *records.handlers(),
        *points.handlers(),
        CommandHandler("cancel", start.cancel),
        *fallback.handlers(),
    ]


def commands_handled(handlers: Iterable[BaseHandler[Any, Any, Any]]) -> set[str]:
    """Every command a handler answers, looking inside conversations' steps too."""
    found: set[str] = set()
    for handler in handlers:
        if isinstance(handler, CommandHandler):
            found |= set(handler.commands)
        elif isinstance(handler, ConversationHandler):
            inner = [*handler.entry_points, *handler.fallbacks]
            inner += [h for steps in handler.states.values() for h in steps]
            found |= commands_handled(inner)
    return found


def check_command_table(handlers: Iterable[BaseHandler[Any, Any, Any]]) -> None:
    """Registration follows the command table: a handler for a command the table does not list
    (which the guard would refuse anyway) or a listed command nobody handles stops start-up."""
    handled = commands_handled(handlers)
    unlisted, unhandled = handled - set(COMMAND_RULES), set(COMMAND_RULES) - handled
    if unlisted or unhandled:
        raise RuntimeError(
            f"command table and handlers disagree: not in the table {sorted(unlisted)}, "
            f"no handler {sorted(unhandled)}"
        )


def register(app: Application) -> None:
    features = feature_handlers()
    check_command_table(features)
    app.add_handlers(guard.handlers(), group=GUARD_GROUP)
    app.add_handlers(features, group=FEATURE_GROUP)
    app.add_error_handler(on_error)

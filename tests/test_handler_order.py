"""The Claim button's handler is registered first in its group (handlers/registry.py), ahead of
the conversations; that is only right while no conversation has a step that takes a Claim tap."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from telegram import CallbackQuery, Chat, Message, Update, User
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.callbacks import WishButton, WishCallback
from handlers.registry import feature_handlers
from handlers.wishes.claims import claim


def _inner(handler: BaseHandler[Any, Any, Any]) -> list[BaseHandler[Any, Any, Any]]:
    if not isinstance(handler, ConversationHandler):
        return [handler]
    found: list[BaseHandler[Any, Any, Any]] = []
    for inner in [
        *handler.entry_points,
        *handler.fallbacks,
        *(h for s in handler.states.values() for h in s),
    ]:
        found += _inner(inner)
    return found


def _tap(chat: Chat, data: str) -> Update:
    user = User(7, "Member", False)
    card = Message(11, datetime.now(UTC), chat, from_user=User(1, "bot", True))
    return Update(1, callback_query=CallbackQuery("q", user, "ci", message=card, data=data))


def test_the_claim_button_is_handled_first_and_no_conversation_step_takes_it() -> None:
    features = feature_handlers()
    first = features[0]
    assert isinstance(first, CallbackQueryHandler) and first.callback is claim
    data = WishCallback(action=WishButton.CLAIM, wish_id=5).pack()
    taps = [_tap(Chat(-100, Chat.SUPERGROUP), data), _tap(Chat(7, Chat.PRIVATE), data)]
    conversations = [h for h in features if isinstance(h, ConversationHandler)]
    assert conversations
    for conversation in conversations:
        for inner in _inner(conversation):
            for tap in taps:
                assert not inner.check_update(tap), (conversation.name, inner)
    # And the handler is tried on Claim taps only.
    release = WishCallback(action=WishButton.RELEASE, wish_id=5).pack()
    assert first.check_update(taps[0]) and not first.check_update(_tap(Chat(-100, Chat.SUPERGROUP), release))

"""Small helpers every feature module uses: language, actor, replies, error answers."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.callbacks import CallbackData
from bot.codes import format_code, parse_code
from bot.context import WishwallContext
from bot.errors import DomainError
from bot.messaging.tap_answer import answer_tap
from bot.messaging.writer import to_markup
from bot.models import Rendered
from bot.people.policies import Actor
from bot.texts import pick_lang, t, t_error

log = logging.getLogger(__name__)


def lang_of(update: Update, context: WishwallContext) -> str:
    user = update.effective_user
    return pick_lang(user.language_code if user else None, context.services.settings.default_lang)


async def actor_of(update: Update, context: WishwallContext) -> Actor:
    user = update.effective_user
    assert user is not None
    return await context.services.directory.actor(user.id, lang_of(update, context))


def in_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == "private"


async def reply(update: Update, context: WishwallContext, key: str, /, **params: object) -> None:
    await reply_text(update, t(lang_of(update, context), key, **params))


async def reply_text(update: Update, text: str) -> Message | None:
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(text[:4096])


async def reply_rendered(update: Update, rendered: Rendered) -> Message | None:
    message = update.effective_message
    if message is None:
        return None
    if rendered.photo_file_id:
        return await message.reply_photo(
            rendered.photo_file_id, caption=rendered.text[:1024], reply_markup=to_markup(rendered)
        )
    return await message.reply_text(rendered.text[:4096], reply_markup=to_markup(rendered))


def error_text(lang: str, error: DomainError) -> str:
    return t_error(lang, error.key, error.params)


async def say_error(update: Update, context: WishwallContext, error: DomainError) -> None:
    text = error_text(lang_of(update, context), error)
    if update.callback_query is not None:
        await answer(update.callback_query, text, alert=True)
    else:
        await reply_text(update, text)


# A tap's answer is worth waiting this long for after a 429; later, the query is too old anyway.
ANSWER_RETRY_SECONDS = 2.0


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a tap at most once. What the tap did is done by now (a claim is saved), so an
    answer Telegram refuses, throttles or loses is logged, never reported as a failure."""
    for attempt in range(2):
        try:
            await answer_tap(query.get_bot(), query.id, text or None, show_alert=alert)
            return
        except RetryAfter as exc:
            after = exc.retry_after
            wait = after if isinstance(after, int | float) else after.total_seconds()
            if attempt or wait > ANSWER_RETRY_SECONDS:
                log.info("callback answer dropped after 429 (retry after %s s)", wait)
                return
            await asyncio.sleep(wait)
        except BadRequest as exc:
            log.info("callback answer not accepted: %s", exc)
            return
        except NetworkError as exc:  # includes TimedOut
            log.info("callback answer lost: %s", exc)
            return


async def edit_rendered(query: CallbackQuery, rendered: Rendered) -> None:
    """Edit the message a button sits on; 'not modified' means it already shows this."""
    try:
        if query.message is not None and getattr(query.message, "photo", None):
            await query.edit_message_caption(rendered.text[:1024], reply_markup=to_markup(rendered))
        else:
            await query.edit_message_text(rendered.text[:4096], reply_markup=to_markup(rendered))
    except BadRequest as exc:
        if "message is not modified" not in str(exc).lower():
            raise


def code_arg(context: WishwallContext) -> int | None:
    args = context.args or []
    return parse_code(args[0]) if args else None


def example_code() -> str:
    return format_code(42)


C = TypeVar("C", bound=CallbackData)
R = TypeVar("R")
ButtonHandler = Callable[[Update, WishwallContext], Coroutine[Any, Any, R | None]]


def button(
    model: type[C],
) -> Callable[[Callable[[Update, WishwallContext, CallbackQuery, C], Awaitable[R]]], ButtonHandler[R]]:
    """A button handler's preamble in one place: the tap and its typed data are handed over,
    and a rule that says no (DomainError) becomes the tap's alert.

    Data that no longer unpacks (the pattern admitted it, something changed it since) gets the
    stale-button alert. A conversation step that returns None stays where it was.
    """

    def wrap(
        handle: Callable[[Update, WishwallContext, CallbackQuery, C], Awaitable[R]],
    ) -> ButtonHandler[R]:
        @functools.wraps(handle)
        async def handler(update: Update, context: WishwallContext) -> R | None:
            query = update.callback_query
            if query is None:
                return None
            data = model.unpack(query.data)
            if data is None:
                await answer(query, t(lang_of(update, context), "err.stale_button"), alert=True)
                return None
            try:
                return await handle(update, context, query, data)
            except DomainError as error:
                await answer(query, error_text(lang_of(update, context), error), alert=True)
                return None

        return handler

    return wrap

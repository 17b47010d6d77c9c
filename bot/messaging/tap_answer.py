"""A tap's answer (answerCallbackQuery) handed to the bot's request object directly.

`CallbackQuery.answer` goes through four layers of PTB's generic call machinery (ExtBot's and
Bot's answer_callback_query, _post with its defaults, _do_post with its logging) before the
request object; under a claim storm those layers were ~9% of the event loop (bench/, scenario 1,
py-spy), for a call of three fields. Here the same RequestData goes to the same request object
(`Bot.request`, what PTB itself posts through), so the transport's gate, Telegram's error
mapping (RetryAfter, BadRequest, TimedOut) and the tests' fake Bot API see no difference.
"""

from __future__ import annotations

from telegram import Bot
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

# Telegram shows at most 200 characters of a tap's answer.
ANSWER_TEXT_LIMIT = 200


async def answer_tap(bot: Bot, query_id: str, text: str | None = None, *, show_alert: bool = False) -> None:
    """What `CallbackQuery.answer(text, show_alert=...)` posts, with the same result and errors."""
    fields: list[tuple[str, object]] = [("callback_query_id", query_id)]
    if text is not None:
        fields.append(("text", text[:ANSWER_TEXT_LIMIT]))
    fields.append(("show_alert", show_alert))  # as PTB sends it when it is given, false too
    data = RequestData([RequestParameter.from_input(name, value) for name, value in fields])
    await bot.request.post(f"{bot.base_url}/answerCallbackQuery", request_data=data)

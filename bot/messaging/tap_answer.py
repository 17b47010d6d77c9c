"""A tap's answer (answerCallbackQuery) handed to the bot's request object directly.

`CallbackQuery.answer` goes through four layers of PTB's generic call machinery (ExtBot's and
Bot's answer_callback_query, _post with its defaults, _do_post with its logging) before the
request object; under a claim storm those layers were ~9% of the event loop (bench/, scenario 1,
py-spy), for a call of three fields. Here the same RequestData goes to the same request object
(`Bot.request`, what PTB itself posts through), so the transport's gate, Telegram's error
mapping (RetryAfter, BadRequest, TimedOut) and the tests' fake Bot API see no difference.
"""

from __future__ import annotations

import binascii

from telegram import Bot
from telegram.request._requestparameter import RequestParameter

from bot.messaging.aiohttp_request import SelfEncoded

# Telegram shows at most 200 characters of a tap's answer.
ANSWER_TEXT_LIMIT = 200


async def answer_tap(bot: Bot, query_id: str, text: str | None = None, *, show_alert: bool = False) -> None:
    """What `CallbackQuery.answer(text, show_alert=...)` posts, with the same result and errors."""
    await bot.request.post(
        f"{bot.base_url}/answerCallbackQuery", request_data=answer_fields(query_id, text, show_alert)
    )


def answer_fields(query_id: str, text: str | None, show_alert: bool) -> SelfEncoded:
    """The parameters PTB would make (its clients read them), and their form made at once."""
    fields: list[tuple[str, str | bool]] = [("callback_query_id", query_id)]
    if text is not None:
        fields.append(("text", text[:ANSWER_TEXT_LIMIT]))
    fields.append(("show_alert", show_alert))  # sent when given, false too, as PTB does
    parameters = [RequestParameter(name, value, None) for name, value in fields]
    # Each value as PTB's own clients send it (json_value: a string as it is, a flag as JSON).
    form = b"&".join(p.name.encode() + b"=" + _percent_encoded(str(p.json_value)) for p in parameters)
    return SelfEncoded(parameters, form)


def _percent_encoded(value: str) -> bytes:
    """Every byte as %XX: what a form decoder reads back as the same text, made in one C call
    (urllib's quote_plus walks the text byte by byte in Python: ~20 us for an answer's text)."""
    raw = value.encode()
    return b"%" + binascii.hexlify(raw, b"%").upper() if raw else b""

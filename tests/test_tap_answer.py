"""A tap's answer posted straight to the bot's request object (bot/messaging/tap_answer.py) is
the request `CallbackQuery.answer` would have made, and Telegram's refusals come back as PTB's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given
from hypothesis import strategies as st
from telegram import Bot, CallbackQuery, User
from telegram.error import BadRequest, RetryAfter
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.messaging.aiohttp_request import form_fields
from bot.messaging.keepalive_request import KeepAliveRequest
from bot.messaging.tap_answer import ANSWER_TEXT_LIMIT, answer_fields, answer_tap

TOKEN = "123:abc"


@pytest.fixture(params=["ptb's own client", "kept-alive answers"])
async def api(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Bot, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        fields = dict(await request.post())
        seen.append({"method": request.match_info["method"], "fields": fields})
        if request.match_info["method"] == "getMe":
            user = {"id": 1, "is_bot": True, "first_name": "W", "username": "wishwall_bot"}
            return web.json_response({"ok": True, "result": user})
        if fields.get("text") == "flood":
            body = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3"}
            return web.json_response({**body, "parameters": {"retry_after": 3}}, status=429)
        if fields.get("callback_query_id") == "old":
            description = "Bad Request: query is too old and response timeout expired or query ID is invalid"
            return web.json_response({"ok": False, "error_code": 400, "description": description}, status=400)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("POST", "/bot{token}/{method}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    # The kept-alive client sends the answer's own form encoding (SelfEncoded); PTB's sends
    # what json_parameters says: the server must read the same either way.
    client = KeepAliveRequest(4) if request.param == "kept-alive answers" else None
    bot = Bot(TOKEN, base_url=str(server.make_url("/bot")), request=client)
    try:
        async with bot:
            yield bot, seen
    finally:
        await server.close()


@pytest.mark.parametrize(
    ("text", "alert"),
    [
        ("已认领 W-0042 & 100%", True),
        ("W-0042 is yours", False),
        (None, False),
        ("长" * 250, True),
        ("", False),
        ("a+b=c&d=%20 ✅\n", True),
    ],
)
async def test_the_same_request_as_ptb_s_own_answer(
    api: tuple[Bot, list[dict[str, Any]]], text: str | None, alert: bool
) -> None:
    bot, seen = api
    query = CallbackQuery("q1", User(7, "M", False), "chat-instance")
    query.set_bot(bot)
    await query.answer(text[:200] if text is not None else None, show_alert=alert)
    await answer_tap(bot, "q1", text, show_alert=alert)
    ptb, ours = seen[-2], seen[-1]
    assert ours == ptb
    assert ours["method"] == "answerCallbackQuery"
    assert len(ours["fields"].get("text", "")) <= 200


async def test_telegram_s_refusals_come_back_as_ptb_s(api: tuple[Bot, list[dict[str, Any]]]) -> None:
    bot, _ = api
    with pytest.raises(RetryAfter) as flood:
        await answer_tap(bot, "q2", "flood")
    assert flood.value.retry_after == 3
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await answer_tap(bot, "old", "late")


@given(
    query_id=st.text(min_size=1, max_size=40),
    text=st.none() | st.text(max_size=300),
    alert=st.booleans(),
)
def test_the_answer_s_own_form_says_what_ptb_s_fields_say(
    query_id: str, text: str | None, alert: bool
) -> None:
    ours = answer_fields(query_id, text, alert)
    fields = [
        ("callback_query_id", query_id),
        *([("text", text[:ANSWER_TEXT_LIMIT])] if text is not None else []),
    ]
    ptb = RequestData([RequestParameter.from_input(n, v) for n, v in [*fields, ("show_alert", alert)]])
    assert ours.parameters == ptb.parameters  # what the tests' fake Bot API reads
    assert ours.json_parameters == ptb.json_parameters
    form = form_fields(ours)
    assert form is not None
    decoded = parse_qsl(form.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    assert decoded == list(ptb.json_parameters.items())

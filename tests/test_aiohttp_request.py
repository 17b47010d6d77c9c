"""The aiohttp client speaks to the Bot API as PTB's own would: form fields, multipart with
files, PTB's errors for timeouts and network failures, Telegram's answers passed on as they came."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from telegram import Bot, InputFile
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.messaging.aiohttp_request import AiohttpRequest

TOKEN = "123:abc"


async def test_fields_and_files_arrive_as_ptb_sends_them(
    http_api: tuple[TestServer, list[dict[str, Any]]],
) -> None:
    test_server, seen = http_api
    request = AiohttpRequest(connection_pool_size=4)
    await request.initialize()
    try:
        url = str(test_server.make_url(f"/bot{TOKEN}/sendMessage"))
        data = RequestData([RequestParameter("chat_id", 42, None), RequestParameter("text", "你好", None)])
        status, payload = await request.do_request(url, "POST", data)
        assert status == 200 and json.loads(payload)["ok"] is True
        assert (
            seen[-1]["fields"] == {"chat_id": "42", "text": "你好"}
            and "python-telegram-bot" in seen[-1]["agent"]
        )

        photo = InputFile(b"\x89PNG\r\n\x1a\nfake", filename="chart.png")
        data = RequestData(
            [RequestParameter("chat_id", 42, None), RequestParameter("photo", photo.attach_uri, [photo])]
        )
        url = str(test_server.make_url(f"/bot{TOKEN}/sendPhoto"))
        status, _ = await request.do_request(url, "POST", data)
        assert status == 200
        assert seen[-1]["files"] == {"photo": ("chart.png", b"\x89PNG\r\n\x1a\nfake")}
        assert seen[-1]["fields"]["chat_id"] == "42"
    finally:
        await request.shutdown()


async def test_through_a_real_bot_429_and_errors_become_ptb_errors(
    http_api: tuple[TestServer, list[dict[str, Any]]],
) -> None:
    test_server, _ = http_api
    bot = Bot(TOKEN, base_url=str(test_server.make_url("/bot")), request=AiohttpRequest(read_timeout=0.3))
    async with bot:
        assert bot.username == "wishwall_bot"
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(42, "flood")
        assert flood.value.retry_after == 7
        with pytest.raises(TimedOut):
            await bot._post("slow")
    refused = AiohttpRequest()
    await refused.initialize()
    try:
        with pytest.raises(NetworkError):
            await refused.do_request("http://127.0.0.1:9/bot1:x/getMe", "POST")
    finally:
        await refused.shutdown()

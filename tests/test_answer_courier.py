"""Taps' answers leave from the courier process: each caller gets its own reply, errors come back
as PTB's, a dead courier fails only what it held and the next answer starts another, and
stopping the bot leaves no process behind."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from telegram import Bot, InputFile
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.app import build_application
from bot.messaging.aiohttp_request import Phases
from bot.messaging.answer_courier import AnswerCourier
from bot.messaging.transport import LimitedRequest
from bot.settings import Settings

TOKEN = "123:abc"
Api = tuple[TestServer, list[dict[str, Any]]]


def _fields(**values: Any) -> RequestData:
    return RequestData([RequestParameter(name, value, None) for name, value in values.items()])


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_each_answer_gets_its_own_reply_many_at_once(http_api: Api) -> None:
    server, seen = http_api
    courier = AnswerCourier(16)
    bot = Bot(TOKEN, base_url=str(server.make_url("/bot")), request=courier)
    async with bot:  # getMe, through the courier
        assert bot.username == "wishwall_bot"
        assert await bot.answer_callback_query("q1", text="已认领 W-0042", show_alert=True)
        assert seen[-1]["method"] == "answerCallbackQuery"
        assert seen[-1]["fields"] == {
            "callback_query_id": "q1",
            "text": "已认领 W-0042",
            "show_alert": "true",
        }
        assert "python-telegram-bot" in seen[-1]["agent"]

        url = str(server.make_url(f"/bot{TOKEN}/echo"))
        replies = await asyncio.gather(*(courier.do_request(url, "POST", _fields(n=n)) for n in range(300)))
        assert [json.loads(body)["result"] for _, body in replies] == [{"n": str(n)} for n in range(300)]
        assert courier.starts == 1


async def test_telegram_s_errors_and_the_network_s_come_back_as_ptb_s(http_api: Api) -> None:
    server, _ = http_api
    bot = Bot(TOKEN, base_url=str(server.make_url("/bot")), request=AnswerCourier(4, phases=Phases(read=0.3)))
    async with bot:
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(42, "flood")
        assert flood.value.retry_after == 7
        with pytest.raises(TimedOut):
            await bot._post("slow")
        assert await bot.answer_callback_query("q2")  # the courier is still there
    refused = AnswerCourier(2)
    await refused.initialize()
    try:
        with pytest.raises(NetworkError):
            await refused.do_request("http://127.0.0.1:9/bot1:x/getMe", "POST")
    finally:
        await refused.shutdown()


async def test_files_and_other_methods_are_refused_without_sending_anything(http_api: Api) -> None:
    server, seen = http_api
    courier = AnswerCourier(2)
    await courier.initialize()
    try:
        photo = InputFile(b"\x89PNG\r\n\x1a\nfake", filename="chart.png")
        data = RequestData(
            [RequestParameter("chat_id", 42, None), RequestParameter("photo", photo.attach_uri, [photo])]
        )
        with pytest.raises(NetworkError):
            await courier.do_request(str(server.make_url(f"/bot{TOKEN}/sendPhoto")), "POST", data)
        with pytest.raises(NetworkError):
            await courier.do_request(str(server.make_url(f"/bot{TOKEN}/getMe")), "GET")
        assert seen == []
    finally:
        await courier.shutdown()


async def test_a_courier_that_dies_fails_what_it_held_and_the_next_answer_starts_another(
    http_api: Api,
) -> None:
    server, _ = http_api
    courier = AnswerCourier(4)
    await courier.initialize()
    try:
        first = courier.pid
        assert first is not None
        held = asyncio.ensure_future(courier.do_request(str(server.make_url(f"/bot{TOKEN}/slow")), "POST"))
        await asyncio.sleep(0.3)  # in the courier, waiting for the server
        os.kill(first, signal.SIGKILL)
        with pytest.raises(NetworkError):
            await asyncio.wait_for(held, 5)
        status, body = await courier.do_request(
            str(server.make_url(f"/bot{TOKEN}/echo")), "POST", _fields(n=1)
        )
        assert status == 200 and json.loads(body)["result"] == {"n": "1"}
        assert courier.starts == 2 and courier.pid not in (None, first)
        for _ in range(100):  # reaped, not left a zombie
            if _gone(first):
                break
            await asyncio.sleep(0.05)
        assert _gone(first)
    finally:
        await courier.shutdown()


async def test_stopping_finishes_the_answers_handed_over_and_leaves_no_process(http_api: Api) -> None:
    server, seen = http_api
    courier = AnswerCourier(4)
    await courier.initialize()
    pid = courier.pid
    assert pid is not None
    url = str(server.make_url(f"/bot{TOKEN}/answerCallbackQuery"))
    handed = [
        asyncio.ensure_future(courier.do_request(url, "POST", _fields(callback_query_id=n))) for n in range(5)
    ]
    await asyncio.sleep(0)  # handed over, not yet answered
    await courier.shutdown()
    assert [status for status, _ in await asyncio.gather(*handed)] == [200] * 5
    assert len(seen) == 5
    assert courier.pid is None and _gone(pid)
    with pytest.raises(NetworkError):
        await courier.do_request(url, "POST", _fields(callback_query_id=9))


async def test_the_bot_answers_taps_through_the_courier_unless_told_not_to(
    http_api: Api, tmp_path: Any
) -> None:
    server, seen = http_api
    api = str(server.make_url("/")).rstrip("/")
    for courier in (True, False):
        settings = Settings(
            bot_token=TOKEN, bot_api_url=api, db=str(tmp_path / "w.db"), answer_courier=courier
        )
        app = build_application(settings)
        request = app.bot.request
        assert isinstance(request, LimitedRequest)
        async with app.bot:
            assert await app.bot.answer_callback_query("q3", text="谢谢")
            assert seen[-1]["method"] == "answerCallbackQuery"
            couriers = [r for r in vars(request).values() if isinstance(r, AnswerCourier)]
            assert len(couriers) == (1 if courier else 0)
            pid = couriers[0].pid if couriers else None
        if pid is not None:
            assert _gone(pid)


async def test_a_courier_that_is_stuck_does_not_hold_the_tap_past_its_time(http_api: Api) -> None:
    server, _ = http_api
    courier = AnswerCourier(2, phases=Phases(read=0.2, write=0.2, connect=0.2, pool=0.2), grace=0.3)
    await courier.initialize()
    pid = courier.pid
    assert pid is not None
    try:
        os.kill(pid, signal.SIGSTOP)  # alive, holding its pipe, answering nothing
        started = asyncio.get_running_loop().time()
        with pytest.raises(TimedOut):
            await courier.do_request(str(server.make_url(f"/bot{TOKEN}/echo")), "POST", _fields(n=1))
        assert asyncio.get_running_loop().time() - started < 3
    finally:
        os.kill(pid, signal.SIGCONT)
        await courier.shutdown()

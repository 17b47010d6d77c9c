"""Taps' answers over kept-alive connections (bot/messaging/keepalive_request.py): each caller
gets its own reply, connections are used again, errors come back as PTB's, and whatever a server
does wrong (closing, stalling, garbling, flooding) ends in an error for that request alone."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal

import pytest
from aiohttp.test_utils import TestServer
from telegram import Bot, InputFile
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.app import build_application
from bot.messaging.aiohttp_request import AiohttpRequest, Phases
from bot.messaging.keepalive_request import MAX_REPLY_BYTES, KeepAliveRequest, origin_of
from bot.messaging.transport import LimitedRequest
from bot.settings import Settings

TOKEN = "123:abc"
Api = tuple[TestServer, list[dict[str, Any]]]
OK = b'{"ok": true, "result": true}'


def _fields(**values: Any) -> RequestData:
    return RequestData([RequestParameter(name, value, None) for name, value in values.items()])


def _reply(body: bytes = OK, *, extra: bytes = b"") -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
    return head + extra + b"\r\n" + body


# A server of a few lines: `serve(reader, writer, n)` handles the n-th connection as a test needs.
Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[[Serve], Awaitable[tuple[str, list[bytes]]]]]:
    servers: list[asyncio.Server] = []
    handlers: set[asyncio.Task[Any]] = set()

    async def start(serve: Serve) -> tuple[str, list[bytes]]:
        requests: list[bytes] = []
        count = 0

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal count
            count += 1
            task = asyncio.current_task()
            assert task is not None
            handlers.add(task)
            try:
                await serve(reader, writer, count)
            except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
                pass  # the client went away, or the test ended
            finally:
                writer.close()

        async def recording(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await handle(_Recording(reader, requests), writer)  # type: ignore[arg-type]

        server = await asyncio.start_server(recording, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/bot{TOKEN}/answerCallbackQuery", requests

    yield start
    for task in handlers:
        task.cancel()
    await asyncio.gather(*handlers, return_exceptions=True)
    for server in servers:
        server.close()
        await server.wait_closed()


class _Recording:
    """A reader that notes each request's head and body as the server reads it."""

    def __init__(self, reader: asyncio.StreamReader, requests: list[bytes]) -> None:
        self._reader = reader
        self._requests = requests

    async def request(self) -> bytes:
        head = await self._reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        body = await self._reader.readexactly(length)
        self._requests.append(head + body)
        return body


async def test_each_answer_gets_its_own_reply_on_connections_used_again(http_api: Api) -> None:
    server, seen = http_api
    client = KeepAliveRequest(16)
    bot = Bot(TOKEN, base_url=str(server.make_url("/bot")), request=client)
    async with bot:  # getMe
        assert bot.username == "wishwall_bot"
        assert await bot.answer_callback_query("q1", text="已认领 W-0042 & 100%", show_alert=True)
        assert seen[-1]["method"] == "answerCallbackQuery"
        assert seen[-1]["fields"] == {
            "callback_query_id": "q1",
            "text": "已认领 W-0042 & 100%",
            "show_alert": "true",
        }
        assert "python-telegram-bot" in seen[-1]["agent"]
        assert client.opened == 1  # one after the other: the same connection

        url = str(server.make_url(f"/bot{TOKEN}/echo"))
        replies = await asyncio.gather(*(client.do_request(url, "POST", _fields(n=n)) for n in range(300)))
        assert [json.loads(body)["result"] for _, body in replies] == [{"n": str(n)} for n in range(300)]
        assert client.opened <= 16  # never more at once than the pool allows
        opened = client.opened
        for n in range(20):
            await client.do_request(url, "POST", _fields(n=n))
        assert client.opened == opened


async def test_telegram_s_errors_and_the_network_s_come_back_as_ptb_s(http_api: Api) -> None:
    server, _ = http_api
    bot = Bot(
        TOKEN, base_url=str(server.make_url("/bot")), request=KeepAliveRequest(4, phases=Phases(read=0.3))
    )
    async with bot:
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(42, "flood")
        assert flood.value.retry_after == 7
        with pytest.raises(TimedOut):
            await bot._post("slow")
        assert await bot.answer_callback_query("q2")  # the client is still there
    refused = KeepAliveRequest(2)
    with pytest.raises(NetworkError):
        await refused.do_request("http://127.0.0.1:9/bot1:x/answerCallbackQuery", "POST")


async def test_files_other_methods_and_forged_urls_are_refused_without_sending_anything(
    http_api: Api,
) -> None:
    server, seen = http_api
    client = KeepAliveRequest(2)
    photo = InputFile(b"\x89PNG\r\n\x1a\nfake", filename="chart.png")
    data = RequestData(
        [RequestParameter("chat_id", 42, None), RequestParameter("photo", photo.attach_uri, [photo])]
    )
    with pytest.raises(NetworkError):
        await client.do_request(str(server.make_url(f"/bot{TOKEN}/sendPhoto")), "POST", data)
    with pytest.raises(NetworkError):
        await client.do_request(str(server.make_url(f"/bot{TOKEN}/getMe")), "GET")
    # A line break in the URL would end the request line and start a header of the caller's.
    forged = str(server.make_url("/bot")) + "1:x/answerCallbackQuery\r\nX-Evil: 1"
    with pytest.raises(NetworkError):
        await client.do_request(forged, "POST", _fields(callback_query_id="q"))
    with pytest.raises(NetworkError):
        await client.do_request("ftp://127.0.0.1/x", "POST")
    assert seen == []
    assert client.opened == 0


def test_the_request_line_and_host_come_from_the_url() -> None:
    assert origin_of("https://api.telegram.org/bot1:x/answerCallbackQuery") == (
        True,
        "api.telegram.org",
        443,
        "/bot1:x/answerCallbackQuery",
    )
    assert origin_of("http://[::1]:8081/bot1:x/m?a=1").target == "/bot1:x/m?a=1"
    assert origin_of("http://[::1]:8081/bot1:x/m").host == "::1"


async def test_a_connection_the_server_closed_while_idle_is_not_the_tap_s_problem(raw_server: Any) -> None:
    async def close_after_one(reader: Any, writer: asyncio.StreamWriter, n: int) -> None:
        # Says keep-alive, then closes once the next request arrives, without a reply: a
        # connection that timed out on the server's side just as it was used again.
        await reader.request()
        writer.write(_reply())
        await writer.drain()
        if n == 1:
            await reader.request()
            return
        while True:
            await reader.request()
            writer.write(_reply())
            await writer.drain()

    url, requests = await raw_server(close_after_one)
    client = KeepAliveRequest(4)
    assert await client.do_request(url, "POST", _fields(callback_query_id="a")) == (200, OK)
    assert await client.do_request(url, "POST", _fields(callback_query_id="b")) == (200, OK)
    assert client.opened == 2
    assert [r.endswith(b"callback_query_id=b") for r in requests] == [False, True, True]
    await client.shutdown()


async def test_a_reply_cut_short_is_an_error_and_never_sent_again(raw_server: Any) -> None:
    async def cut(reader: Any, writer: asyncio.StreamWriter, n: int) -> None:
        await reader.request()
        writer.write(_reply())
        await writer.drain()
        await reader.request()
        writer.write(_reply()[:-5])  # the reply had begun: the server saw the request
        await writer.drain()

    url, requests = await raw_server(cut)
    client = KeepAliveRequest(4)
    assert await client.do_request(url, "POST", _fields(callback_query_id="a")) == (200, OK)
    with pytest.raises(NetworkError):
        await client.do_request(url, "POST", _fields(callback_query_id="b"))
    assert len(requests) == 2  # on a used connection too: a tap is never answered twice


async def test_replies_the_server_frames_otherwise_or_marks_close_are_read_and_not_kept(
    raw_server: Any,
) -> None:
    async def varied(reader: Any, writer: asyncio.StreamWriter, n: int) -> None:
        await reader.request()
        if n == 1:  # chunked, then the connection may stay
            writer.write(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n"
                + OK[:5]
                + b"\r\n%x\r\n" % (len(OK) - 5)
                + OK[5:]
                + b"\r\n0\r\n\r\n"
            )
            await writer.drain()
            await reader.request()
            writer.write(_reply(extra=b"Connection: close\r\n"))  # and this one ends it
            await writer.drain()
            await asyncio.sleep(2)  # the client must not wait here for a reply that never comes
            return
        writer.write(_reply(b'{"ok": true, "result": 3}'))
        await writer.drain()

    url, _ = await raw_server(varied)
    client = KeepAliveRequest(4, phases=Phases(read=0.5))
    assert await client.do_request(url, "POST", _fields(q=1)) == (200, OK)
    assert await client.do_request(url, "POST", _fields(q=2)) == (200, OK)
    assert client.opened == 1
    assert await client.do_request(url, "POST", _fields(q=3)) == (200, b'{"ok": true, "result": 3}')
    assert client.opened == 2


async def test_garbage_a_flood_or_a_stall_fails_that_request_only(raw_server: Any) -> None:
    async def misbehave(reader: Any, writer: asyncio.StreamWriter, n: int) -> None:
        body = await reader.request()
        if body.endswith(b"garbage"):
            writer.write(b"SMTP ready\r\n\r\n")
        elif body.endswith(b"flood"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (MAX_REPLY_BYTES * 2))
            writer.write(b"x" * (MAX_REPLY_BYTES + 1024))
        elif body.endswith(b"stall"):
            writer.write(_reply()[:20])
            await writer.drain()
            await asyncio.sleep(5)
            return
        else:
            writer.write(_reply())
        await writer.drain()
        await asyncio.sleep(1)

    url, _ = await raw_server(misbehave)
    client = KeepAliveRequest(8, phases=Phases(read=0.3, write=0.1, connect=0.5, pool=0.1))
    with pytest.raises(NetworkError, match="could not be read"):
        await client.do_request(url, "POST", _fields(q="garbage"))
    with pytest.raises(NetworkError, match="too big"):
        await client.do_request(url, "POST", _fields(q="flood"))
    with pytest.raises(TimedOut):
        await client.do_request(url, "POST", _fields(q="stall"))
    assert await client.do_request(url, "POST", _fields(q="fine")) == (200, OK)
    assert client.opened == 4  # none of the broken connections was used again


async def test_a_cancelled_answer_drops_its_connection_and_the_pool_stays_whole(raw_server: Any) -> None:
    arrived, dropped = asyncio.Event(), asyncio.Event()

    async def slow_then_fine(reader: Any, writer: asyncio.StreamWriter, n: int) -> None:
        while True:
            try:
                body = await reader.request()
            except asyncio.IncompleteReadError:
                dropped.set()  # the client closed it
                raise
            if body.endswith(b"slow"):
                arrived.set()  # and never answered: the next read sees whether the client closed
                continue
            writer.write(_reply())
            await writer.drain()

    url, _ = await raw_server(slow_then_fine)
    client = KeepAliveRequest(1)
    waiting = asyncio.ensure_future(client.do_request(url, "POST", _fields(q="slow")))
    await arrived.wait()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await client.do_request(url, "POST", _fields(q="next")) == (200, OK)
    assert client.opened == 2
    await asyncio.wait_for(dropped.wait(), 1)  # closed at once: not left open, nor used again
    await client.shutdown()


async def test_the_bot_answers_taps_on_kept_alive_connections_unless_told_otherwise(
    http_api: Api, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, seen = http_api
    api = str(server.make_url("/")).rstrip("/")
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    choices: list[tuple[Literal["keepalive", "aiohttp"], type[BaseRequest]]] = [
        ("keepalive", KeepAliveRequest),
        ("aiohttp", AiohttpRequest),
    ]
    for choice, kind in choices:
        settings = Settings(bot_token=TOKEN, bot_api_url=api, db=str(tmp_path / "w.db"), answer_client=choice)
        app = build_application(settings)
        request = app.bot.request
        assert isinstance(request, LimitedRequest)
        assert type(request.answers) is kind
        async with app.bot:
            assert await app.bot.answer_callback_query("q3", text="谢谢")
            assert seen[-1]["method"] == "answerCallbackQuery"

"""The answer courier's process: taps' answers sent over HTTP away from the bot's event loop.

Started by bot/messaging/answer_courier.py as `python -m bot.messaging.courier_process`. The
first frame on stdin (storage/piped_child.py) says how to connect: the number of connections,
the User-Agent and the proxy. Every frame after it is a pickled list of jobs, (number, url,
encoded form, limits); each is posted with aiohttp at once, and the replies, (number, status,
body) or (number, "timeout" or "network", what happened), go back as frames, those of one turn
of the loop together. It ends when stdin closes (its bot stopped or died), after the jobs it
holds are done. It does not import python-telegram-bot (bot/messaging/http_session.py), to
stay small.

Frames come only from the process that started this one, through a pipe nobody else holds.
"""

from __future__ import annotations

import asyncio
import pickle
import signal
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from bot.event_loop import use_fastest_loop
from bot.messaging.http_session import Limits, Proxy, form_body, new_session, request
from storage.piped_child import MAX_FRAME, read_frame
from storage.writer_process import frame

Job = tuple[int, str, bytes | None, Limits]
Reply = tuple[int, int | str, bytes | str]
TIMED_OUT = "timeout"
NETWORK = "network"


class _Replies:
    """Replies of one turn of the loop, written as one frame: one write for many answers."""

    def __init__(self, transport: asyncio.WriteTransport) -> None:
        self._transport = transport
        self._waiting: list[Reply] = []

    def add(self, reply: Reply) -> None:
        if not self._waiting:
            asyncio.get_running_loop().call_soon(self._flush)
        self._waiting.append(reply)

    def _flush(self) -> None:
        batch, self._waiting = self._waiting, []
        self._transport.write(frame(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)))


async def _carry(session: aiohttp.ClientSession, proxy: Proxy | None, job: Job, replies: _Replies) -> None:
    number, url, form, limits = job
    try:
        body = form_body(form) if form is not None else None
        status, answer = await request(session, "POST", url, body, limits, proxy)
    except TimeoutError as exc:
        replies.add((number, TIMED_OUT, str(exc) or "timed out"))
    except Exception as exc:  # whatever happened, the bot must hear back about this job
        replies.add((number, NETWORK, f"aiohttp.{type(exc).__name__}: {exc}"))
    else:
        replies.add((number, status, answer))


async def _frames(reader: asyncio.StreamReader) -> AsyncIterator[Any]:
    """Each frame's unpickled payload, until stdin closes."""
    while True:
        try:
            payload = await read_frame(reader)
        except asyncio.IncompleteReadError:
            return
        yield pickle.loads(payload)


async def serve() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_FRAME)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    writing, _ = await loop.connect_write_pipe(asyncio.Protocol, sys.stdout.buffer)
    replies = _Replies(writing)
    frames = _frames(reader)
    first = await anext(frames, None)
    if first is None:
        return
    connections, user_agent, proxy = first
    session = new_session(connections, user_agent)
    carrying: set[asyncio.Task[None]] = set()
    try:
        async for jobs in frames:
            for job in jobs:
                task = loop.create_task(_carry(session, proxy, job, replies))
                carrying.add(task)
                task.add_done_callback(carrying.discard)
        if carrying:
            await asyncio.wait(carrying)
        await asyncio.sleep(0)  # the last replies' frame is written on the next turn
    finally:
        await session.close()
        writing.close()


def main() -> None:
    # Ctrl-C and a service manager's stop reach the whole group: the bot, stopping, still
    # answers the taps it holds, then closes our stdin, and we end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    use_fastest_loop()
    asyncio.run(serve())


if __name__ == "__main__":
    main()

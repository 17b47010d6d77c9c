"""A child process spoken to in frames over its stdin and stdout, joined to the event loop.

The database's writer process (storage/writer_process.py) and the taps' answer courier
(bot/messaging/answer_courier.py) are such children: work that would otherwise take the busy
event loop's process's CPU (and its GIL) goes to a process of its own, and the parent only
frames it into a pipe. A frame is a 4-byte length, then that many bytes (see `frame`).

Started with subprocess and its pipes joined to the event loop, not with asyncio's
subprocesses: those need a child watcher, which uvloop's loop policy (bot/event_loop.py) does
not give a plain asyncio loop in the same process (the tests, a command run in a thread).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

from storage.writer_process import LENGTH, frame

MAX_FRAME = 1 << 30
STOP_SECONDS = 10.0  # how long a stopping parent waits for its child to finish what it holds


class PipedChild:
    def __init__(
        self,
        popen: subprocess.Popen[bytes],
        reader: asyncio.StreamReader,
        reading: asyncio.ReadTransport,
        writer: asyncio.WriteTransport,
    ) -> None:
        self._popen = popen
        self._reader = reader
        self._reading = reading
        self._writer = writer

    @classmethod
    async def start(cls, command: list[str]) -> PipedChild:
        popen = await asyncio.to_thread(
            subprocess.Popen, command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=child_env()
        )
        assert popen.stdin is not None and popen.stdout is not None
        loop = asyncio.get_running_loop()
        try:
            reader = asyncio.StreamReader(limit=MAX_FRAME)
            protocol = asyncio.StreamReaderProtocol(reader)
            reading, _ = await loop.connect_read_pipe(lambda: protocol, popen.stdout)
            writer, _ = await loop.connect_write_pipe(asyncio.Protocol, popen.stdin)
        except BaseException:
            popen.kill()
            await asyncio.to_thread(popen.wait)
            raise
        return cls(popen, reader, reading, writer)

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def running(self) -> bool:
        return self._popen.poll() is None

    def send(self, payload: bytes) -> None:
        """One frame to the child (buffered by the transport when the pipe is full)."""
        self._writer.write(frame(payload))

    async def receive(self) -> bytes:
        """The child's next frame; IncompleteReadError when it ended instead."""
        return await read_frame(self._reader)

    async def stop(self, seconds: float = STOP_SECONDS) -> int:
        """Close its stdin and wait for it to end (killed if it does not); its exit code."""
        self._writer.close()
        try:
            return await asyncio.to_thread(self._popen.wait, seconds)
        except subprocess.TimeoutExpired:
            self._popen.kill()
            return await asyncio.to_thread(self._popen.wait)
        finally:
            # The transport, not the pipe's file: closing the file alone leaves the transport
            # holding its number, and the loop then refuses the next socket given that number
            # ("File descriptor N is used by transport"): every request of a bot started after
            # this one in the same process failed that way (bench/, scenario 2's anchors).
            self._reading.close()


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    """The next frame's payload from `reader`; IncompleteReadError at the end of the stream."""
    (size,) = LENGTH.unpack(await reader.readexactly(LENGTH.size))
    return await reader.readexactly(size)


def child_env() -> dict[str, str]:
    """The parent's environment, with this checkout's packages first on the path: the child
    imports the same code however the parent was started (installed, or from a checkout)."""
    root = str(Path(__file__).resolve().parent.parent)
    rest = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([root, rest]) if rest else root}

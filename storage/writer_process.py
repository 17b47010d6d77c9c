"""The writer process: runs batches of units (storage/unit_sql.py) on a connection of its own.

Started by storage/units.py for each open database file, as `python -m storage.writer_process
PATH`. It reads frames from stdin (a 4-byte length, then a pickled list of units), runs each as
one batch and writes back a frame of outcomes, one per unit; it ends when stdin closes (its bot
stopped or died). Why a process and not a thread: a thread of the bot's process took the GIL
back from the busy event loop after every statement, and under a storm a batch of ~80 claims
spent ~75 ms in it for ~30 ms of SQLite (bench/, scenario 2), while the claims waited.

Frames come only from the process that started this one, through a pipe nobody else holds.
"""

from __future__ import annotations

import pickle
import signal
import struct
import sys
from typing import BinaryIO

from storage.checkpoints import NO_AUTOMATIC_CHECKPOINTS, Checkpointer
from storage.unit_sql import connect, run_batch

LENGTH = struct.Struct(">I")  # the size of the pickled payload that follows


def read_frame(stream: BinaryIO) -> bytes | None:
    """One frame's payload, or None at the end of the stream."""
    head = stream.read(LENGTH.size)
    if len(head) < LENGTH.size:
        return None
    (size,) = LENGTH.unpack(head)
    payload = stream.read(size)
    return payload if len(payload) == size else None


def frame(payload: bytes) -> bytes:
    return LENGTH.pack(len(payload)) + payload


def serve(path: str, incoming: BinaryIO, outgoing: BinaryIO) -> None:
    conn = connect(path, NO_AUTOMATIC_CHECKPOINTS)
    checkpoints = Checkpointer(path)
    checkpoints.start()
    try:
        while (payload := read_frame(incoming)) is not None:
            units = pickle.loads(payload)
            outgoing.write(frame(pickle.dumps(run_batch(conn, units), protocol=pickle.HIGHEST_PROTOCOL)))
            outgoing.flush()
            checkpoints.wrote()  # after the reply: the bot waits for that, not for this
    finally:
        checkpoints.stop()
        conn.close()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python -m storage.writer_process DATABASE")
    # Ctrl-C and a service manager's stop reach the whole group: the bot, stopping, still writes
    # (the outbox closes what it sent), then closes our stdin, and we end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()

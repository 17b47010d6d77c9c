"""Spreadsheets are parsed in a one-shot child process with a bound on time and memory.

openpyxl parses in Python while holding the GIL, so a workbook that takes seconds to parse in
the bot's process leaves every other user's tap unanswered for as long. bot/sheet_guard.py
refuses the known bombs before any parsing; the child is for whatever slips past it. It may
use MEMORY_LIMIT_BYTES of address space and is killed after TIME_LIMIT_SECONDS, and the file
is refused either way. An import is rare, so each one pays for its own process (a few tenths
of a second to start) rather than keeping one alive between imports.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import sys
import time
from multiprocessing.connection import Connection
from types import ModuleType
from typing import Any, cast

from bot.records import sheet_guard, sheet_reader

log = logging.getLogger(__name__)

TIME_LIMIT_SECONDS = 20.0
# Address space of the child. A 2,000-row workbook takes ~60 MB, openpyxl included; a 17 MB
# sheet of 100,000 cells, near the most sheet_guard lets through, parses in 1.5 s within 128 MB.
MEMORY_LIMIT_BYTES = 512 * 1024 * 1024

_ZIP = b"PK\x03\x04"


async def read_table(
    content: bytes,
    file_name: str | None,
    *,
    seconds: float | None = None,
    memory_bytes: int | None = None,
) -> sheet_reader.Table:
    """sheet_reader.read_table, with workbooks checked by sheet_guard and then parsed in a child
    (within TIME_LIMIT_SECONDS and MEMORY_LIMIT_BYTES unless given)."""
    if not content.startswith(_ZIP) or len(content) > sheet_reader.MAX_BYTES:
        # CSV, or a file refused by its size or type: at most 2 MB of text, read in a thread.
        return await asyncio.to_thread(sheet_reader.read_table, content, file_name)
    await asyncio.to_thread(sheet_guard.check_archive, content)
    outcome = await asyncio.to_thread(
        _run_child,
        content,
        file_name,
        TIME_LIMIT_SECONDS if seconds is None else seconds,
        MEMORY_LIMIT_BYTES if memory_bytes is None else memory_bytes,
    )
    if outcome[0] == "refused":
        raise sheet_reader.ImportRefused(outcome[1], **outcome[2])
    table: sheet_reader.Table = outcome[1]
    return table


def _run_child(content: bytes, file_name: str | None, seconds: float, memory_bytes: int) -> tuple[Any, ...]:
    """Start, wait for and always reap the child. Runs in a thread: every step blocks, and doing
    them all in one thread means the pipe is never closed under a read still waiting on it."""
    deadline = time.monotonic() + seconds
    # spawn, not fork: the bot has database threads that a forked child would inherit mid-call.
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child,
        args=(sender, content, file_name, memory_bytes, math.ceil(seconds) + 1),
        name="wishwall-sheet",
        daemon=True,
    )
    try:
        child.start()
        sender.close()  # so that a child dying without an answer reads as EOF here
        if not receiver.poll(max(0.0, deadline - time.monotonic())):
            log.warning("a spreadsheet took over %g s to parse; the parser was killed", seconds)
            return ("refused", "imp.too_complex", {})
        try:
            outcome: tuple[Any, ...] = receiver.recv()
        except EOFError:
            child.join(1.0)
            log.warning("the spreadsheet parser died without an answer (exit code %s)", child.exitcode)
            return ("refused", "imp.too_complex", {})
        return outcome
    finally:
        sender.close()
        if child.pid is not None:
            if child.is_alive():
                child.kill()  # past its deadline, or still exiting after its answer was read
            child.join()
        receiver.close()


def _child(
    sender: Connection, content: bytes, file_name: str | None, memory_bytes: int, cpu_seconds: int
) -> None:
    _limit(memory_bytes, cpu_seconds)
    # openpyxl imports numpy only to recognise numpy numbers when writing; its BLAS start-up
    # alone reserves ~120 MB of address space (more with more cores) against the bound above.
    # A None in sys.modules makes `import numpy` fail at once (typeshed allows modules only there).
    cast(dict[str, ModuleType | None], sys.modules).setdefault("numpy", None)
    outcome: tuple[Any, ...]
    try:
        outcome = ("table", sheet_reader.read_table(content, file_name))
    except sheet_reader.ImportRefused as refused:
        outcome = ("refused", refused.key, refused.params)
    except MemoryError:
        outcome = ("refused", "imp.too_complex", {})
    sender.send(outcome)
    sender.close()


def _limit(memory_bytes: int, cpu_seconds: int) -> None:
    if sys.platform == "win32":
        return  # no rlimits there: the parent's deadline is the only bound
    import resource

    # The parent kills the child at its deadline; the CPU limit also stops one whose parent died.
    for which, value in ((resource.RLIMIT_AS, memory_bytes), (resource.RLIMIT_CPU, cpu_seconds)):
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, hard))

"""The reader's side of the claim sheet's writer process (bot/records/xlsx_process.py)."""

from __future__ import annotations

import asyncio
import pickle
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from storage.piped_child import PipedChild

_COMMAND = [sys.executable, "-m", "bot.records.xlsx_process"]
# Batches of rows sent and not yet written: enough that the writer never waits for the reader,
# few enough that the rows on their way stay a few hundred kilobytes however long the sheet.
IN_FLIGHT = 3


class SheetWriterFailed(RuntimeError):
    pass


class XlsxChild:
    """One workbook written by a process of its own; use as `async with XlsxChild.open(...)`."""

    def __init__(self, child: PipedChild) -> None:
        self._child = child
        self._unanswered = 0

    @classmethod
    async def open(cls, path: Path, tmpdir: str) -> XlsxChild:
        child = await PipedChild.start(_COMMAND)
        opened = cls(child)
        opened._send("open", str(path), tmpdir)
        return opened

    async def __aenter__(self) -> XlsxChild:
        return self

    async def __aexit__(self, *exc: object) -> None:
        # Finished or not: a writer left behind would hold the sheet's temporary files.
        await self._child.stop()

    def add_sheet(self, title: str) -> None:
        self._send("sheet", title)

    async def add_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """Rows after the last ones; waits while IN_FLIGHT batches are still being written."""
        while self._unanswered >= IN_FLIGHT:
            await self._expect("ok")
        self._send("rows", list(rows))  # any sequence of cells pickles; the batch must be a list
        self._unanswered += 1

    async def close(self) -> None:
        """The workbook finished on disk."""
        while self._unanswered:
            await self._expect("ok")
        self._send("close")
        await self._expect("closed")

    def _send(self, *command: object) -> None:
        self._child.send(pickle.dumps(command, protocol=pickle.HIGHEST_PROTOCOL))

    async def _expect(self, word: str) -> None:
        try:
            reply = pickle.loads(await self._child.receive())
        except asyncio.IncompleteReadError as exc:
            raise SheetWriterFailed("the sheet's writer process ended unexpectedly") from exc
        if reply[0] == "error":
            raise SheetWriterFailed(f"the sheet's writer process failed: {reply[1]}")
        if reply[0] != word:
            raise SheetWriterFailed(f"the sheet's writer process answered {reply[0]!r}, not {word!r}")
        if word == "ok":
            self._unanswered -= 1

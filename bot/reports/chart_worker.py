"""Report charts are drawn in a worker process, not in the bot's.

matplotlib costs about 60 MB once imported and a chart takes a second of CPU. In a worker
process neither touches the bot: its memory stays flat (bench/, scenario 6) and the drawing
runs on another core instead of holding the GIL while updates wait. The worker starts on the
first chart and exits after `idle_seconds` without one, so the weekly run of many communities
pays its start-up once.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.reports.model import WeeklyReport


def _draw(report: WeeklyReport, lang: str) -> tuple[bytes, str]:
    from bot.reports.report_chart import draw_chart  # imported in the worker only

    return draw_chart(report, lang)


class ChartWorker:
    def __init__(self, idle_seconds: float = 300.0) -> None:
        self._idle_seconds = idle_seconds
        self._pool: ProcessPoolExecutor | None = None
        self._busy = 0
        self._idle_timer: asyncio.TimerHandle | None = None

    @property
    def running(self) -> bool:
        return self._pool is not None

    async def draw(self, report: WeeklyReport, lang: str) -> tuple[bytes, str]:
        """The PNG and its caption (bot/report_chart.py)."""
        loop = asyncio.get_running_loop()
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        self._busy += 1
        try:
            try:
                return await loop.run_in_executor(self._worker(), _draw, report, lang)
            except BrokenProcessPool:
                # The worker died (killed for memory, say): a fresh one gets one more try.
                self._discard()
                return await loop.run_in_executor(self._worker(), _draw, report, lang)
        finally:
            self._busy -= 1
            if self._busy == 0 and self._pool is not None:
                self._idle_timer = loop.call_later(self._idle_seconds, self._discard)

    async def close(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)

    def _worker(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the bot has database threads that a forked child would inherit mid-call.
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def _discard(self) -> None:
        self._idle_timer = None
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

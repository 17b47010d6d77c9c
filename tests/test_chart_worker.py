"""Charts are drawn in a worker process: the bot never imports matplotlib, the worker leaves
when idle and a dead worker is replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

from bot.reports import charts
from bot.reports.chart_worker import ChartWorker
from tests.factories import weekly_report


def test_the_bot_process_never_imports_matplotlib() -> None:
    code = (
        "import sys\n"
        "from bot.app import build_application\n"
        "from bot.settings import Settings\n"
        "build_application(Settings(bot_token='1:x', db=':memory:'))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'numpy', 'PIL')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr


async def test_the_worker_draws_leaves_when_idle_and_is_replaced_when_killed() -> None:
    worker = ChartWorker(idle_seconds=0.2)
    try:
        png, caption = await worker.draw(weekly_report(), "zh")
        assert png.startswith(charts.PNG_SIGNATURE) and "2026-W47" in caption
        assert worker.running
        await asyncio.sleep(0.6)
        assert not worker.running

        await worker.draw(weekly_report(), "en")
        pool = worker._pool
        assert pool is not None
        for pid in list(pool._processes):  # the test plays the OOM killer
            os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.3)
        png, _ = await worker.draw(weekly_report(), "en")
        assert png.startswith(charts.PNG_SIGNATURE)
    finally:
        await worker.close()
    assert not worker.running

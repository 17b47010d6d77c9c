"""Charts are drawn in a worker process: the bot never imports matplotlib, the worker leaves
when idle and a dead worker is replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

from bot import charts, reports
from bot.chart_worker import ChartWorker
from bot.models import Figures
from bot.timing import IsoWeek


def _report() -> reports.WeeklyReport:
    return reports.WeeklyReport(
        community_id=1,
        community_name="幸福社区",
        week=IsoWeek(year=2026, week=47),
        this=Figures(due=4, due_fulfilled=1),
        previous=Figures(),
        branches=[reports.BranchRow(branch_id=1, name="第一支部", figures=Figures(due=4, due_fulfilled=1))],
        history=[(f"2026-W{w}", None) for w in range(40, 47)] + [("2026-W47", 0.25)],
    )


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
        png, caption = await worker.draw(_report(), "zh")
        assert png.startswith(charts.PNG_SIGNATURE) and "2026-W47" in caption
        assert worker.running
        await asyncio.sleep(0.6)
        assert not worker.running

        await worker.draw(_report(), "en")
        pool = worker._pool
        assert pool is not None
        for pid in list(pool._processes):  # the test plays the OOM killer
            os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.3)
        png, _ = await worker.draw(_report(), "en")
        assert png.startswith(charts.PNG_SIGNATURE)
    finally:
        await worker.close()
    assert not worker.running

"""Scenario 5's export memory counts the export's helper too (bench/query_world.py): the sheet's
cells are written by a process the export starts, and wait4 alone gives the larger peak only."""

from __future__ import annotations

import subprocess
import sys
import threading

from bench.query_world import _watch_peaks

# A parent holding ~60 MB that starts a child holding ~40 MB and waits for it.
FAMILY = (
    "import subprocess, sys\n"
    "held = b'x' * 60_000_000\n"
    "code = \"held = b'y' * 40_000_000; import time; time.sleep(0.8)\"\n"
    "subprocess.run([sys.executable, '-c', code], check=True)\n"
)


def test_the_peaks_of_a_process_and_of_the_one_it_starts_are_both_counted() -> None:
    parent = subprocess.Popen([sys.executable, "-c", FAMILY])
    peaks: dict[int, float] = {}
    done = threading.Event()
    watching = threading.Thread(target=_watch_peaks, args=(parent.pid, peaks, done))
    watching.start()
    try:
        assert parent.wait(timeout=30) == 0
    finally:
        done.set()
        watching.join()
    assert len(peaks) == 2
    assert max(peaks.values()) < 100
    assert sum(peaks.values()) >= 100  # 60 MB + 40 MB held, interpreters besides

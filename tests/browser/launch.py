"""Starting what the browser tests drive, for the tests (conftest.py) and the README's
screenshots (docs/make_screenshots.py) alike: `wishwall demo` as a user starts it, and Debian's
headless Chromium through its chromedriver."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

_CHROME_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--window-size=500,900",
    # Nothing but this machine: telegram.org's script fails at once, as it does wherever the
    # page is opened outside Telegram without a network, and the page must cope.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--no-first-run",
    "--disable-extensions",
    "--disable-background-networking",
)


def start_chrome(*extra: str) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (*_CHROME_ARGUMENTS, *extra):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    return driver


def start_demo(folder: Path) -> tuple[subprocess.Popen[str], str]:
    """`wishwall demo` on a free port of 127.0.0.1 with its database in `folder`; its base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WISHWALL_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--port", "0", "--db", str(folder / "demo.db")],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        found = re.search(r"(http://127\.0\.0\.1:\d+)/wall/demo", line)
        if found:
            return process, found.group(1)
    process.kill()
    _, err = process.communicate()
    raise AssertionError(f"wishwall demo did not start: {err[-2000:]}")


def stop_demo(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

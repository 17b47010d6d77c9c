"""The wish wall in a real browser: Debian's headless Chromium, driven by Selenium through
Debian's chromedriver (the same version as the browser, nothing downloaded at run time).

The page is served by `wishwall demo` itself, started as a user would start it, and people
sign in through its sign-in page: each test uses the real initData check, the real API and the
real page. Without the browser the tests skip with one line saying what to install; in CI
(`.ci/run` installs it) a missing browser is a failure, so they never silently stop running.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WIDTH, HEIGHT = 390, 844  # a phone's screen, in CSS pixels
WAIT = 15.0


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"no {Path(path).name}: apt-get install chromium chromium-driver"
    return None


@pytest.fixture(scope="session")
def chrome() -> Iterator[Any]:
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
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
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="session")
def demo_db(demo_folder: Path) -> Path:
    """The running demo's database, for a test to read what the chat's commands would say."""
    return demo_folder / "demo.db"


@pytest.fixture(scope="session")
def demo(demo_folder: Path, chrome: Any) -> Iterator[str]:
    """`wishwall demo` on a free port of 127.0.0.1; its base URL."""
    folder = demo_folder
    env = {k: v for k, v in os.environ.items() if not k.startswith("WISHWALL_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--port", "0", "--db", str(folder / "demo.db")],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = _wait_for_url(process)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        found = re.search(r"(http://127\.0\.0\.1:\d+)/wall/demo", line)
        if found:
            return found.group(1)
    process.kill()
    _, err = process.communicate()
    raise AssertionError(f"wishwall demo did not start: {err[-2000:]}")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

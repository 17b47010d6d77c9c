"""The wish wall in a real browser: Debian's headless Chromium, driven by Selenium through
Debian's chromedriver (the same version as the browser, nothing downloaded at run time).

The page is served by `wishwall demo` itself, started as a user would start it, and people
sign in through its sign-in page: each test uses the real initData check, the real API and the
real page. Without the browser the tests skip with one line saying what to install; in CI
(`.ci/run` installs it) a missing browser is a failure, so they never silently stop running.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.launch import CHROMEDRIVER, CHROMIUM, start_chrome, start_demo, stop_demo

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
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
    driver = start_chrome()
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
    process, url = start_demo(demo_folder)
    try:
        yield url
    finally:
        stop_demo(process)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

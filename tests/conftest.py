from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.services import Services
from bot.settings import Settings
from tests.factories import COORDINATOR

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="123456:TEST-TOKEN",
        db=str(tmp_path / "wishwall.db"),
        admins=frozenset({COORDINATOR}),
    )


@pytest.fixture
async def services(settings: Settings, clock: FakeClock) -> AsyncIterator[Services]:
    built = Services.build(settings, clock)
    await built.db.open()
    try:
        yield built
    finally:
        await built.db.close()

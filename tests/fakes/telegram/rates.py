"""Telegram's flood limits, enforced only when a test asks (``enforce_rate_limits``)."""

from __future__ import annotations

import math
from collections import deque
from http import HTTPStatus
from typing import ClassVar

from tests.fakes.telegram.state import Core
from tests.fakes.telegram.wire import ApiError
from tests.fakes.telegram.world import FakeChat


class RateLimits(Core):
    """Rolling windows per chat and overall; a send over the limit is a 429 with retry_after."""

    # Seconds of tolerance in rolling rate windows: the bot's pacing clock and ours stamp a
    # message at slightly different moments, and a scheduler hiccup must not look like a burst.
    RATE_SLACK: ClassVar[float] = 0.02
    GLOBAL_PER_SECOND: ClassVar[int] = 30
    PRIVATE_PER_SECOND: ClassVar[int] = 1
    GROUP_PER_MINUTE: ClassVar[int] = 20

    def _check_rate(self, chat: FakeChat, *, is_edit: bool) -> None:
        if not self.enforce_rate_limits:
            return
        now = self.clock()
        waits = [self._wait_for_slot(self._global_window, now, 1.0, self.GLOBAL_PER_SECOND)]
        if not chat.is_private:
            waits.append(self._wait_for_slot(self._chat_windows[chat.id], now, 60.0, self.GROUP_PER_MINUTE))
        elif not is_edit:
            waits.append(self._wait_for_slot(self._chat_windows[chat.id], now, 1.0, self.PRIVATE_PER_SECOND))
        wait = max(waits)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise ApiError(
                HTTPStatus.TOO_MANY_REQUESTS,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )

    def _count_rate(self, chat: FakeChat, *, is_edit: bool) -> None:
        if not self.enforce_rate_limits:
            return
        now = self.clock()
        self._global_window.append(now)
        if not (chat.is_private and is_edit):
            self._chat_windows[chat.id].append(now)

    def _wait_for_slot(self, stamps: deque[float], now: float, window: float, limit: int) -> float:
        horizon = now - window + self.RATE_SLACK
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        if len(stamps) < limit:
            return 0.0
        # A slot frees when the oldest message that keeps the window full leaves it.
        return stamps[len(stamps) - limit] + window - self.RATE_SLACK - now

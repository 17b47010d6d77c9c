"""Telegram's sending limits as sliding windows: overall, per private chat, per group."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class SlidingWindow:
    limit: int
    period: float
    stamps: deque[float] = field(default_factory=deque)
    paused_until: float = 0.0

    def _trim(self, now: float) -> None:
        while self.stamps and self.stamps[0] <= now - self.period:
            self.stamps.popleft()

    def wait_time(self, now: float) -> float:
        self._trim(now)
        wait = max(0.0, self.paused_until - now)
        if len(self.stamps) >= self.limit:
            wait = max(wait, self.stamps[0] + self.period - now)
        return wait

    def record(self, now: float) -> None:
        self.stamps.append(now)

    def idle(self, now: float) -> bool:
        self._trim(now)
        return not self.stamps and self.paused_until <= now


class SendLimits:
    """Decides when the next message to a chat may go; never sleeps itself."""

    def __init__(
        self,
        *,
        per_second: float = 25.0,
        private_interval: float = 1.0,
        group_per_minute: int = 20,
    ) -> None:
        # A one-second window holding per_second stamps keeps any second under the cap.
        self._overall = SlidingWindow(limit=max(1, int(per_second)), period=1.0)
        self._private_interval = private_interval
        self._group_per_minute = group_per_minute
        self._chats: dict[int, SlidingWindow] = {}

    def _window(self, chat_id: int) -> SlidingWindow:
        window = self._chats.get(chat_id)
        if window is None:
            # Telegram's private chats have positive ids; groups and channels negative ones.
            if chat_id > 0:
                window = SlidingWindow(limit=1, period=self._private_interval)
            else:
                window = SlidingWindow(limit=self._group_per_minute, period=60.0)
            self._chats[chat_id] = window
        return window

    def wait_time(self, chat_id: int, now: float) -> float:
        return max(self._overall.wait_time(now), self._window(chat_id).wait_time(now))

    def overall_wait(self, now: float) -> float:
        """How long until any message at all may go."""
        return self._overall.wait_time(now)

    def record(self, chat_id: int, now: float) -> None:
        self._overall.record(now)
        self._window(chat_id).record(now)

    def pause(self, chat_id: int, until: float) -> None:
        window = self._window(chat_id)
        window.paused_until = max(window.paused_until, until)

    def forget_idle(self, now: float) -> None:
        """Drop windows of chats with nothing recent, so memory follows active chats only."""
        for chat_id in [c for c, w in self._chats.items() if w.idle(now)]:
            del self._chats[chat_id]

    @property
    def tracked_chats(self) -> int:
        return len(self._chats)

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
    reserved: int = 0  # sends scheduled that have not left yet: they count as if they had

    def _trim(self, now: float) -> None:
        while self.stamps and self.stamps[0] <= now - self.period:
            self.stamps.popleft()

    def wait_time(self, now: float, limit: int | None = None) -> float:
        self._trim(now)
        cap = self.limit if limit is None else limit
        wait = max(0.0, self.paused_until - now)
        used = len(self.stamps) + self.reserved
        if used >= cap:
            # Replies may push the window past the outbox's cap: wait for enough stamps to leave.
            # Reserved sends leave no stamp yet, so with the window full of them: a short look.
            index = used - cap
            wait = max(wait, self.stamps[index] + self.period - now if index < len(self.stamps) else 0.05)
        return wait if wait > 1e-9 else 0.0  # rounding after sleeping exactly the wait is no wait

    def record(self, now: float) -> None:
        self.stamps.append(now)

    def idle(self, now: float) -> bool:
        self._trim(now)
        return not self.stamps and not self.reserved and self.paused_until <= now


@dataclass
class TokenBucket:
    """A short burst, then a steady rate: how Telegram treats messages into one private chat."""

    capacity: float
    rate: float
    tokens: float
    at: float

    def _refill(self, now: float) -> None:
        if now > self.at:
            self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
            self.at = now

    def wait_time(self, now: float) -> float:
        self._refill(now)
        # Within rounding of a whole token counts as one: sleeping exactly the wait must end it
        # (with a rate like 1/1.05 the refill can land a hair short, and the caller would loop).
        missing = 1.0 - self.tokens
        return 0.0 if missing <= 1e-9 else missing / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0  # may go below zero: the outbox's sends count too

    def idle(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.capacity


PRIVATE_MARGIN = 0.05  # share added to the private-chat interval (see SendLimits)
OVERALL_MARGIN = 0.05  # share added to the overall window's second (see SendLimits)


class SendLimits:
    """Decides when the next message to a chat may go; never sleeps itself."""

    def __init__(
        self,
        *,
        per_second: float = 25.0,
        private_interval: float = 1.0,
        group_per_minute: int = 20,
        reply_headroom: float = 3.0,
        private_burst: int = 3,
    ) -> None:
        # A one-second window holding per_second stamps keeps any second under the cap; the
        # window is a little longer than a second for the reason the private pace has a margin
        # (below). Once the outbox kept up with 25 a second under load, bunched arrivals met the
        # overall limit now and then (bench/, scenario 2: 429s in 4 of 9 full-size runs, 0-10).
        self._overall = SlidingWindow(limit=max(1, int(per_second)), period=1.0 + OVERALL_MARGIN)
        # Direct replies share the window, with a little room above the outbox's share: the
        # outbox never takes the whole budget, so a reply rarely waits at all.
        self._reply_cap = self._overall.limit + max(0, int(reply_headroom))
        # Our stamps are taken when a request leaves, Telegram's when it arrives, and arrivals
        # can bunch up by a few tens of milliseconds: a chat kept at exactly one a second met
        # 429s (bench/, scenario 2). A small margin keeps the private pace just under the limit.
        self._private_interval = private_interval * (1 + PRIVATE_MARGIN)
        self._group_per_minute = group_per_minute
        self._chats: dict[int, SlidingWindow] = {}
        # What replies may do in a private chat: a short burst, on average one a second.
        self._private_burst = max(1, private_burst)
        self._bursts: dict[int, TokenBucket] = {}

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
        """How long until the outbox may send anything at all."""
        return self._overall.wait_time(now)

    def reply_wait(self, chat_id: int, now: float) -> float:
        """How long a direct reply should hold off (usually not at all).

        Replies have headroom above the outbox's overall share, and in a private chat they may
        come in a short burst (Telegram tolerates one; the person is waiting for the answer)
        instead of one a second like the outbox. In a group they keep to the group's window.
        A private chat's pause after a 429 binds the outbox only (see bot/transport.py).
        """
        wait = self._overall.wait_time(now, self._reply_cap)
        if chat_id > 0:
            burst = self._bursts.get(chat_id)
            return max(wait, burst.wait_time(now)) if burst else wait
        return max(wait, self._window(chat_id).wait_time(now))

    def record(self, chat_id: int, now: float, *, burst: bool = True) -> None:
        self._overall.record(now)
        self._window(chat_id).record(now)
        if burst:
            self._take_burst(chat_id, now)

    def _take_burst(self, chat_id: int, now: float) -> None:
        if chat_id > 0:
            bucket = self._bursts.get(chat_id)
            if bucket is None:
                rate = 1.0 / self._private_interval
                bucket = TokenBucket(self._private_burst, rate, self._private_burst, now)
                self._bursts[chat_id] = bucket
            bucket.take(now)

    def reserve_reply(self, chat_id: int, now: float) -> None:
        """A direct reply may go: its slot is held until it leaves (``settle(..., burst=False)``).

        The chat's burst is taken now, so that replies deciding together see each other.
        """
        self.reserve(chat_id)
        self._take_burst(chat_id, now)

    def reserve(self, chat_id: int) -> None:
        """The outbox scheduled a send: it counts from now, and is stamped when it leaves.

        Stamping at scheduling time was wrong under load: a card edit reads the database before
        it goes, so sends scheduled a second apart could reach Telegram together (429s).
        """
        self._overall.reserved += 1
        self._window(chat_id).reserved += 1

    def settle(self, chat_id: int, now: float, *, burst: bool = True) -> None:
        """A reserved send left now (or its item is done without saying when it left)."""
        self.unreserve(chat_id)
        self.record(chat_id, now, burst=burst)

    def unreserve(self, chat_id: int) -> None:
        """A reserved send will not happen after all."""
        self._overall.reserved = max(0, self._overall.reserved - 1)
        window = self._window(chat_id)
        window.reserved = max(0, window.reserved - 1)

    def pause(self, chat_id: int, until: float) -> None:
        window = self._window(chat_id)
        window.paused_until = max(window.paused_until, until)

    def forget_idle(self, now: float) -> None:
        """Drop windows of chats with nothing recent, so memory follows active chats only."""
        for chat_id in [c for c, w in self._chats.items() if w.idle(now)]:
            del self._chats[chat_id]
        for chat_id in [c for c, w in self._bursts.items() if w.idle(now)]:
            del self._bursts[chat_id]

    @property
    def tracked_chats(self) -> int:
        return len(self._chats)

"""The typed context handlers receive: `context.services` instead of untyped bot_data lookups."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from typing import Any, cast

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.core import Core
from bot.services import Services

# Update fields Telegram fills, one per update; the first one set names the update's kind.
UPDATE_KINDS = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "channel_post",
    "edited_channel_post",
    "inline_query",
    "chosen_inline_result",
    "chat_join_request",
    "poll",
    "poll_answer",
    "pre_checkout_query",
    "shipping_query",
)
# How long a stopping bot gives the outbox to send what is due before it closes.
STOP_GRACE_SECONDS = 5.0
# New objects (less those freed) between two collections of the youngest generation (see start).
YOUNG_OBJECTS_BEFORE_COLLECTING = 50_000


def update_kind(update: object) -> str:
    if not isinstance(update, Update):
        return "other"
    return next((name for name in UPDATE_KINDS if getattr(update, name, None) is not None), "other")


class WishwallApp(Application[Any, Any, Any, Any, Any, Any]):
    """The PTB application plus our services, opened and closed with it."""

    services: Services

    async def process_update(self, update: object) -> None:
        """Every update, whichever way it came (polling or webhook): noted for /healthz and
        counted and timed for /metrics."""
        started = time.perf_counter()
        try:
            await super().process_update(update)
        finally:
            services = self.services
            services.heartbeat.last_update_at = services.clock.now()
            services.metrics.updates.labels(kind=update_kind(update)).inc()
            services.metrics.handler_seconds.observe(time.perf_counter() - started)

    async def initialize(self) -> None:
        # Storage first: PTB loads persisted conversation states during initialize().
        await self.services.db.open()
        await super().initialize()

    async def start(self) -> None:
        await super().start()
        if self.services.sender is not None:
            self.services.sender.start()
        # What start-up built (modules, PTB's and pydantic's machinery, the handlers) lives as
        # long as the process: out of the collector's sight, a full collection no longer walks
        # it (bench/, scenario 2: ~7% of the CPU per update went to collections, each full one
        # a pause of tens of milliseconds in front of the taps waiting).
        gc.freeze()
        # Most of what an update allocates dies with it: at the default 700 the youngest
        # generation was collected several times per update, the older ones often enough to
        # walk all that lives on (bench/, scenario 2: ~800 collections and 1.3-1.5 s of pauses
        # in a 12 s run; at 10,000, 30 and 0.5-0.6 s, and 296-372 → 372-454 updates/s). Each
        # collection walks every young object still alive, and in a storm that is the 256
        # updates in hand (20,000-36,000 objects, 15-20 ms a collection): at 50,000, one
        # collection of ~70 ms in the 7 s saturated window instead of 25 and ~0.6 s (2026-12-02).
        self._gc_before = gc.get_threshold()
        gc.set_threshold(YOUNG_OBJECTS_BEFORE_COLLECTING, *self._gc_before[1:])

    async def stop(self) -> None:
        """Handlers in flight finish first (PTB's stop), then the outbox gets a few seconds to
        send what they and earlier changes queued; what is left waits in the database."""
        await super().stop()
        before: tuple[int, int, int] | None = getattr(self, "_gc_before", None)
        if before is not None:  # the process may go on (tests, the bench harness) without the bot
            gc.set_threshold(*before)
        sender = self.services.sender
        if sender is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STOP_GRACE_SECONDS):
                    await sender.drain()
            await sender.stop()

    async def shutdown(self) -> None:
        await super().shutdown()
        await self.services.close()


class WishwallContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        return cast(WishwallApp, self.application).services

    @property
    def core(self) -> Core:
        """What handlers use: the core's services, no repository (tests/test_architecture_handlers.py)."""
        return cast(WishwallApp, self.application).services.core

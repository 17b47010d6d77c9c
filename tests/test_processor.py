"""The update processor: users run in parallel, one user's updates in one chat stay in order."""

from __future__ import annotations

import asyncio
import random

from telegram import Update
from telegram.ext import ApplicationBuilder, MessageHandler, filters

from bot.messaging.processor import OrderedUpdateProcessor, order_key
from tests.fakes.telegram_api import Driver, FakeTelegram


async def test_order_per_user_and_parallel_across_users() -> None:
    api = FakeTelegram()
    app = (
        ApplicationBuilder()
        .token("123:ABC")
        .request(api)
        .get_updates_request(api)
        .updater(None)
        .concurrent_updates(OrderedUpdateProcessor(64))
        .build()
    )
    seen: dict[int, list[str]] = {}
    running = 0
    peak = 0
    rng = random.Random(7)

    async def slow(update: Update, _: object) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(rng.uniform(0.001, 0.02))  # later updates may finish first if unordered
        assert update.effective_user is not None and update.effective_message is not None
        seen.setdefault(update.effective_user.id, []).append(update.effective_message.text or "")
        running -= 1

    app.add_handler(MessageHandler(filters.TEXT, slow))
    await app.initialize()
    await app.start()
    try:
        users = [api.user(uid, f"U{uid}") for uid in range(1, 6)]
        driver = Driver(app, api)
        await driver.send_many([(user, f"m{i}") for i in range(20) for user in users])
    finally:
        await app.stop()
        await app.shutdown()
    assert all(seen[u.id] == [f"m{i}" for i in range(20)] for u in users)
    assert peak >= 3  # different users were processed at the same time


def test_order_key() -> None:
    assert order_key(object()) is None

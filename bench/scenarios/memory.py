"""6. Memory: resident memory of the running bot with 100,000 open wishes.

The database holds ``wishes`` open wishes (cards posted in ``groups`` groups) and ``members``
members. The bot starts on it and works: members tap Claim on random cards at ``rate`` per second
(answers, claims, card edits and details through the outbox), holders ask /mywishes and
coordinators /pending. Reported: the process's resident memory after start-up and at the end,
and its peak (VmHWM), and the peak of the database's writer process (storage/writer_process.py)
and of the answer courier when it is on (WISHWALL_ANSWER_COURIER); the target is on the peaks
together. The harness lives in the bot's process, so its share
(a few prepared updates at a time) is counted too: the figures err on the high side.
"""

from __future__ import annotations

import asyncio
import gc
import random
import time

import psutil

from bench.core import Figure, Param, RunContext, Scenario
from bench.harness import Session
from bench.seed import WorldSpec, card_of, coordinator_id, member_id
from bot.callbacks import WishButton, WishCallback

MB = 1024 * 1024


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / MB


def vm_hwm_mb(pid: int | str) -> float | None:
    """The most resident memory a process has had (VmHWM: the same accounting as RSS); None
    where the kernel keeps none (a process that ended and was not waited for yet). OSError
    once it is gone."""
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return None


def peak_mb(pid: int | str = "self") -> float:
    peak = vm_hwm_mb(pid)
    return rss_mb() if peak is None else peak


async def run(ctx: RunContext) -> list[Figure]:
    spec = WorldSpec(
        groups=ctx.get("groups"),
        members=ctx.get("members"),
        coordinators=5,
        open_wishes=ctx.get("wishes"),
    )
    taps, rate = int(ctx.get("taps")), float(ctx.get("rate"))
    rng = random.Random(6)
    async with Session(spec, latency=ctx.latency, log=ctx.log) as session:
        bot = session.bot
        gc.collect()
        started_mb = rss_mb()
        begun = time.monotonic()
        fed = 0
        while fed < taps:
            # A hundred at a time, so the harness holds few prepared updates.
            batch = []
            for _ in range(min(100, taps - fed)):
                k = rng.randrange(len(session.wish_ids))
                chat_id, message_id = card_of(spec, k)
                data = WishCallback(action=WishButton.CLAIM, wish_id=session.wish_ids[k]).pack()
                batch.append(bot.tap(member_id(rng.randrange(spec.members)), chat_id, message_id, data))
            if fed % 500 == 0:
                batch += [bot.text(member_id(rng.randrange(spec.members)), "/mywishes") for _ in range(5)]
                batch += [bot.text(coordinator_id(c), "/pending") for c in range(spec.coordinators)]
            for update in batch:
                delay = begun + fed / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                bot.feed([update])
                fed += 1 if update.callback_query else 0
        await bot.wait_processed(len(bot.received), within=120)
        await asyncio.sleep(float(ctx.get("outbox_seconds")))  # the outbox keeps working meanwhile
        gc.collect()
        end_mb, peak = rss_mb(), peak_mb()
        writer = bot.services.db.writer_pid
        writer_peak = peak_mb(writer) if writer is not None else 0.0
        courier = bot.courier_pid
        courier_peak = peak_mb(courier) if courier is not None else None
        sender = bot.services.sender
        ctx.log(
            f"    {len(session.wish_ids)} open wishes: RSS {started_mb:.0f} MB after start, {end_mb:.0f} MB"
            f" after {taps} taps, peak {peak:.0f} MB, writer process {writer_peak:.0f} MB,"
            f" answer courier {'off' if courier_peak is None else f'{courier_peak:.0f} MB'};"
            f" outbox sent {sender.sent if sender else '?'};"
            f" errors {bot.log.errors} {bot.log.samples[:2]}"
        )
    name = f"6. Memory, {len(session.wish_ids):,} open wishes"
    # The answer courier (off by default) is a process of the bot's too: counted when it runs.
    helpers = [Figure(name, "peak resident memory, its writer process", writer_peak, unit="MB")]
    if courier_peak is not None:
        helpers.append(Figure(name, "peak resident memory, its answer courier", courier_peak, unit="MB"))
    together = "the two together" if courier_peak is None else "the three together"
    return [
        Figure(name, "resident memory after start-up", started_mb, unit="MB"),
        Figure(name, f"resident memory after {taps:,} taps", end_mb, unit="MB"),
        Figure(name, "peak resident memory, bot process", peak, unit="MB"),
        *helpers,
        Figure(
            name,
            f"peak resident memory, {together}",
            peak + writer_peak + (courier_peak or 0.0),
            unit="MB",
            op="<",
            limit=150,
            aggregate="worst",
        ),
        Figure(name, "errors logged", bot.log.errors, op="==", limit=0, aggregate="worst"),
    ]


SCENARIO = Scenario(
    key="6",
    name="memory",
    title="Memory",
    run=run,
    params=[
        Param("wishes", 100_000, 1_000, "open wishes with cards in the groups"),
        Param("groups", 100, 2, "branch groups"),
        Param("members", 10_000, 100, "members"),
        Param("taps", 3_000, 50, "Claim taps while the bot runs"),
        Param("rate", 200, 50, "taps per second"),
        Param("outbox_seconds", 5.0, 1.0, "seconds the outbox keeps sending after the taps"),
    ],
    repeatable=False,
)

"""3. Group edits under the group limit: many claims in one group within a few seconds.

``claims`` members tap Claim on ``cards`` cards in one group, spread evenly over ``spread``
seconds. The cards are joint wishes needing ``claims / cards`` members each, so every tap is a
successful claim that changes a card (a single-holder card changes once, however many tap).
Every change queues a card edit; the group allows 20 messages a minute, so the sender must merge
the pending edits of each card into its newest state.

Targets: every tapper answered within 1 s, the group never over its limit, zero 429s, every
card finally showing its real state (compared with the card rendered from the database).
"""

from __future__ import annotations

import asyncio
import bisect
import time
from typing import Any

from bench.core import Figure, Param, RunContext, Scenario
from bench.harness import Session
from bench.seed import WorldSpec, card_of, member_id
from bot.callbacks import WishButton, WishCallback
from bot.messaging.writer import to_markup
from bot.wishes import cards

JSON = dict[str, Any]


async def run(ctx: RunContext) -> list[Figure]:
    claims, card_count = int(ctx.get("claims")), int(ctx.get("cards"))
    needed = max(1, claims // card_count)
    spec = WorldSpec(groups=1, members=claims, open_wishes=card_count, needed_members=needed)
    spread = float(ctx.get("spread"))
    async with Session(spec, latency=ctx.latency, log=ctx.log) as session:
        bot, server = session.bot, session.server
        group = card_of(spec, 0)[0]
        updates = []
        for i in range(claims):
            k = i % card_count
            chat_id, message_id = card_of(spec, k)
            data = WishCallback(action=WishButton.CLAIM, wish_id=session.wish_ids[k]).pack()
            updates.append(bot.tap(member_id(i), chat_id, message_id, data))
        started = time.monotonic()
        for i, update in enumerate(updates):
            delay = started + spread * i / max(1, claims - 1) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            bot.feed([update])
        await bot.wait_processed(claims, within=30)
        expected = await _expected_cards(session)
        right, settled = 0, None
        deadline = time.monotonic() + float(ctx.get("settle_seconds"))
        while time.monotonic() < deadline:
            right = _cards_right(await server.messages(group), expected)
            if right == len(expected):
                settled = time.monotonic() - started
                break
            await asyncio.sleep(0.25)
        await bot.drain_outbox(within=5)
        report = await server.report()
        answers = {q: a for q, a in report["answers"].items() if q in bot.query_update}
        latencies = bot.tap_latencies(answers)
        holders = sum(len(w.holders) for w in [await bot.services.wishes.get(i) for i in session.wish_ids])
        in_group = sorted(report["delivered"].get(str(group), []))
        edits = report["calls"].get("editMessageText", 0)
        ctx.log(
            f"    {claims} claims on {card_count} cards: holders {holders}, edits {edits}, cards right"
            f" {right}/{len(expected)} after {settled}, 429s {len(report['rate_limited'])},"
            f" errors {bot.log.errors} {bot.log.samples[:2]}"
        )
    name = f"3. Group edits, {claims} claims on {card_count} cards in one group"
    return [
        Figure(name, "tappers answered", len(answers), op="==", limit=claims, aggregate="worst"),
        Figure(
            name,
            "slowest tap to answer",
            max(latencies.values(), default=float("nan")) * 1000,
            unit="ms",
            op="<",
            limit=1000,
            aggregate="worst",
        ),
        Figure(name, "claims that took (holders added)", holders, op="==", limit=claims, aggregate="worst"),
        Figure(name, "card edits sent to the group", len(in_group)),
        Figure(
            name,
            "most messages to the group in any 60 s",
            _busiest_minute(in_group),
            op="<=",
            limit=20,
            aggregate="worst",
        ),
        Figure(
            name,
            "429 answers from the server",
            len(report["rate_limited"]),
            op="==",
            limit=0,
            aggregate="worst",
        ),
        Figure(
            name, "cards showing their final state", right, op="==", limit=len(expected), aggregate="worst"
        ),
        Figure(
            name,
            "first tap to every card right",
            settled if settled is not None else float("nan"),
            unit="s",
            decimals=1,
        ),
        Figure(name, "errors logged", bot.log.errors, op="==", limit=0, aggregate="worst"),
    ]


async def _expected_cards(session: Session) -> dict[int, tuple[str, JSON | None]]:
    """message id -> (text, markup) the card must finally show, rendered from the database."""
    services = session.bot.services
    expected = {}
    for k, wish_id in enumerate(session.wish_ids):
        wish = await services.wishes.get(wish_id)
        names = [await services.directory.name_of(uid) for uid in wish.holders]
        rendered = cards.group_card(wish, "zh", "、".join(names) or None)
        markup = to_markup(rendered)
        expected[card_of(session.spec, k)[1]] = (rendered.text, markup.to_dict() if markup else None)
    return expected


def _cards_right(messages: list[JSON], expected: dict[int, tuple[str, JSON | None]]) -> int:
    shown = {m["message_id"]: (m["text"], m["markup"]) for m in messages}
    return sum(1 for message_id, want in expected.items() if shown.get(message_id) == want)


def _busiest_minute(stamps: list[float]) -> int:
    return max((bisect.bisect_right(stamps, t + 60.0) - i for i, t in enumerate(stamps)), default=0)


SCENARIO = Scenario(
    key="3",
    name="group-edits",
    title="Group edits under the group limit",
    run=run,
    params=[
        Param("claims", 30, 6, "claims in the one group"),
        Param("cards", 10, 2, "cards they are spread over (joint wishes needing claims/cards members)"),
        Param("spread", 3.0, 1.0, "seconds over which the taps arrive"),
        Param("settle_seconds", 90.0, 20.0, "how long to wait for the cards to show their final state"),
    ],
)

"""Property: random actors doing random things at once never break the lifecycle's invariants."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.errors import DomainError
from bot.models import WishStatus
from bot.people.policies import Actor
from bot.services import Services
from bot.settings import Settings
from bot.wishes.lifecycle import GRAPH
from tests.factories import COORDINATOR, draft, seed_community

OPS = ("verify", "reject", "post", "claim", "release", "deliver", "confirm", "dispute", "cancel")
N_WISHES = 3
ACTORS = 5  # 0 = coordinator, 1..3 = members, 4 = stranger

step = st.tuples(st.sampled_from(OPS), st.integers(0, ACTORS - 1), st.integers(0, N_WISHES - 1))
batches = st.lists(st.lists(step, min_size=1, max_size=8), min_size=1, max_size=8)


async def _run(plan: list[list[tuple[str, int, int]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Settings(
            _env_file=None, bot_token="1:x", db=str(Path(tmp) / "p.db"), admins=frozenset({COORDINATOR})
        )  # type: ignore[call-arg]
        services = Services.build(cfg, FakeClock(datetime(2026, 11, 20, tzinfo=UTC)))
        await services.db.open()
        await seed_community(services)
        try:
            await _exercise(services, plan)
            await _check(services)
        finally:
            await services.db.close()


async def _exercise(services: Services, plan: list[list[tuple[str, int, int]]]) -> None:
    now = services.clock.now()
    await services.groups.bind(-1, 1, "g", "zh", COORDINATOR, now)
    actors: list[Actor] = [await services.directory.actor(COORDINATOR, "zh")]
    for uid in (1, 2, 3):
        await services.members.register(uid, f"m{uid}", "zh", now)
        actors.append(await services.directory.actor(uid, "zh"))
    actors.append(await services.directory.actor(99, "zh"))
    ids = [(await services.wishes.create(actors[0], draft(f"w{i}"), 1)).id for i in range(N_WISHES)]
    w = services.wishes

    def call(op: str, actor: Actor, wish_id: int):  # type: ignore[no-untyped-def]
        if op in ("reject", "cancel", "dispute"):
            return getattr(w, op)(actor, wish_id, "reason")
        return getattr(w, op)(actor, wish_id)

    for batch in plan:
        results = await asyncio.gather(
            *(call(op, actors[a], ids[i]) for op, a, i in batch), return_exceptions=True
        )
        for result in results:
            # Refusals are fine; anything else (IntegrityError, AssertionError, ...) is a bug.
            if isinstance(result, BaseException) and not isinstance(result, DomainError):
                raise result


async def _check(services: Services) -> None:
    for wish_id in await services.wish_repo.all_ids():
        wish = await services.wishes.get(wish_id)
        held = wish.status in (WishStatus.CLAIMED, WishStatus.DELIVERED, WishStatus.FULFILLED)
        assert held == (wish.holder_id is not None)
        state: WishStatus | None = None
        holder: int | None = None
        for event in await services.events.for_wish(wish_id):
            if event.to_status is None:
                continue  # audit entries (refusals) are not transitions
            assert event.from_status == state, (wish_id, event)
            assert (event.from_status, event.to_status) in GRAPH
            if event.action == "claim":
                holder = event.actor_id
            elif event.to_status in (WishStatus.OPEN, WishStatus.CANCELLED):
                holder = None
            state = event.to_status
        assert state == wish.status
        assert holder == (wish.holder_id if held else None)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=batches)
def test_random_concurrent_operations_keep_invariants(plan: list[list[tuple[str, int, int]]]) -> None:
    asyncio.run(_run(plan))

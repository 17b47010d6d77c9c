"""The wish lifecycle without Telegram: edges, guards, events and the outbox rows they cause."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import AlreadyTaken, IllegalTransition, NotAllowed, NotFound
from bot.models import OutboxKind, WishStatus
from bot.services import Services
from bot.wishes.lifecycle import GRAPH
from tests.factories import coordinator, draft, member

GROUP = -100500


async def open_wish(services: Services) -> int:
    boss = await coordinator(services)
    await services.groups.bind(GROUP, 1, "幸福社区一支部", "zh", boss.user_id, services.clock.now())
    wish = await services.wishes.create(boss, draft(), 1)
    await services.wishes.verify(boss, wish.id)
    await services.wishes.post(boss, wish.id)
    return wish.id


async def test_full_loop_records_every_step(services: Services) -> None:
    boss = await coordinator(services)
    alice = await member(services, 1)
    wish_id = await open_wish(services)
    await services.wishes.claim(alice, wish_id)
    await services.wishes.deliver(alice, wish_id, note="已送到", photo_file_id=None)
    done = await services.wishes.confirm(boss, wish_id)
    assert done.status is WishStatus.FULFILLED
    assert done.holder_id == alice.user_id
    events = await services.events.for_wish(wish_id)
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("create", None, WishStatus.PENDING),
        ("verify", WishStatus.PENDING, WishStatus.VERIFIED),
        ("post", WishStatus.VERIFIED, WishStatus.OPEN),
        ("claim", WishStatus.OPEN, WishStatus.CLAIMED),
        ("deliver", WishStatus.CLAIMED, WishStatus.DELIVERED),
        ("confirm", WishStatus.DELIVERED, WishStatus.FULFILLED),
    ]
    assert all(e.actor_id is not None for e in events)


async def test_claim_enqueues_card_refresh_and_private_details(services: Services) -> None:
    alice = await member(services, 1)
    wish_id = await open_wish(services)
    before = await services.outbox.due(services.clock.now())
    await services.wishes.claim(alice, wish_id)
    rows = [r for r in await services.outbox.due(services.clock.now()) if r.id > max(b.id for b in before)]
    assert {(r.kind, r.chat_id) for r in rows} == {
        (OutboxKind.CARD, GROUP),
        (OutboxKind.DETAILS, alice.user_id),
    }
    # The details are rendered when they go out (tests/adversarial/test_details_delivery.py):
    # the queued row keeps no copy of the beneficiary's phone or address.
    private = next(r for r in rows if r.kind is OutboxKind.DETAILS)
    assert private.tracks_details and private.wish_id == wish_id and private.payload is None


async def test_illegal_transitions_change_nothing(services: Services) -> None:
    boss = await coordinator(services)
    alice = await member(services, 1)
    wish = await services.wishes.create(boss, draft(), 1)
    with pytest.raises(IllegalTransition):
        await services.wishes.claim(alice, wish.id)
    with pytest.raises(IllegalTransition):
        await services.wishes.confirm(boss, wish.id)
    assert (await services.wishes.get(wish.id)).status is WishStatus.PENDING
    assert len(await services.events.for_wish(wish.id)) == 1


async def test_policy_refusals_are_audited(services: Services) -> None:
    boss = await coordinator(services)
    alice = await member(services, 1)
    bob = await member(services, 2)
    wish = await services.wishes.create(boss, draft(), 1)
    with pytest.raises(NotAllowed):
        await services.wishes.verify(alice, wish.id)
    wish_id = await open_wish(services)
    await services.wishes.claim(alice, wish_id)
    with pytest.raises(NotAllowed):
        await services.wishes.deliver(bob, wish_id)
    with pytest.raises(NotAllowed):
        await services.wishes.release(bob, wish_id)
    refused = [e.action for e in await services.events.by_action("refused.verify")]
    refused += [e.action for e in await services.events.by_action("refused.deliver")]
    refused += [e.action for e in await services.events.by_action("refused.release")]
    assert refused == ["refused.verify", "refused.deliver", "refused.release"]


async def test_unregistered_user_cannot_claim(services: Services) -> None:
    wish_id = await open_wish(services)
    stranger = await services.directory.actor(777, "zh")
    with pytest.raises(NotAllowed) as caught:
        await services.wishes.claim(stranger, wish_id)
    assert caught.value.key == "err.register_first"


async def test_twenty_concurrent_claims_have_one_winner(services: Services) -> None:
    wish_id = await open_wish(services)
    members = [await member(services, 100 + i) for i in range(20)]
    results = await asyncio.gather(
        *(services.wishes.claim(m, wish_id) for m in members), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1
    assert len(losers) == 19 and all(isinstance(e, AlreadyTaken) for e in losers)
    wish = await services.wishes.get(wish_id)
    assert wish.holder_id == winners[0].holder_id


async def test_a_claim_on_a_taken_wish_is_refused_without_the_write_lock(services: Services) -> None:
    """Late taps of a storm must not queue for the write lock only to read and roll back."""
    wish_id = await open_wish(services)
    first, late = await member(services, 100), await member(services, 101)
    await services.wishes.claim(first, wish_id)
    transaction = services.db.transaction
    taken: list[object] = []

    def counting() -> object:
        taken.append(None)
        return transaction()

    services.db.transaction = counting  # type: ignore[method-assign]
    with pytest.raises(AlreadyTaken):
        await services.wishes.claim(late, wish_id)
    assert taken == []
    assert (await services.wishes.get(wish_id)).holder_id == first.user_id


async def test_release_and_dispute_edges(services: Services) -> None:
    boss = await coordinator(services)
    alice = await member(services, 1)
    wish_id = await open_wish(services)
    await services.wishes.claim(alice, wish_id)
    released = await services.wishes.release(alice, wish_id)
    assert released.status is WishStatus.OPEN and released.holder_id is None
    await services.wishes.claim(alice, wish_id)
    await services.wishes.deliver(alice, wish_id)
    disputed = await services.wishes.dispute(boss, wish_id, "照片看不清")
    assert disputed.status is WishStatus.CLAIMED and disputed.holder_id == alice.user_id
    assert disputed.delivered_at is None


async def test_reject_and_cancel_need_a_reason(services: Services) -> None:
    boss = await coordinator(services)
    wish = await services.wishes.create(boss, draft(), 1)
    with pytest.raises(Exception) as caught:
        await services.wishes.reject(boss, wish.id, "   ")
    assert getattr(caught.value, "key", "") == "val.empty"
    rejected = await services.wishes.reject(boss, wish.id, "重复登记")
    assert rejected.status is WishStatus.REJECTED and rejected.reason == "重复登记"
    with pytest.raises(IllegalTransition):
        await services.wishes.cancel(boss, wish.id, "x")


async def test_unknown_wish(services: Services) -> None:
    boss = await coordinator(services)
    with pytest.raises(NotFound):
        await services.wishes.verify(boss, 4242)


def test_graph_is_exactly_the_documented_one() -> None:
    s = WishStatus
    assert {
        (None, s.PENDING),
        (s.PENDING, s.VERIFIED),
        (s.PENDING, s.REJECTED),
        (s.PENDING, s.CANCELLED),
        (s.VERIFIED, s.OPEN),
        (s.VERIFIED, s.CANCELLED),
        (s.OPEN, s.CLAIMED),
        (s.OPEN, s.CANCELLED),
        (s.CLAIMED, s.OPEN),
        (s.CLAIMED, s.DELIVERED),
        (s.DELIVERED, s.FULFILLED),
        (s.DELIVERED, s.CLAIMED),
        (s.DELIVERED, s.OPEN),  # reopened: the member who reported it was removed
    } == GRAPH


async def test_events_are_append_only(services: Services) -> None:
    boss = await coordinator(services)
    await services.wishes.create(boss, draft(), 1)
    with pytest.raises(Exception, match="append-only"):
        async with services.db.transaction() as conn:
            await conn.execute("UPDATE events SET action = 'x'")
    with pytest.raises(Exception, match="append-only"):
        async with services.db.transaction() as conn:
            await conn.execute("DELETE FROM events")

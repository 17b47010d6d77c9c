"""The update path's plumbing (bench/, scenario 2): small reads in the event loop's thread, units
serialised by their writer process instead of a lock, the outbox read from its lowest pending
row up, and a tap's answer on connections of its own."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from typing import Any

import pytest
from telegram.request import BaseRequest, RequestData

from bot.callbacks import WishButton, WishCallback
from bot.messaging.ratelimit import SendLimits
from bot.messaging.transport import LimitedRequest
from bot.models import NewOutbox, OutboxKind, OutboxStatus, Rendered
from bot.services import Services
from storage.db import fetch_one
from storage.outbox import OutboxRepo
from storage.unit_sql import Unit
from tests.test_lifecycle import open_wish
from tests.test_write_units import BAD, EVENT, blocked_writer

# --- reads in the loop's thread --------------------------------------------------------------


async def test_quick_reads_see_each_commit_at_once_and_never_write(services: Services) -> None:
    wish_id = await open_wish(services)
    await services.db.write("UPDATE wishes SET description = 'changed' WHERE id = ?", (wish_id,))
    row = await fetch_one(services.db.quick, "SELECT description FROM wishes WHERE id = ?", (wish_id,))
    assert row is not None and row[0] == "changed"
    with pytest.raises(sqlite3.OperationalError):  # query_only
        await services.db.quick.execute_fetchall("UPDATE wishes SET description = 'x'")


async def test_quick_reads_do_not_see_an_open_transaction(services: Services) -> None:
    wish_id = await open_wish(services)
    async with services.db.transaction() as conn:
        await conn.execute("UPDATE wishes SET description = 'uncommitted' WHERE id = ?", (wish_id,))
        row = await fetch_one(services.db.quick, "SELECT description FROM wishes WHERE id = ?", (wish_id,))
        assert row is not None and row[0] != "uncommitted"


async def test_the_quick_reader_belongs_to_the_loops_thread(services: Services) -> None:
    def elsewhere() -> None:
        asyncio.run(services.db.quick.execute_fetchall("SELECT 1"))

    with pytest.raises(sqlite3.ProgrammingError):
        await asyncio.to_thread(elsewhere)


# --- units and transactions -------------------------------------------------------------------


async def _actions(services: Services, prefix: str) -> list[str]:
    async with services.db.reader.execute(
        "SELECT action FROM events WHERE action LIKE ? ORDER BY id", (f"{prefix}%",)
    ) as cur:
        return [str(r[0]) for r in await cur.fetchall()]


def _event(action: str) -> Unit:
    return Unit.of([(EVENT, (None, 1, 1, action, "2026-01-01"))])


async def test_units_run_one_after_another_in_the_order_they_came(services: Services) -> None:
    first, release = await blocked_writer(services)
    rest = [asyncio.create_task(services.db.run_unit(_event(f"order.{n}"))) for n in range(1, 6)]
    await asyncio.sleep(0.02)
    assert not any(t.done() for t in rest)
    release()
    await asyncio.gather(first, *rest)
    assert await _actions(services, "order.") == [f"order.{n}" for n in range(1, 6)]


async def test_a_transaction_waits_for_units_handed_over_and_holds_new_ones_back(services: Services) -> None:
    order: list[str] = []
    first, release = await blocked_writer(services)
    before = asyncio.create_task(services.db.run_unit(_event("seq.unit before")))
    await asyncio.sleep(0.02)

    async def session() -> None:
        async with services.db.transaction() as conn:
            order.append("transaction begins")
            await conn.execute(EVENT, (None, 1, 1, "seq.transaction", "2026-01-01"))
            await asyncio.sleep(0.05)  # a unit that comes now must not run inside it
            order.append("transaction ends")

    writer = asyncio.create_task(session())
    await asyncio.sleep(0.02)
    after = asyncio.create_task(services.db.run_unit(_event("seq.unit after")))
    await asyncio.sleep(0.02)
    assert order == []
    release()
    await asyncio.gather(first, before, writer, after)
    assert order == ["transaction begins", "transaction ends"]
    assert await _actions(services, "seq.") == ["seq.unit before", "seq.transaction", "seq.unit after"]


async def test_a_failed_unit_neither_writes_nor_blocks_the_next(services: Services) -> None:
    wish_id = await open_wish(services)
    failing = Unit.of([("UPDATE wishes SET description = 'half' WHERE id = ?", (wish_id,)), BAD])
    with pytest.raises(sqlite3.OperationalError):
        await services.db.run_unit(failing)
    assert await services.db.write("UPDATE wishes SET description = 'whole' WHERE id = ?", (wish_id,)) == 1
    async with services.db.transaction() as conn:  # and a transaction still gets its turn
        await conn.execute("SELECT 1")
    assert (await services.wishes.get(wish_id)).description == "whole"


# --- the outbox from its lowest pending row up ------------------------------------------------


async def _queue(services: Services, chats: list[int]) -> list[int]:
    now = services.clock.now()
    items = [NewOutbox(kind=OutboxKind.MESSAGE, chat_id=c, payload=Rendered(text=f"m{c}")) for c in chats]
    async with services.db.transaction() as conn:
        await services.outbox.enqueue(conn, items, now)
    rows = await services.db.reader.execute_fetchall(
        "SELECT id FROM outbox ORDER BY id DESC LIMIT ?", (len(chats),)
    )
    return sorted(int(r[0]) for r in rows)


async def test_the_floor_is_the_lowest_pending_row_and_only_rises(services: Services) -> None:
    outbox: OutboxRepo = services.outbox
    floor = await outbox.pending_floor()
    ids = await _queue(services, [11, 12, 13, 14])
    assert await outbox.pending_floor(floor) == ids[0]
    assert await outbox.pending_floor(0) == ids[0]  # found through the index when not known
    now = services.clock.now()
    for row_id in ids[:2]:
        item = (await outbox.get_many([row_id]))[0]
        await outbox.finish(item, OutboxStatus.SENT, now)
    # Deferred, not closed: still pending, so the floor stays below it.
    third = (await outbox.get_many([ids[2]]))[0]
    await outbox.defer(third, now + timedelta(minutes=5), "later")
    floor = await outbox.pending_floor(ids[0])
    assert floor == ids[2]
    heads = await outbox.queued(now, floor=floor)
    assert [r.id for r in heads] == [ids[3]]  # the deferred row is not due
    assert [r.id for r in await outbox.queued(now + timedelta(minutes=6), floor=floor)] == ids[2:]
    for row_id in ids[2:]:
        await outbox.finish((await outbox.get_many([row_id]))[0], OutboxStatus.SENT, now)
    # Nothing pending: the floor is the next id, and rows queued later lie above it.
    empty = await outbox.pending_floor(floor)
    assert empty == ids[-1] + 1
    assert await outbox.queued(now, floor=empty) == []
    more = await _queue(services, [15])
    assert [r.id for r in await outbox.queued(now, floor=await outbox.pending_floor(empty))] == more


async def test_the_head_from_the_floor_is_the_head_of_the_whole_queue(services: Services) -> None:
    outbox: OutboxRepo = services.outbox
    ids = await _queue(services, [21, 22, 21, 23, 22, 24])
    now = services.clock.now()
    await outbox.finish((await outbox.get_many([ids[1]]))[0], OutboxStatus.SENT, now)
    everything = await outbox.queued(now)
    from_floor = await outbox.queued(now, floor=await outbox.pending_floor())
    assert from_floor == everything and [r.id for r in everything] == [i for i in ids if i != ids[1]]
    assert [r.id for r in await outbox.queued(now, limit=2, floor=ids[0])] == [ids[0], ids[2]]


# --- the tap's answer -------------------------------------------------------------------------


class _Held(BaseRequest):
    """Requests that wait until let go; notes which methods got through."""

    def __init__(self) -> None:
        self.go = asyncio.Event()
        self.through: list[str] = []

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        if name != "answerCallbackQuery":
            await self.go.wait()
        self.through.append(name)
        return 200, b'{"ok": true, "result": true}'


async def test_answers_do_not_wait_behind_other_requests() -> None:
    inner = _Held()
    request = LimitedRequest(inner, SendLimits(), max_in_flight=2, answers_in_flight=4)
    api = "https://api.test/bot1:x"
    stuck = [asyncio.create_task(request.post(f"{api}/getChatMember")) for _ in range(4)]
    await asyncio.sleep(0.01)
    async with asyncio.timeout(1):
        await asyncio.gather(*(request.post(f"{api}/answerCallbackQuery") for _ in range(8)))
    assert inner.through.count("answerCallbackQuery") == 8
    inner.go.set()
    await asyncio.gather(*stuck)


async def test_answers_go_through_a_pool_of_their_own() -> None:
    paced, answering = _Held(), _Held()
    paced.go.set()
    request = LimitedRequest(paced, SendLimits(), max_in_flight=2, answers=answering)
    await request.initialize()
    api = "https://api.test/bot1:x"
    await request.post(f"{api}/answerCallbackQuery")
    await request.post(f"{api}/getChatMember")
    assert answering.through == ["answerCallbackQuery"] and paced.through == ["getChatMember"]
    await request.shutdown()


# --- callback data ----------------------------------------------------------------------------


def test_unpacking_remembers_without_changing_what_it_says() -> None:
    data = WishCallback(action=WishButton.CLAIM, wish_id=42).pack()
    first, again = WishCallback.unpack(data), WishCallback.unpack(data)
    assert first == WishCallback(action=WishButton.CLAIM, wish_id=42) and again is first
    assert WishCallback.unpack("w1:cl:0") is None and WishCallback.unpack("w1:cl:0") is None
    assert WishCallback.unpack(None) is None and WishCallback.unpack("x" * 80) is None

"""Claims written in one trip to the database (Database.run_unit): the same rows as the general
path, nothing written when the wish changed after it was read, and the general path deciding
then; units roll back on errors and keep the write lock until they end; they run in a writer
process of their own, which the database starts, restarts and stops."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import uvloop

from bot.codes import format_code
from bot.errors import AlreadyTaken, DomainError
from bot.models import Action, OutboxKind, WishStatus
from bot.services import Services
from bot.wishes.effects import EFFECTS, EffectsContext, Outcome, card_refreshes
from storage.db import Database
from storage.unit_sql import Later, Unit, run_batch
from storage.units import WriterStopped
from tests.factories import coordinator, draft, member
from tests.test_lifecycle import open_wish


async def _rows(services: Services, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    async with services.db.reader.execute(sql, params) as cur:
        return [tuple(r) for r in await cur.fetchall()]


async def test_a_claim_takes_one_trip_and_writes_what_the_general_path_writes(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await member(services, 1)
    wish_id = await open_wish(services)
    trips: list[str] = []
    real = services.db.run_unit

    async def counted(unit: Any) -> Any:
        trips.append("unit")
        return await real(unit)

    monkeypatch.setattr(services.db, "run_unit", counted)
    general = services.db.transaction
    monkeypatch.setattr(services.db, "transaction", lambda: pytest.fail("the general path was taken"))
    wish = await services.wishes.claim(alice, wish_id)
    monkeypatch.setattr(services.db, "transaction", general)

    assert trips == ["unit"]
    stored = await services.wishes.get(wish_id)
    assert wish == stored  # what the caller got is what the database holds
    assert stored.status is WishStatus.CLAIMED and stored.holders == (alice.user_id,)
    events = await services.events.for_wish(wish_id)
    assert (events[-1].action, events[-1].from_status, events[-1].to_status, events[-1].actor_id) == (
        "claim",
        WishStatus.OPEN,
        WishStatus.CLAIMED,
        alice.user_id,
    )
    queued = await _rows(
        services,
        "SELECT kind, chat_id, tracks_details FROM outbox WHERE wish_id = ? AND status = 'pending'"
        " ORDER BY id",
        wish_id,
    )
    assert (OutboxKind.CARD.value, -100500, 0) in queued  # the group card is refreshed
    assert (OutboxKind.DETAILS.value, alice.user_id, 1) in queued  # the details, tracked (rendered when sent)


async def test_nothing_is_written_when_the_wish_changed_after_it_was_read(services: Services) -> None:
    alice = await member(services, 1)
    boss = await coordinator(services)
    wish_id = await open_wish(services)
    seen = await services.wishes.get(wish_id)
    # Someone else changes the wish (here: the coordinator makes it a joint wish) after it was read.
    await services.wishes.set_needed_members(boss, wish_id, 2)
    community = await services.wishes.community(1)
    claim = services.wishes.claims.claiming(alice, community.member_cap)
    written = await services.wishes.transitions.apply_in_one_trip(alice, seen, claim, [], EffectsContext())
    after = await services.wishes.get(wish_id)
    assert written is None and after.status is WishStatus.OPEN and after.holders == ()
    assert [e.action for e in await services.events.for_wish(wish_id)][-1] == "joint"


async def test_a_stale_read_falls_back_to_the_general_path_which_decides(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = await member(services, 1), await member(services, 2)
    wish_id = await open_wish(services)
    stale = await services.wishes.get(wish_id)
    await services.wishes.claim(bob, wish_id)
    # Alice's tap read the wish before Bob's claim landed.
    real_get = services.wishes.transitions.get
    calls = 0

    async def first_stale(wanted: int) -> Any:
        nonlocal calls
        calls += 1
        return stale if calls == 1 else await real_get(wanted)

    monkeypatch.setattr(services.wishes.transitions, "get", first_stale)
    with pytest.raises(AlreadyTaken):
        await services.wishes.claim(alice, wish_id)
    stored = await real_get(wish_id)
    assert stored.holders == (bob.user_id,)
    assert [e.action for e in await services.events.for_wish(wish_id)].count("claim") == 1


async def test_the_cap_is_checked_inside_the_unit(services: Services) -> None:
    alice = await member(services, 1)
    community = await services.communities.get(1)
    assert community is not None
    ids = [await open_wish(services) for _ in range(community.member_cap + 1)]
    for wish_id in ids[:-1]:
        await services.wishes.claim(alice, wish_id)
    with pytest.raises(DomainError) as refused:
        await services.wishes.claim(alice, ids[-1])
    assert refused.value.key == "err.cap"
    assert (await services.wishes.get(ids[-1])).status is WishStatus.OPEN


BAD = ("INSERT INTO no_such_table VALUES (1)", ())  # fails inside the unit, after its first write


async def test_a_unit_that_fails_rolls_back(services: Services) -> None:
    wish_id = await open_wish(services)
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        await services.db.run_unit(Unit.of([("UPDATE wishes SET description = 'changed'", ()), BAD]))
    assert (await services.wishes.get(wish_id)).description != "changed"


async def test_a_cancelled_caller_keeps_the_lock_until_its_unit_ends(services: Services) -> None:
    wish_id = await open_wish(services)
    first, release = await blocked_writer(services)
    task = asyncio.create_task(
        services.db.write("UPDATE wishes SET description = 'unit done' WHERE id = ?", (wish_id,))
    )
    await asyncio.sleep(0.02)
    task.cancel()
    seen: list[str] = []

    async def next_writer() -> None:
        async with services.db.transaction() as conn:
            async with conn.execute("SELECT description FROM wishes WHERE id = ?", (wish_id,)) as cur:
                row = await cur.fetchone()
            seen.append(str(row[0]) if row else "")

    follower = asyncio.create_task(next_writer())
    await asyncio.sleep(0.05)
    assert seen == []  # the follower waits for the unit, cancelled or not
    release()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.gather(first, follower)
    assert seen == ["unit done"]


async def test_a_cap_refusal_is_told_from_reads_without_a_transaction(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a storm most claims that miss are members at their cap: they must not take the
    write lock (and hold every other claim back) only to roll back."""
    alice = await member(services, 1)
    community = await services.communities.get(1)
    assert community is not None
    ids = [await open_wish(services) for _ in range(community.member_cap + 1)]
    for wish_id in ids[:-1]:
        await services.wishes.claim(alice, wish_id)
    monkeypatch.setattr(services.db, "transaction", lambda: pytest.fail("the general path was taken"))
    with pytest.raises(DomainError) as refused:
        await services.wishes.claim(alice, ids[-1])
    assert refused.value.key == "err.cap"
    assert refused.value.params["codes"] == ", ".join(format_code(i) for i in ids[:-1])
    assert (await services.wishes.get(ids[-1])).status is WishStatus.OPEN


async def test_a_wish_changed_since_the_read_is_decided_by_the_general_path_not_the_reads(
    services: Services,
) -> None:
    alice = await member(services, 1)
    boss = await coordinator(services)
    wish_id = await open_wish(services)
    seen = await services.wishes.get(wish_id)
    await services.wishes.set_needed_members(boss, wish_id, 2)
    community = await services.wishes.community(1)
    claim = services.wishes.claims.claiming(alice, community.member_cap)
    current = await services.wishes.get(wish_id)
    assert await services.wishes.transitions.refusal_as_read(seen, current, claim) is None


async def blocked_writer(services: Services) -> tuple[asyncio.Task[int], Callable[[], None]]:
    """A unit in the writer process that waits for SQLite's write lock, held by another
    connection until `release()`: the units after it queue."""
    holder = sqlite3.connect(services.db.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    first = asyncio.create_task(services.db.write("UPDATE wishes SET description = description WHERE id = 0"))
    await asyncio.sleep(0.1)

    def release() -> None:
        holder.execute("COMMIT")
        holder.close()

    return first, release


async def test_units_queued_behind_a_batch_commit_together_and_each_gets_its_own_result(
    services: Services,
) -> None:
    wish_ids = [await open_wish(services) for _ in range(3)]
    first, release = await blocked_writer(services)
    batches = services.db.writer_stats.batches
    rename = "UPDATE wishes SET description = 'batched' WHERE id = ?"
    queued = [asyncio.create_task(services.db.write(rename, (i,))) for i in [*wish_ids, 10**9]]
    await asyncio.sleep(0.05)
    release()
    await first
    assert [await t for t in queued] == [1, 1, 1, 0]
    assert services.db.writer_stats.batches == batches + 2  # the blocked one, then one for the four
    for wish_id in wish_ids:
        assert (await services.wishes.get(wish_id)).description == "batched"


async def test_a_unit_failing_in_a_batch_fails_alone(services: Services) -> None:
    wish_ids = [await open_wish(services) for _ in range(2)]
    first, release = await blocked_writer(services)
    good = [Unit.of([("UPDATE wishes SET description = 'kept' WHERE id = ?", (i,))]) for i in wish_ids]
    bad = Unit.of([("UPDATE wishes SET description = 'half done'", ()), BAD])
    queued = [asyncio.create_task(services.db.run_unit(u)) for u in (good[0], bad, good[1])]
    await asyncio.sleep(0.05)
    release()
    await first
    results = await asyncio.gather(*queued, return_exceptions=True)
    assert results[0] == 1 and results[2] == 1 and isinstance(results[1], sqlite3.OperationalError)
    assert [(await services.wishes.get(i)).description for i in wish_ids] == ["kept", "kept"]


EVENT = "INSERT INTO events (wish_id, community_id, actor_id, action, at) VALUES (?, ?, ?, ?, ?)"


async def test_rows_left_for_later_are_written_with_the_unit_and_in_order_across_a_batch(
    services: Services,
) -> None:
    wish_id = await open_wish(services)
    first, release = await blocked_writer(services)

    def note(n: int) -> Unit:
        rows = tuple((wish_id, 1, 1, f"later.{n}.{k}", "2026-01-01") for k in range(300))
        return Unit.of([("SELECT 1", ())], later=[Later(EVENT, rows)])

    queued = [asyncio.create_task(services.db.run_unit(note(n))) for n in range(3)]
    await asyncio.sleep(0.05)
    release()
    await asyncio.gather(first, *queued)
    rows = await _rows(services, "SELECT action FROM events WHERE action LIKE 'later.%' ORDER BY id")
    assert [r[0] for r in rows] == [f"later.{n}.{k}" for n in range(3) for k in range(300)]


def test_a_batch_s_later_rows_go_in_a_few_statements(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    conn.execute("CREATE TABLE events (wish_id, community_id, actor_id, action, at)")
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    units = [
        Unit.of(
            [("SELECT 1", ())], later=[Later(EVENT, tuple((1, 1, 1, f"{n}.{k}", "x") for k in range(300)))]
        )
        for n in range(3)
    ]
    assert run_batch(conn, units) == [-1, -1, -1]  # what a SELECT "changed"
    # 900 rows in four statements (split to stay under SQLite's limit on parameters), one COMMIT.
    assert len([s for s in statements if s.startswith("INSERT INTO events")]) == 4
    assert statements.count("COMMIT") == 1
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone() == (900,)


async def test_rows_left_for_later_go_with_a_failed_unit(services: Services) -> None:
    wish_id = await open_wish(services)
    failing = Unit.of([BAD], later=[Later(EVENT, ((wish_id, 1, 1, "later.failed", "2026-01-01"),))])
    with pytest.raises(sqlite3.OperationalError):
        await services.db.run_unit(failing)
    await services.db.write("SELECT 1")  # a next unit writes nothing of it either
    assert await _rows(services, "SELECT id FROM events WHERE action = 'later.failed'") == []


def test_only_plain_inserts_can_be_left_for_later() -> None:
    with pytest.raises(ValueError, match="gathered"):
        Later("INSERT INTO events (action) VALUES (?) ON CONFLICT DO NOTHING", (("x",),))


def test_a_gated_unit_stops_when_its_first_statement_did_not_change_one_row(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
    conn.execute("INSERT INTO t VALUES (1, 'a')")
    follow = [("INSERT INTO t (v) VALUES ('followed')", ())]
    missed = Unit.of(
        [("UPDATE t SET v = 'b' WHERE id = 2", ()), *follow],
        later=[Later("INSERT INTO t (v) VALUES (?)", (("later",),))],
        gated=True,
    )
    hit = Unit.of([("UPDATE t SET v = 'b' WHERE id = 1", ()), *follow], gated=True)
    assert run_batch(conn, [missed, hit]) == [0, 1]
    assert conn.execute("SELECT v FROM t ORDER BY id").fetchall() == [("b",), ("followed",)]


# --- the writer process -----------------------------------------------------------------------


def _writer_pid(services: Services) -> int:
    pid = services.db.writer_pid
    assert pid is not None
    return pid


async def test_a_writer_process_that_dies_fails_its_batch_and_the_next_unit_starts_another(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    wish_id = await open_wish(services)
    first, release = await blocked_writer(services)
    pid = _writer_pid(services)
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(WriterStopped):
        await first
    release()
    assert "writer process ended" in caplog.text
    rename = "UPDATE wishes SET description = 'after' WHERE id = ?"
    assert await services.db.write(rename, (wish_id,)) == 1
    assert _writer_pid(services) != pid
    assert services.db.writer_stats.restarts == 1
    await services.refresh_metrics()  # and /metrics says so
    assert "wishwall_db_writer_restarts_total 1.0" in services.metrics.exposition().decode()
    assert (await services.wishes.get(wish_id)).description == "after"


def _open_fds() -> set[int]:
    return {int(name) for name in os.listdir("/proc/self/fd")}


def _loop_takes(freed: set[int]) -> None:
    """New pipes take the lowest free numbers, so the ones let go come back; the loop must
    accept each as new (uvloop refuses a number an unclosed transport still holds)."""
    loop = asyncio.get_running_loop()
    made: list[int] = []
    try:
        while not freed <= set(made):
            made.extend(os.pipe())
        for fd in freed:
            loop.add_reader(fd, lambda: None)
            loop.remove_reader(fd)
    finally:
        for fd in made:
            os.close(fd)


def _reaped_by(db: Database) -> None:
    while db.writer_pid is not None:  # the check reaps it
        time.sleep(0.01)


def _on_uvloop(test: Callable[[Database], Awaitable[None]], path: Path) -> None:
    """The bot's own loop (bot/event_loop.py): it is the one that caught a pipe left open."""

    async def run() -> None:
        db = Database(path)
        await db.open()
        try:
            await test(db)
        finally:
            await db.close()

    uvloop.run(run())


async def test_the_writer_process_ends_with_the_database(services: Services) -> None:
    await services.db.write("SELECT 1")
    pid = _writer_pid(services)
    await services.db.close()
    assert services.db.writer_pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone, and reaped


def test_the_writer_process_s_pipes_are_let_go_with_the_database(tmp_path: Path) -> None:
    async def closed(db: Database) -> None:
        await db.write("SELECT 1")
        before = _open_fds()
        await db.close()
        freed = before - _open_fds()
        assert len(freed) >= 2  # its stdin and stdout
        _loop_takes(freed)

    _on_uvloop(closed, tmp_path / "w.db")


def test_a_writer_process_that_died_between_batches_is_let_go_before_the_next(tmp_path: Path) -> None:
    async def died(db: Database) -> None:
        await db.write("SELECT 1")
        pid = db.writer_pid
        assert pid is not None
        before = _open_fds()
        os.kill(pid, signal.SIGKILL)
        await asyncio.to_thread(_reaped_by, db)
        await db.write("SELECT 1")
        assert db.writer_stats.restarts == 1
        # The old process's pipes are let go: no more descriptors than before. Not "as many":
        # a file an earlier test left in this process may close meanwhile (37 != 38 under
        # pytest-xdist). Not "the same numbers" either: the loop closes a transport's pipe on
        # its next turn, and the new process's pipes, made in a thread, may come first.
        await asyncio.sleep(0.05)
        assert len(_open_fds()) <= len(before)

    _on_uvloop(died, tmp_path / "w.db")


async def test_the_claim_s_messages_need_no_more_than_the_claimer_s_language(services: Services) -> None:
    """The one-trip claim renders its messages from a context with the claimer's language only
    (Claims.claim_context): whatever the claim tells, and to whom, must come out the same as
    from the standard context, which has the coordinators and everyone's languages."""
    await coordinator(services)
    await member(services, 1)
    await services.members.register(1, "Alice", "en", services.clock.now())
    alice = await services.directory.actor(1, "zh")  # Telegram says zh; she chose en
    wish_id = await open_wish(services)
    wish = await services.wishes.get(wish_id)
    posts = await services.wish_repo.posts(wish_id)
    lean = await services.wishes.claims.claim_context(alice, wish)
    full = await services.wishes.transitions.context(wish, alice)
    assert full.coordinators and lean.langs == {alice.user_id: "en"}
    after = wish.model_copy(
        update={"status": WishStatus.CLAIMED, "holder_id": alice.user_id, "holders": (alice.user_id,)}
    )
    cards = card_refreshes(wish, posts, 5.0)

    def told(ctx: EffectsContext) -> list[Any]:
        return EFFECTS[Action.CLAIM](Outcome(actor=alice, before=wish, after=after, cards=cards, ctx=ctx))

    assert told(lean) == told(full)
    assert any(item.chat_id == alice.user_id for item in told(lean))


async def test_the_writer_process_finds_a_relative_database_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    db = Database("data/rel.db")
    await db.open()
    try:
        assert (
            await db.write("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'x', 'y')")
            == 1
        )
        assert db.writer_pid is not None
    finally:
        await db.close()
    with sqlite3.connect(tmp_path / "data" / "rel.db") as conn:
        assert conn.execute("SELECT name FROM schema_version WHERE version = 999").fetchone() == ("x",)


async def test_closing_waits_for_units_queued_behind_the_batch_and_leaves_no_process(
    services: Services,
) -> None:
    first, release = await blocked_writer(services)
    queued = [asyncio.create_task(services.db.write("SELECT 1")) for _ in range(3)]
    await asyncio.sleep(0.02)
    closing = asyncio.create_task(services.db.close())
    await asyncio.sleep(0.05)
    release()
    await closing
    assert [await t for t in (first, *queued)] == [0, -1, -1, -1]  # all ran, none failed
    assert services.db.writer_pid is None


async def test_the_claim_s_one_read_finds_what_the_three_reads_find(services: Services) -> None:
    """Claims read the wish, its cards and its community's cap together (WishRepo.for_claim)."""
    boss = await coordinator(services)
    for chat, name in ((-100500, "一支部"), (-100900, "二支部")):
        await services.groups.bind(chat, 1, name, "zh", boss.user_id, services.clock.now())
    wish = await services.wishes.create(boss, draft(), 1)
    cap = (await services.wishes.community(1)).member_cap
    assert await services.wish_repo.for_claim(wish.id) == (wish, [], cap)  # not posted yet
    await services.wishes.verify(boss, wish.id)
    await services.wishes.post(boss, wish.id)
    await services.wish_repo.set_post_message(wish.id, -100500, 77)
    async with services.db.transaction() as conn:
        await services.communities.set_setting(conn, 1, "member_cap", 5)
    found = await services.wish_repo.for_claim(wish.id)
    assert found == (await services.wishes.get(wish.id), await services.wish_repo.posts(wish.id), 5)
    assert found is not None and [(p.chat_id, p.message_id) for p in found.posts] == [
        (-100900, None),
        (-100500, 77),
    ]
    assert await services.wish_repo.for_claim(wish.id + 1000) is None


def test_units_cross_to_the_writer_whole_and_are_checked_again_there() -> None:
    """Units are pickled to the writer process by their fields (Unit/Later.__reduce__), so the
    other side builds them with the same checks: a forged unit is refused there too."""
    import pickle

    unit = Unit.of(
        [("UPDATE wishes SET status = ? WHERE id = ?", ("claimed", 5))],
        later=[Later("INSERT INTO events (a, b) VALUES (?, ?)", ((1, "x"), (2, None)))],
        gated=True,
    )
    assert pickle.loads(pickle.dumps([unit], protocol=pickle.HIGHEST_PROTOCOL)) == [unit]
    forged = pickle.dumps(Later("INSERT INTO events (a) VALUES (?)", ((1,),))).replace(
        b"INSERT INTO events (a) VALUES (?)", b"DELETE FROM events WHERE a IN (?)"
    )
    with pytest.raises(ValueError, match="not an INSERT"):
        pickle.loads(forged)

"""Messages a killed sender had on the wire go again as soon as another sender starts, not when
their leases run out; a running sender's never do, in whatever process it runs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Bot

from bot.messaging.delivery import LEASE_SECONDS
from bot.models import NewOutbox, OutboxKind, Rendered
from bot.services import Services
from storage.lease_holders import LeaseHolder, holders_folder, stopped
from tests.conftest import run_until_drained
from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
_HOLD = (
    "import sys, time\n"
    "from storage.lease_holders import LeaseHolder\n"
    "holder = LeaseHolder.take(sys.argv[1])\n"
    "print(holder.name if holder else '', flush=True)\n"
    "time.sleep(120)\n"
)


class OtherProcess:
    """A sender's holder in a process of its own, which the test can kill -9."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HOLD, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.name = self.process.stdout.readline().strip()
        assert self.name

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def other(tmp_path: Path) -> Iterator[OtherProcess]:
    held = OtherProcess(tmp_path / "wishwall.db")
    yield held
    if held.process.poll() is None:
        held.kill()


def test_a_killed_process_is_seen_stopped_at_once_and_its_file_removed(
    tmp_path: Path, other: OtherProcess
) -> None:
    db = tmp_path / "wishwall.db"
    assert stopped(db, [other.name]) == set()
    other.kill()
    assert stopped(db, [other.name]) == {other.name}
    assert list(holders_folder(db).iterdir()) == []


def test_this_process_s_own_holder_runs_until_released(tmp_path: Path) -> None:
    db = tmp_path / "wishwall.db"
    holder = LeaseHolder.take(db)
    assert holder is not None
    assert stopped(db, [holder.name]) == set()  # its own lock, seen through another descriptor
    assert (holders_folder(db).stat().st_mode & 0o777) == 0o700
    holder.release()
    holder.release()  # twice is harmless
    assert stopped(db, [holder.name]) == {holder.name}
    assert list(holders_folder(db).iterdir()) == []


def test_names_from_the_database_are_never_paths(tmp_path: Path) -> None:
    db = tmp_path / "wishwall.db"
    outside = tmp_path / "keep.txt"
    outside.write_text("x")
    holder = LeaseHolder.take(db)
    assert holder is not None
    forged = ["../keep.txt", str(outside), "", "." * 300, holder.name + "/.."]
    assert stopped(db, forged) == set(forged)  # not running senders
    assert outside.read_text() == "x"  # nothing outside the folder touched
    assert stopped(db, [holder.name]) == set()  # and the running one untouched
    holder.release()


def test_half_made_files_are_left_while_young_and_removed_when_stale(tmp_path: Path) -> None:
    db = tmp_path / "wishwall.db"
    folder = holders_folder(db)
    folder.mkdir()
    young, stale = folder / "aaaa.new", folder / "bbbb.new"
    young.touch()
    stale.touch()
    old = time.time() - 3600
    os.utime(stale, (old, old))
    assert stopped(db, ["aaaa", "bbbb"]) == {"aaaa", "bbbb"}  # a half-made one holds no lease yet
    assert young.exists() and not stale.exists()


def test_no_holder_where_there_is_no_folder_for_one(tmp_path: Path) -> None:
    assert LeaseHolder.take(":memory:") is None
    db = tmp_path / "wishwall.db"
    holders_folder(db).write_text("a file where the folder would be")
    assert LeaseHolder.take(db) is None
    assert stopped(db, ["abc"]) == {"abc"}


def _texts(*users: int) -> list[NewOutbox]:
    return [
        NewOutbox(kind=OutboxKind.MESSAGE, chat_id=uid, payload=Rendered(text=f"to {uid}")) for uid in users
    ]


def _delivered(api: FakeTelegram) -> Counter[int]:
    return Counter(int(c.params["chat_id"]) for c in api.calls_to("sendMessage") if c.ok)


async def test_a_killed_sender_s_rows_go_again_at_once_a_running_one_s_wait(
    services: Services, api: FakeTelegram, tg: Bot, other: OtherProcess
) -> None:
    users = [1, 2, 3, 4]
    for uid in users:
        api.user(uid, f"U{uid}")
        api.open_private(uid)
    now = services.clock.now()
    async with services.db.transaction() as conn:
        await services.outbox.enqueue(conn, _texts(*users), now)
    rows = await services.outbox.due(now)
    until = now + timedelta(seconds=LEASE_SECONDS)
    # Rows 1 and 2 were on the wire in the other process; 3 in a sender without a name.
    assert await services.outbox.lease(rows[0], now, until, other.name)
    assert await services.outbox.lease(rows[1], now, until, other.name)
    assert await services.outbox.lease(rows[2], now, until)

    await run_until_drained(services.attach_sender(tg))
    assert _delivered(api) == Counter([4])  # the other process still runs: its rows are its own

    other.kill()
    await run_until_drained(services.attach_sender(tg))  # the clock has not moved: no lease ran out
    assert _delivered(api) == Counter([1, 2, 4])
    assert await services.outbox.pending_count() == 1  # the nameless lease runs out by time only

    services.clock.advance(timedelta(seconds=LEASE_SECONDS + 1))  # type: ignore[attr-defined]
    await run_until_drained(services.attach_sender(tg))
    assert _delivered(api) == Counter(users)


async def test_a_sender_names_its_leases_and_gives_its_name_back_when_stopped(
    services: Services, api: FakeTelegram, tg: Bot
) -> None:
    api.user(1, "U1")
    api.open_private(1)
    sender = services.attach_sender(tg)
    sender.start()
    [name] = os.listdir(holders_folder(services.db.path))
    assert stopped(services.db.path, [name]) == set()
    async with services.db.transaction() as conn:
        await services.outbox.enqueue(conn, _texts(1), services.clock.now())
    sender.wake()
    async with asyncio.timeout(10):
        await sender.drain()
    async with services.db.reader.execute("SELECT lease_by FROM outbox") as cur:
        assert [r[0] for r in await cur.fetchall()] == [name]
    await sender.stop()
    assert os.listdir(holders_folder(services.db.path)) == []

"""Property: the wall's list (storage/wall.py: ids from its own index, then those rows) finds,
counts, sorts and pages exactly what the plain definition does, whatever the wishes and filters.

Random worlds of two communities' wishes in every status (joint ones with fewer, as many or
more holders than they need, values missing, custom categories of either community, texts with
%, _ and backslashes), and random filters over them, against a reference that reads every wish
and filters in Python; each wish of a page is the wish as WishRepo.get reads it (its holders and
its category's names included).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.db import Database
from storage.models import WishStatus
from storage.wall import WallFilter, WallRepo
from storage.wishes import WishRepo

DAY = date(2027, 1, 1)
STAMP = "2026-11-20T02:00:00.000000Z"
CATEGORIES = ("elderly_alone", "veteran", "other", "c1", "c2")  # c1 is community 1's, c2 community 2's
VALUES = (100, 500, 1000, 5000)
# Letters that LIKE treats specially (% _ and the escape), ASCII in both cases, and Chinese.
LETTERS = "ab%_\\书包 A"
HOLDING = {WishStatus.CLAIMED, WishStatus.DELIVERED, WishStatus.FULFILLED}
# Mostly wishes the wall may show, so that pages have something on them; the rest must never be.
STATUSES = (*[WishStatus.OPEN] * 4, *[WishStatus.CLAIMED] * 3, *WishStatus)


def often_none(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """No such filter most of the time: several filters at once rarely leave anything to list."""
    return st.one_of(st.none(), st.none(), values)


wishes = st.lists(
    st.fixed_dictionaries(
        {
            "community_id": st.sampled_from((1, 1, 1, 2)),
            "status": st.sampled_from(STATUSES),
            "category": st.sampled_from(CATEGORIES),
            "description": st.text(LETTERS, min_size=1, max_size=8),
            "value_fen": st.none() | st.sampled_from(VALUES),
            "due_date": st.integers(0, 5).map(lambda d: DAY + timedelta(days=d)),
            "branch_id": st.sampled_from((None, 1, 2)),
            "needed_members": st.integers(1, 3),
            "holders": st.integers(0, 3),
        }
    ),
    min_size=10,
    max_size=40,
)
filters = st.builds(
    WallFilter,
    community_id=st.sampled_from((1, 1, 2)),
    category=often_none(st.sampled_from((*CATEGORIES, "c9"))),
    branch_id=often_none(st.sampled_from((1, 2))),
    min_fen=often_none(st.sampled_from((0, *VALUES, 6000))),
    max_fen=often_none(st.sampled_from((0, *VALUES, 6000))),
    due_by=often_none(st.integers(-1, 6).map(lambda d: DAY + timedelta(days=d))),
    text=often_none(st.text(LETTERS, min_size=1, max_size=2)),
    newest_first=st.booleans(),
    limit=st.integers(1, 6),
    offset=st.sampled_from((0, 0, 0, 1, 2, 5, 9)),
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A migrated database with two communities, their branches and custom categories."""
    path = tmp_path_factory.mktemp("wall") / "template.db"

    async def build() -> None:
        db = Database(path)
        await db.open()
        try:
            async with db.transaction() as conn:
                for community_id, name in ((1, "幸福社区"), (2, "和平社区")):
                    await conn.execute(
                        "INSERT INTO communities (id, name, created_at) VALUES (?, ?, ?)",
                        (community_id, name, STAMP),
                    )
                for branch_id, name in ((1, "第一支部"), (2, "第二支部")):
                    await conn.execute(
                        "INSERT INTO branches (id, community_id, name, created_at) VALUES (?, 1, ?, ?)",
                        (branch_id, name, STAMP),
                    )
                for category_id, community_id in ((1, 1), (2, 2)):
                    await conn.execute(
                        "INSERT INTO wish_categories (id, community_id, name_zh, name_en, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            category_id,
                            community_id,
                            f"类别{category_id}",
                            f"Kind {category_id}",
                            STAMP,
                            STAMP,
                        ),
                    )
        finally:
            await db.close()

    asyncio.run(build())
    yield path


def _fold(text: str) -> str:
    """What SQLite's LIKE compares: ASCII letters in either case alike, nothing else folded."""
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def _expected(rows: list[Any], f: WallFilter) -> list[int]:
    """The plain definition: every wish read, filtered and sorted here."""
    found = []
    for r in rows:
        on_wall = r["status"] == "open" or (r["status"] == "claimed" and r["needed_members"] > r["held"])
        value = r["value_fen"]
        if not (on_wall and r["community_id"] == f.community_id):
            continue
        if f.category is not None and r["category"] != f.category:
            continue
        if f.branch_id is not None and r["branch_id"] != f.branch_id:
            continue
        if f.min_fen is not None and (value is None or value < f.min_fen):
            continue
        if f.max_fen is not None and (value is None or value > f.max_fen):
            continue
        if f.due_by is not None and r["due_date"] > f.due_by.isoformat():
            continue
        if f.text and _fold(f.text) not in _fold(r["description"]):
            continue
        found.append(r)
    if f.newest_first:
        found.sort(key=lambda r: -r["id"])
    else:
        found.sort(key=lambda r: (r["due_date"], r["id"]))
    return [r["id"] for r in found]


async def _check(path: Path, world: list[dict[str, Any]], asked: list[WallFilter]) -> None:
    db = Database(path)
    await db.open()
    try:
        async with db.transaction() as conn:
            for w in world:
                holds = w["status"] in HOLDING
                cursor = await conn.execute(
                    "INSERT INTO wishes (community_id, status, beneficiary_name, beneficiary_phone,"
                    " beneficiary_address, category, description, value_fen, due_date, created_by, created_at,"
                    " holder_id, updated_at, branch_id, needed_members)"
                    " VALUES (?, ?, '王秀英', '13812345678', '幸福路 8 号', ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
                    (
                        w["community_id"], w["status"].value, w["category"], w["description"], w["value_fen"],
                        w["due_date"].isoformat(), STAMP, 1 if holds else None, STAMP, w["branch_id"],
                        w["needed_members"],
                    ),
                )  # fmt: skip
                for user_id in range(1, w["holders"] + 1):
                    await conn.execute(
                        "INSERT INTO wish_holders (wish_id, user_id, joined_at) VALUES (?, ?, ?)",
                        (cursor.lastrowid, user_id, STAMP),
                    )
        rows = list(
            await db.reader.execute_fetchall(
                "SELECT w.*, (SELECT COUNT(*) FROM wish_holders h WHERE h.wish_id = w.id) AS held"
                " FROM wishes w NOT INDEXED"
            )
        )
        wall, plain = WallRepo(db), WishRepo(db)
        for f in asked:
            expected = _expected(rows, f)
            total, page = await wall.claimable(f)
            assert total == len(expected), f
            assert [w.id for w in page] == expected[f.offset : f.offset + f.limit], f
            for wish in page:
                assert wish == await plain.get(wish.id)
    finally:
        await db.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=wishes, asked=st.lists(filters, min_size=1, max_size=6))
def test_the_wall_lists_what_the_plain_definition_lists(
    template: Path, tmp_path: Path, world: list[dict[str, Any]], asked: list[WallFilter]
) -> None:
    path = tmp_path / "wall.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, path)
    asyncio.run(_check(path, world, asked))


def test_the_reference_sees_what_a_filter_means() -> None:
    """The reference itself, on a hand-made world: were it wrong the same way as the query, the
    property would prove nothing."""
    rows = [
        {"id": 1, "community_id": 1, "status": "open", "needed_members": 1, "held": 0, "category": "veteran",
         "branch_id": 1, "value_fen": 500, "due_date": "2027-01-03", "description": "Ab_书包"},
        {"id": 2, "community_id": 1, "status": "claimed", "needed_members": 2, "held": 1, "category": "other",
         "branch_id": None, "value_fen": None, "due_date": "2027-01-02", "description": "a%b"},
        {"id": 3, "community_id": 1, "status": "claimed", "needed_members": 2, "held": 2, "category": "other",
         "branch_id": 1, "value_fen": 100, "due_date": "2027-01-01", "description": "ab"},
        {"id": 4, "community_id": 2, "status": "open", "needed_members": 1, "held": 0, "category": "other",
         "branch_id": 2, "value_fen": 100, "due_date": "2027-01-01", "description": "ab"},
        {"id": 5, "community_id": 1, "status": "fulfilled", "needed_members": 1, "held": 1, "category": "other",
         "branch_id": 1, "value_fen": 100, "due_date": "2027-01-01", "description": "ab"},
    ]  # fmt: skip
    assert _expected(rows, WallFilter(community_id=1)) == [2, 1]
    assert _expected(rows, WallFilter(community_id=1, newest_first=True)) == [2, 1]
    assert _expected(rows, WallFilter(community_id=1, text="aB")) == [1]
    assert _expected(rows, WallFilter(community_id=1, text="%")) == [2]
    assert _expected(rows, WallFilter(community_id=1, min_fen=0)) == [1]  # no value: not within any range
    assert _expected(rows, WallFilter(community_id=1, due_by=DAY + timedelta(days=1))) == [2]
    assert _expected(rows, WallFilter(community_id=2, branch_id=2)) == [4]

"""Subscriptions to the daily digest, and the record of the digests made (storage/migrations/0010).

The record is the exactly-once guarantee, as with reminders: a digest's day and its wishes are
inserted with their unique keys in the transaction that queues its messages, so a second pass
(or a second process) finds them taken and sends nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

import aiosqlite

from storage.categories import category_names
from storage.db import Database, fetch_all, fetch_one, parse_utc, utc_text
from storage.models import Frozen, Wish
from storage.wishes import row_to_wish


class Subscription(Frozen):
    user_id: int
    categories: tuple[str, ...]  # category keys; empty: every category
    since: datetime


class Subscriber(Frozen):
    """A subscribed member as the digest pass needs them: branch, language, reachability."""

    subscription: Subscription
    branch_id: int
    lang: str
    reachable: bool


class OfferedWish(Frozen):
    """An open wish posted in a branch's group, and when it was first posted there."""

    wish: Wish
    posted_at: datetime


def _subscription(row: aiosqlite.Row) -> Subscription:
    since = parse_utc(row["since"])
    assert since is not None
    return Subscription(
        user_id=int(row["user_id"]), categories=tuple(json.loads(row["categories"])), since=since
    )


class SubscriptionRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> Subscription | None:
        row = await fetch_one(self._db.quick, "SELECT * FROM subscriptions WHERE user_id = ?", (user_id,))
        return _subscription(row) if row else None

    async def save(self, user_id: int, categories: Sequence[str], now: datetime) -> Subscription:
        """Subscribe, or change the categories of a subscription (which keeps its start)."""
        stamp = utc_text(now)
        async with (
            self._db.transaction() as conn,
            conn.execute(
                "INSERT INTO subscriptions (user_id, categories, since, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET categories = excluded.categories,"
                " updated_at = excluded.updated_at RETURNING *",
                (user_id, json.dumps(list(categories)), stamp, stamp),
            ) as cur,
        ):
            row = await cur.fetchone()
        assert row is not None
        return _subscription(row)

    async def delete(self, user_id: int) -> bool:
        return await self._db.write("DELETE FROM subscriptions WHERE user_id = ?", (user_id,)) > 0

    async def subscribers(self, community_id: int, day: date) -> list[Subscriber]:
        """Active members of the community with a subscription and no digest made for `day`."""
        rows = await fetch_all(
            self._db.reader,
            "SELECT s.*, m.branch_id, p.lang, p.unreachable_at FROM subscriptions s"
            " JOIN memberships m ON m.user_id = s.user_id AND m.status = 'active'"
            " JOIN members p ON p.user_id = s.user_id"
            " WHERE m.community_id = ?"
            " AND NOT EXISTS (SELECT 1 FROM digests d WHERE d.user_id = s.user_id AND d.day = ?)"
            " ORDER BY m.branch_id, s.user_id",
            (community_id, day.isoformat()),
        )
        return [
            Subscriber(
                subscription=_subscription(r),
                branch_id=int(r["branch_id"]),
                lang=str(r["lang"]),
                reachable=r["unreachable_at"] is None,
            )
            for r in rows
        ]

    async def open_in_branch(self, community_id: int, branch_id: int) -> list[OfferedWish]:
        """Open wishes posted in a group of the branch, soonest due first."""
        rows = await fetch_all(
            self._db.reader,
            f"SELECT w.*, {category_names('w')}, MIN(p.posted_at) AS first_posted FROM wishes w"
            " JOIN wish_posts p ON p.wish_id = w.id"
            " JOIN groups g ON g.chat_id = p.chat_id"
            " WHERE w.status = 'open' AND w.community_id = ? AND g.branch_id = ?"
            " GROUP BY w.id ORDER BY w.due_date, w.id",
            (community_id, branch_id),
        )
        found = []
        for row in rows:
            data = dict(row)
            posted = parse_utc(data.pop("first_posted"))
            assert posted is not None
            found.append(OfferedWish(wish=row_to_wish(data), posted_at=posted))
        return found

    async def sent_among(self, user_id: int, wish_ids: Sequence[int]) -> set[int]:
        """Which of these wishes already went to the member in a digest."""
        if not wish_ids:
            return set()
        marks = ", ".join("?" for _ in wish_ids)
        rows = await fetch_all(
            self._db.reader,
            f"SELECT wish_id FROM digest_wishes WHERE user_id = ? AND wish_id IN ({marks})",
            (user_id, *wish_ids),
        )
        return {int(r[0]) for r in rows}

    async def record_digest(
        self, conn: aiosqlite.Connection, user_id: int, day: date, wish_ids: Sequence[int], now: datetime
    ) -> list[int] | None:
        """Take the member's day (None: a digest was made that day already) and record its
        wishes; returns those not sent to the member before (the ones to show)."""
        async with conn.execute(
            "INSERT INTO digests (user_id, day, wishes, made_at) VALUES (?, ?, 0, ?)"
            " ON CONFLICT (user_id, day) DO NOTHING RETURNING user_id",
            (user_id, day.isoformat(), utc_text(now)),
        ) as cur:
            if await cur.fetchone() is None:
                return None
        fresh = []
        for wish_id in wish_ids:
            async with conn.execute(
                "INSERT INTO digest_wishes (user_id, wish_id, day) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id, wish_id) DO NOTHING RETURNING wish_id",
                (user_id, wish_id, day.isoformat()),
            ) as cur:
                if await cur.fetchone() is not None:
                    fresh.append(wish_id)
        await conn.execute(
            "UPDATE digests SET wishes = ? WHERE user_id = ? AND day = ?",
            (len(fresh), user_id, day.isoformat()),
        )
        return fresh

"""What releases need from the record: the releases of a period (their reasons are in the
events' details), and for auto-release, when a holder was first chased and whether anyone
answered since."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from storage.db import Database, fetch_all, fetch_one, parse_utc, utc_text
from storage.models import Frozen


class ReleaseEvent(Frozen):
    """One wish given back (or one holder leaving a joint wish, or a coordinator giving it to
    another member), as the audit trail has it."""

    wish_id: int | None
    actor_id: int | None
    action: str  # "release", "leave" or "reassign"
    details: dict[str, Any]


class ReleaseRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def in_period(self, community_id: int, start: datetime, end: datetime) -> list[ReleaseEvent]:
        rows = await fetch_all(
            self._db.reader,
            "SELECT wish_id, actor_id, action, details FROM events WHERE community_id = ?"
            " AND action IN ('release', 'leave', 'reassign') AND at >= ? AND at < ? ORDER BY id",
            (community_id, utc_text(start), utc_text(end)),
        )
        return [
            ReleaseEvent(
                wish_id=r["wish_id"],
                actor_id=r["actor_id"],
                action=r["action"],
                details=json.loads(r["details"] or "{}"),
            )
            for r in rows
        ]

    async def first_chased(self, wish_id: int, holder: int, due_date: date) -> datetime | None:
        """When the holder got the first overdue reminder about this wish and due date."""
        row = await fetch_one(
            self._db.reader,
            "SELECT MIN(sent_at) FROM reminders WHERE kind = 'overdue' AND wish_id = ? AND recipient = ?"
            " AND due_date = ?",
            (wish_id, holder, due_date.isoformat()),
        )
        return parse_utc(row[0]) if row and row[0] is not None else None

    async def answered_since(self, wish_id: int, holders: list[int], since: datetime) -> bool:
        """Did a holder do anything about the wish since then (asked for more time, any change),
        or a coordinator decide to keep chasing them?"""
        marks = ", ".join("?" for _ in holders) or "NULL"
        row = await fetch_one(
            self._db.reader,
            "SELECT 1 FROM events WHERE wish_id = ? AND at >= ? AND action NOT LIKE 'refused.%'"
            f" AND (actor_id IN ({marks}) OR action = 'keep_chasing') LIMIT 1",
            (wish_id, utc_text(since), *holders),
        )
        return row is not None

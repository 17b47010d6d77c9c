"""Service hours and points: the hours each wish's events carry, the fulfilled wishes whose
service counts, the history of a community's points rules, and who hides from leaderboards.

Nothing here is a figure of points: bot/points works them out from what these reads return
(see migration 0008 for where hours and rules are kept in the event log).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import aiosqlite
from pydantic import Field, field_validator

from storage.db import Database, fetch_all, utc_text
from storage.models import Frozen, WishStatus

# The latest of a wish's events that carries hours (a delivery, a restatement, a correction, a
# confirmation with other hours): the wish's hours. NULL while none carries any (wishes
# delivered before hours were recorded). The action list matches events_hours' condition.
_HOURS = (
    "(SELECT json_extract(e.details, '$.hours') FROM events e"
    " WHERE e.wish_id = w.id AND e.action IN ('deliver', 'hours', 'confirm')"
    " AND json_extract(e.details, '$.hours') IS NOT NULL ORDER BY e.id DESC LIMIT 1)"
)
_HOLDERS = "(SELECT json_group_array(h.user_id) FROM wish_holders h WHERE h.wish_id = w.id)"
_COLUMNS = (
    "w.id AS wish_id, w.community_id, w.branch_id, w.status, w.due_date, w.holder_id,"
    f" w.delivered_at, w.fulfilled_at, {_HOURS} AS hours, {_HOLDERS} AS holders"
)
RULE_ACTIONS = ("community.setting", "points.reapply")
_CHUNK = 400


class ServiceEntry(Frozen):
    """A wish as service: who served it, how long, when it was delivered and fulfilled."""

    wish_id: int
    community_id: int
    branch_id: int | None
    status: WishStatus
    due_date: date
    holder_id: int | None
    delivered_at: datetime | None
    fulfilled_at: datetime | None
    hours: float | None  # the latest hours its events carry; None: none recorded
    holders: tuple[int, ...] = ()

    @field_validator("holders", mode="before")
    @classmethod
    def _from_json(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(sorted(int(v) for v in json.loads(value) if v is not None))
        return () if value is None else value

    @property
    def members(self) -> tuple[int, ...]:
        """Everyone credited: its holders (a claim from before joint wishes: its one holder)."""
        if self.holders:
            return self.holders
        return (self.holder_id,) if self.holder_id is not None else ()


class RuleEvent(Frozen):
    """A change of a community's settings, or a re-application of its points rules."""

    id: int
    at: datetime
    action: str
    details: dict[str, Any] = Field(default_factory=dict)

    @field_validator("details", mode="before")
    @classmethod
    def _from_json(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value


class PointsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def fulfilled(
        self, community_id: int, start: datetime, end: datetime, *, user_id: int | None = None
    ) -> list[ServiceEntry]:
        """The community's wishes fulfilled in [start, end), each with its hours and holders:
        all of them (wishes_community_fulfilled gives the range), or one member's (their
        wishes first, each then found by its id, as storage/stats.py does)."""
        params: dict[str, Any] = {"community": community_id, "start": utc_text(start), "end": utc_text(end)}
        source = "wishes w"
        if user_id is not None:
            source = (
                "(SELECT h.wish_id AS id FROM wish_holders h WHERE h.user_id = :user"
                " UNION SELECT l.id FROM wishes l WHERE l.holder_id = :user) held"
                " CROSS JOIN wishes w ON w.id = held.id"
            )
            params["user"] = user_id
        async with self._db.reader.execute(
            f"SELECT {_COLUMNS} FROM {source} WHERE w.community_id = :community"
            " AND w.status = 'fulfilled' AND w.fulfilled_at >= :start AND w.fulfilled_at < :end"
            " ORDER BY w.fulfilled_at, w.id",
            params,
        ) as cur:
            rows = await cur.fetchall()
        return [ServiceEntry.model_validate(dict(r)) for r in rows]

    async def entries(self, wish_ids: Sequence[int]) -> dict[int, ServiceEntry]:
        """These wishes as service, whatever their state (a claim sheet's batch, a record)."""
        found: dict[int, ServiceEntry] = {}
        unique = sorted(set(wish_ids))
        for i in range(0, len(unique), _CHUNK):
            chunk = unique[i : i + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            rows = await fetch_all(
                self._db.reader, f"SELECT {_COLUMNS} FROM wishes w WHERE w.id IN ({marks})", chunk
            )
            for row in rows:
                entry = ServiceEntry.model_validate(dict(row))
                found[entry.wish_id] = entry
        return found

    async def rule_events(self, community_id: int) -> list[RuleEvent]:
        """Every change of the community's settings and every re-application, oldest first
        (the points rules' history; the partial index events_points_rules holds just these)."""
        rows = await fetch_all(
            self._db.reader,
            "SELECT id, at, action, details FROM events"
            f" WHERE community_id = ? AND action IN ({', '.join('?' for _ in RULE_ACTIONS)}) ORDER BY id",
            (community_id, *RULE_ACTIONS),
        )
        return [RuleEvent.model_validate(dict(r)) for r in rows]

    async def hidden_among(self, user_ids: Sequence[int]) -> set[int]:
        """Who of these chose to appear on leaderboards as "a volunteer"."""
        hidden: set[int] = set()
        unique = sorted(set(user_ids))
        for i in range(0, len(unique), _CHUNK):
            chunk = unique[i : i + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            rows = await fetch_all(
                self._db.quick,
                f"SELECT user_id FROM leaderboard_privacy WHERE hidden = 1 AND user_id IN ({marks})",
                chunk,
            )
            hidden |= {int(r[0]) for r in rows}
        return hidden

    async def set_hidden(self, conn: aiosqlite.Connection, user_id: int, hidden: bool, now: datetime) -> None:
        await conn.execute(
            "INSERT INTO leaderboard_privacy (user_id, hidden, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET hidden = excluded.hidden, updated_at = excluded.updated_at",
            (user_id, int(hidden), utc_text(now)),
        )

"""The audit trail of the organisation: every change of who belongs where, and every refusal of
something attempted without the right to, lands in the events table with actor and time."""

from __future__ import annotations

from typing import Any

import aiosqlite

from bot.clock import Clock
from bot.people.policies import Actor
from storage.events import EventRepo


class Audit:
    def __init__(self, events: EventRepo, clock: Clock) -> None:
        self._events = events
        self._clock = clock

    async def change(
        self,
        conn: aiosqlite.Connection,
        actor: Actor,
        action: str,
        community_id: int,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Inside the change's own transaction, so the trail never misses or invents a change."""
        await self._events.append(
            conn,
            action=action,
            at=self._clock.now(),
            actor_id=actor.user_id or None,  # the command line's SYSTEM actor is nobody
            community_id=community_id,
            details=details,
        )

    async def record(
        self,
        action: str,
        *,
        actor_id: int | None,
        community_id: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """In a transaction of its own: for what changes nothing else (a refusal, a group's
        binding, a registration)."""
        await self._events.record(
            action=action,
            at=self._clock.now(),
            actor_id=actor_id,
            community_id=community_id,
            details=details,
        )

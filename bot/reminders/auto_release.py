"""Auto-release of stale claims, a community setting (`auto_release_days`, 0 = off, the default).

Run by the overdue pass at the community's reminder hour (so never in quiet hours), before the
day's chase: a claim overdue by at least that many days whose holder was chased and has not
answered since goes back to open through the lifecycle, with the reason "auto". "Answered" is
what the record shows: anything a holder did about the wish since the first overdue reminder
(asked for more time, a new due date, any change) or a coordinator's Keep chasing. A holder the
bot cannot reach was never chased: the coordinators heard at once and decide themselves.
"""

from __future__ import annotations

import logging
from datetime import date

from bot.errors import DomainError
from bot.models import Community, ReminderKind, Wish
from bot.people.organisation import SYSTEM
from bot.wishes.lifecycle import WishService
from storage.releases import ReleaseRepo
from storage.reminders import ReminderRepo

log = logging.getLogger(__name__)


class AutoReleaser:
    def __init__(self, *, releases: ReleaseRepo, reminders: ReminderRepo, wishes: WishService) -> None:
        self._releases = releases
        self._reminders = reminders
        self._wishes = wishes

    async def run(self, community: Community, today: date, overdue: list[Wish]) -> set[int]:
        """Release what is stale among the community's overdue wishes; the ids released."""
        days = community.auto_release_days
        released: set[int] = set()
        if days <= 0:
            return released
        for listed in overdue:
            late = (today - listed.due_date).days
            if late < days or listed.holder_id is None:
                continue
            wish = await self._wishes.get(listed.id)  # with its holders, as the write compares
            holder = wish.holder_id
            if holder is None or wish.due_date != listed.due_date:
                continue
            first = await self._releases.first_chased(wish.id, holder, wish.due_date)
            if first is None or await self._releases.answered_since(wish.id, list(wish.holders), first):
                continue
            chased = await self._reminders.count(ReminderKind.OVERDUE, wish.id, holder, wish.due_date)
            try:
                await self._wishes.auto_release.release_stale(SYSTEM, wish, days=late, reminders=chased)
            except DomainError:
                continue  # it changed since it was read (an answer came in): nothing released
            log.info("auto-released %s (%d days overdue, %d reminders unanswered)", wish.code, late, chased)
            released.add(wish.id)
        return released

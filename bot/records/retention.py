"""Beneficiaries' personal data: erased on a schedule (retention) or on request (/forget).

Neither is a change of a wish's status, so neither goes through the lifecycle; each erasure is
still one transaction that writes the wishes and one audit event per wish.

- Retention (`erase_expired`): N days (community.retention_days, default 180) after a wish was
  fulfilled, cancelled or rejected, the beneficiary's phone, address and the import notes are
  erased. The name, category, wish, value, dates and who served stay, so every figure and the
  claim sheet stay as they were. Copies of sent messages older than the shortest retention
  period lose their text too (claim notices carried the details).
- /forget (`forget`): everything that identifies one beneficiary (all their wishes in the
  community with the same name and phone) now: phone, address, notes, photos and delivery
  notes go and the name is reduced to its mask (王**). Refused while one of those wishes is
  still in progress, since a member may need the details to deliver it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.errors import DomainError, NotAllowed
from bot.models import Wish
from bot.people.policies import Actor
from bot.wishes.cards import mask_name
from bot.wishes.lifecycle import WishService
from storage.db import Database
from storage.events import EventRepo
from storage.organisation import CommunityRepo
from storage.records import ACTIVE, RecordsRepo

RETENTION_FIELDS = ["phone", "address", "notes"]
FORGET_FIELDS = ["name", "phone", "address", "notes", "photos", "delivery_note"]
_BATCH = 500  # wishes per transaction: keeps the single writer free for claims in between


@dataclass(frozen=True)
class ForgetPlan:
    wish: Wish
    targets: list[Wish]
    active: list[Wish]  # still in progress: the erasure is refused while there are any


class PrivacyService:
    def __init__(
        self,
        *,
        db: Database,
        records: RecordsRepo,
        events: EventRepo,
        communities: CommunityRepo,
        wishes: WishService,
        clock: Clock,
    ) -> None:
        self._db = db
        self._records = records
        self._events = events
        self._communities = communities
        self._wishes = wishes
        self._clock = clock

    async def erase_expired(self, now: datetime | None = None) -> int:
        """One retention pass over every community; returns how many wishes were erased.

        Safe to run at any time and as often as wanted (an erased wish is never picked again):
        a daily scheduler job and `wishwall retention run` both call this.
        """
        now = now or self._clock.now()
        erased = 0
        shortest: int | None = None
        for community in await self._communities.all():
            shortest = (
                community.retention_days if shortest is None else min(shortest, community.retention_days)
            )
            cutoff = now - timedelta(days=community.retention_days)
            while ids := await self._records.expired(community.id, cutoff, _BATCH):
                async with self._db.transaction() as conn:
                    done = await self._records.erase_contact(conn, ids, now)
                    for wish_id in done:
                        await self._events.append(
                            conn,
                            action="erase.retention",
                            at=now,
                            actor_id=None,
                            wish_id=wish_id,
                            community_id=community.id,
                            details={"fields": RETENTION_FIELDS, "retention_days": community.retention_days},
                        )
                erased += len(done)
                if len(ids) < _BATCH:
                    break
        if shortest is not None:
            async with self._db.transaction() as conn:
                await self._records.scrub_sent_messages(conn, now - timedelta(days=shortest))
        return erased

    async def plan_forget(self, actor: Actor, wish_id: int) -> ForgetPlan:
        wish = await self._wishes.get(wish_id)
        if not actor.coordinates(wish.community_id):
            raise NotAllowed("err.coordinators_only")
        if wish.beneficiary_phone:
            targets = await self._records.same_beneficiary(
                wish.community_id, wish.beneficiary_name, wish.beneficiary_phone
            )
        else:
            targets = [wish]  # the phone is already gone: the name alone would match strangers
        active = [w for w in targets if w.status.value in ACTIVE]
        return ForgetPlan(wish=wish, targets=targets, active=active)

    async def forget(self, actor: Actor, wish_id: int) -> list[Wish]:
        """Erase the beneficiary of this wish everywhere in its community; the wishes erased."""
        plan = await self.plan_forget(actor, wish_id)
        if plan.active:
            raise DomainError("fgt.active", codes=", ".join(w.code for w in plan.active))
        now = self._clock.now()
        wish = plan.wish
        async with self._db.transaction() as conn:
            ids = await self._records.erase_person(
                conn, [w.id for w in plan.targets], mask_name(wish.beneficiary_name), now
            )
            for target in ids:
                await self._events.append(
                    conn,
                    action="erase.forget",
                    at=now,
                    actor_id=actor.user_id,
                    wish_id=target,
                    community_id=wish.community_id,
                    details={"fields": FORGET_FIELDS, "requested_on": wish.code},
                )
            needles = {t.beneficiary_phone for t in plan.targets} | {
                t.beneficiary_address for t in plan.targets
            }
            await self._records.scrub_sent_messages_mentioning(conn, sorted(needles))
        return [w for w in plan.targets if w.id in ids]

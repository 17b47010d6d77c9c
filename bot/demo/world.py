"""Ten weeks of a community's life, played through the core services on a clock moved by hand.

Nothing is written behind the services' back: the community is founded, branches and groups
bound, members invited; every week coordinators enter wishes, verify and post them spread over
the branches (the balancer), members claim, ask for more time, give back and deliver, and
coordinators confirm, dispute, reject and cancel; the scheduler's passes run every morning. So
every row, event and queued message is what real use makes, dated when it would have been, and
the weekly figures have ten weeks to show.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.clock import FakeClock, local_today
from bot.demo import cast
from bot.errors import DomainError
from bot.models import Beneficiary, Community, WishDraft
from bot.people.organisation import SYSTEM
from bot.people.policies import Actor
from bot.reminders.jobs import run_all, run_pass
from bot.reminders.kinds import ON_TICK
from bot.services import Services
from bot.wishes.balance import Balancer

WEEKS = len(cast.WEEKS)
WEEKLY_REPORT = "weekly_report"
REPORT_DAYS = 7  # the scheduler's passes include the weekly report in these last days
Step = Callable[[], Awaitable[None]]


class Fate(StrEnum):
    """What becomes of one wish (cast.WEEKS spells each week's wishes with these)."""

    FULFILLED = "F"
    RELEASED_THEN_FULFILLED = "RF"  # given back with a reason, claimed by someone else
    DISPUTED_THEN_FULFILLED = "DF"  # the first delivery report was not accepted
    EXTENDED_THEN_FULFILLED = "XF"  # the holder asked for more time
    OVERDUE = "O"  # claimed, due date passed, not delivered
    AWAITING = "A"  # delivered, waiting for a coordinator
    CLAIMED = "K"  # claimed, in time
    OPEN = "U"  # on the wall
    JOINT = "J"  # two members together, fulfilled
    JOINT_PARTLY = "JP"  # needs three, one has joined
    JOINT_OPEN = "J0"  # needs two, nobody yet
    PENDING = "P"  # entered, not verified yet
    VERIFIED = "V"  # verified, not posted yet
    REJECTED = "R"
    CANCELLED = "C"


@dataclass
class WishPlan:
    index: int
    week: int
    slot: int
    fate: Fate
    wish_id: int = 0
    holders: list[int] = field(default_factory=list)


class History:
    """Builds the world into `services` (a fresh database) ending at `end`."""

    def __init__(self, services: Services, clock: FakeClock, end: datetime, seed: int = 7) -> None:
        self.s = services
        self.clock = clock
        self.end = end
        self.zone = services.settings.zone
        self.rng = random.Random(seed)
        start_day = local_today(end, self.zone) - timedelta(days=7 * WEEKS)
        self.start = datetime.combine(start_day, time(0, 0), self.zone)
        self.community: Community | None = None
        self.branches: list[int] = []
        self.invites: list[str] = []
        self._queue: list[tuple[datetime, int, Step]] = []
        self._order = itertools.count()
        self._claims = itertools.count()

    # --- the timeline ---------------------------------------------------------------------

    def at(self, day: float, hour: float, step: Step, *, base: datetime | None = None) -> None:
        when = (base or self.start) + timedelta(days=day, hours=hour)
        if when >= self.end:
            raise AssertionError(f"the demo's history reaches past its end: {when}")
        heapq.heappush(self._queue, (when, next(self._order), step))

    async def build(self) -> Community:
        await self._found()
        await self._run()
        plans = self._plan_wishes()
        for week in range(WEEKS):
            self.at(7 * week + 1, 10, self._balance_and_post)
        day = 0
        while self.start + timedelta(days=day, hours=9, minutes=5) < self.end:
            self.at(day, 9 + 5 / 60, self._scheduler_pass)
            day += 1
        for plan in plans:
            self._schedule(plan)
        await self._run()
        assert self.community is not None
        return self.community

    async def _run(self) -> None:
        while self._queue:
            when, _, step = heapq.heappop(self._queue)
            self.clock.set(when)
            await step()

    async def actor(self, user_id: int) -> Actor:
        return await self.s.directory.actor(user_id, await self.s.directory.lang_of(user_id))

    # --- founding: the community, its branches, groups and people ---------------------------

    async def _found(self) -> None:
        org = self.s.org
        self.clock.set(self.start - timedelta(days=8))
        community = await org.create_community(SYSTEM, cast.COMMUNITY)
        self.community = community
        for i, (name, lang) in enumerate(cast.COORDINATORS):
            await org.register(cast.coordinator_id(i), name, lang)
            await org.appoint(SYSTEM, community.id, cast.coordinator_id(i))
        lead = cast.coordinator_id(0)
        self.at(-7, 10, lambda: self._branches(lead))
        # Members follow the invite links over the week before the first wishes.
        for i, (name, lang) in enumerate(cast.MEMBERS):
            self.at(-6 + i * 5 / len(cast.MEMBERS), 12 + i % 8, self._joins(i, name, lang))

    async def _branches(self, lead: int) -> None:
        assert self.community is not None
        actor = await self.actor(lead)
        for i, name in enumerate(cast.BRANCHES):
            branch = await self.s.org.add_branch(actor, self.community.id, name)
            self.branches.append(branch.id)
            await self.s.org.bind_group(
                actor, cast.group_id(i), f"阳光社区·{name}群", "zh", branch.id, group_admin=True
            )
        self.invites = [
            (await self.s.org.create_invite(await self.actor(lead), b, days=30, uses=50)).token
            for b in self.branches
        ]

    def _joins(self, i: int, name: str, lang: str) -> Step:
        async def join() -> None:
            user_id = cast.member_id(i)
            await self.s.org.register(user_id, name, lang)
            branch = i * len(self.branches) // len(cast.MEMBERS)
            await self.s.org.join_with_invite(user_id, self.invites[branch])

        return join

    # --- the weeks ------------------------------------------------------------------------

    def _plan_wishes(self) -> list[WishPlan]:
        plans: list[WishPlan] = []
        for week, line in enumerate(cast.WEEKS):
            for slot, code in enumerate(line.split()):
                plans.append(WishPlan(index=len(plans), week=week, slot=slot, fate=Fate(code)))
        return plans

    def _due(self, plan: WishPlan, created: date) -> date:
        today = local_today(self.end, self.zone)
        if plan.fate in (Fate.OVERDUE, Fate.EXTENDED_THEN_FULFILLED):
            return created + timedelta(days=14)
        if plan.fate in (Fate.OPEN, Fate.JOINT_OPEN, Fate.JOINT_PARTLY, Fate.CLAIMED, Fate.PENDING):
            # Still to come: due some days or weeks from today.
            return max(created + timedelta(days=14), today + timedelta(days=self.rng.randint(2, 24)))
        return created + timedelta(days=self.rng.choice((14, 21, 30)))

    def _schedule(self, plan: WishPlan) -> None:
        monday = 7 * plan.week
        coordinator = cast.coordinator_id(plan.index % 2)
        verifier = cast.coordinator_id(1 - plan.index % 2)
        if plan.fate is Fate.PENDING:
            self.at(monday + 5, 9.5 + plan.slot, self._create(plan, coordinator))
            return
        self.at(monday, 9.5 + plan.slot * 0.2, self._create(plan, coordinator))
        if plan.fate is Fate.REJECTED:
            self.at(monday, 16 + plan.slot * 0.1, self._act(verifier, "reject", plan, cast.REJECT_REASON))
            return
        if plan.fate is Fate.VERIFIED:
            self.at(monday + 1, 14, self._act(verifier, "verify", plan))
            return
        self.at(monday, 16 + plan.slot * 0.1, self._act(verifier, "verify", plan))
        needed = {Fate.JOINT: 2, Fate.JOINT_PARTLY: 3, Fate.JOINT_OPEN: 2}.get(plan.fate)
        if needed:
            self.at(monday, 16.5, self._joint(verifier, plan, needed))
        self._after_posting(plan, monday + 1, coordinator)

    def _after_posting(self, plan: WishPlan, posted: int, coordinator: int) -> None:
        """Claims and deliveries from the day after it was posted (day `posted`, 10:00)."""
        rng, f = self.rng, plan.fate
        claim_at = posted + rng.uniform(0.1, 2.5)
        if f is Fate.CANCELLED:
            self.at(posted + 2, 11, self._act(coordinator, "cancel", plan, cast.CANCEL_REASON))
            return
        if f in (Fate.OPEN, Fate.JOINT_OPEN, Fate.VERIFIED):
            return
        self.at(claim_at, 10, self._claim(plan))
        if f is Fate.JOINT_PARTLY:
            return
        if f is Fate.JOINT:
            self.at(claim_at + 0.5, 10, self._claim(plan))
        if f in (Fate.OVERDUE, Fate.CLAIMED):
            return
        deliver_at = claim_at + rng.uniform(1.5, 4.5)
        if f is Fate.RELEASED_THEN_FULFILLED:
            self.at(claim_at + 1, 10, self._holder_act(plan, "release"))
            self.at(claim_at + 1.8, 10, self._claim(plan))
            deliver_at += 2
        if f is Fate.EXTENDED_THEN_FULFILLED:
            self.at(claim_at + 8, 10, self._extend(plan))
            deliver_at = claim_at + 13
        self.at(deliver_at, 10, self._holder_act(plan, "deliver"))
        if f is Fate.AWAITING:
            return
        if f is Fate.DISPUTED_THEN_FULFILLED:
            self.at(deliver_at + 0.5, 10, self._act(coordinator, "dispute", plan, cast.DISPUTE_REASON))
            deliver_at += 1
            self.at(deliver_at, 10, self._holder_act(plan, "deliver"))
        self.at(deliver_at + rng.uniform(0.2, 1.5), 10, self._act(coordinator, "confirm", plan))

    # --- the steps ------------------------------------------------------------------------

    def _create(self, plan: WishPlan, coordinator: int) -> Step:
        async def create() -> None:
            assert self.community is not None
            item = cast.ITEMS[plan.index % len(cast.ITEMS)]
            name, phone, address = cast.beneficiary(plan.index)
            today = local_today(self.clock.now(), self.zone)
            draft = WishDraft(
                beneficiary=Beneficiary(name=name, phone=phone, address=address),
                category=item.category,
                description=item.description,
                value_fen=item.value_yuan * 100 if item.value_yuan is not None else None,
                due_date=self._due(plan, today),
            )
            wish = await self.s.wishes.create(await self.actor(coordinator), draft, self.community.id)
            plan.wish_id = wish.id

        return create

    def _act(self, user_id: int, action: str, plan: WishPlan, reason: str | None = None) -> Step:
        async def act() -> None:
            actor, wishes = await self.actor(user_id), self.s.wishes
            if action == "verify":
                await wishes.verify(actor, plan.wish_id)
            elif action == "reject":
                await wishes.reject(actor, plan.wish_id, reason or "")
            elif action == "cancel":
                await wishes.cancel(actor, plan.wish_id, reason or "")
            elif action == "dispute":
                await wishes.dispute(actor, plan.wish_id, reason or "")
            elif action == "confirm":
                await wishes.confirm(actor, plan.wish_id)

        return act

    def _joint(self, user_id: int, plan: WishPlan, needed: int) -> Step:
        async def joint() -> None:
            await self.s.wishes.set_needed_members(await self.actor(user_id), plan.wish_id, needed)

        return joint

    async def _balance_and_post(self) -> None:
        """Tuesday morning: what was verified goes out, spread over the branches by members."""
        assert self.community is not None
        balancer: Balancer = self.s.balancer
        actor = await self.actor(cast.coordinator_id(0))
        try:
            plan = await balancer.plan(actor, self.community.id)
        except DomainError:
            return  # nothing verified this week
        await balancer.carry_out(actor, plan)

    def _claim(self, plan: WishPlan) -> Step:
        async def claim() -> None:
            wish = await self.s.wishes.get(plan.wish_id)
            for user_id in self._candidates(wish.branch_id):
                if user_id in plan.holders:
                    continue
                try:
                    await self.s.wishes.claim(await self.actor(user_id), plan.wish_id)
                except DomainError:
                    continue  # holds as many as the community allows: the next one takes it
                plan.holders.append(user_id)
                return
            raise AssertionError(f"nobody could claim W-{plan.wish_id:04d}")

        return claim

    def _candidates(self, branch_id: int | None) -> list[int]:
        """Members of the wish's branch first (its group saw the card), in a fair rotation."""
        index = self.branches.index(branch_id) if branch_id in self.branches else 0
        size = len(cast.MEMBERS) // len(self.branches)
        turn = next(self._claims)
        own = [cast.member_id(index * size + (turn + k) % size) for k in range(size)]
        others = [cast.member_id(i) for i in range(len(cast.MEMBERS)) if cast.member_id(i) not in own]
        return own + others

    def _holder_act(self, plan: WishPlan, action: str) -> Step:
        async def act() -> None:
            holder = plan.holders[0] if action == "deliver" else plan.holders.pop()
            actor = await self.actor(holder)
            if action == "release":
                await self.s.wishes.release(actor, plan.wish_id)
            else:
                note = cast.DELIVERY_NOTES[plan.index % len(cast.DELIVERY_NOTES)]
                await self.s.wishes.deliver(actor, plan.wish_id, note)

        return act

    def _extend(self, plan: WishPlan) -> Step:
        async def extend() -> None:
            wish = await self.s.wishes.get(plan.wish_id)
            community = await self.s.wishes.community(wish.community_id)
            actor = await self.actor(plan.holders[0])
            later = wish.due_date + timedelta(days=7)
            await self.s.wishes.extend(actor, plan.wish_id, later, community=community)

        return extend

    async def _scheduler_pass(self) -> None:
        """The scheduler's morning tick: reminders and nudges every day; the weekly report in
        the last week only, because drawing ten weeks of charts would make the demo start slowly
        and its figures are read from the wishes' history whenever they are asked for."""
        now = self.clock.now()
        if self.end - now < timedelta(days=REPORT_DAYS):
            await run_all(self.s, now)
            return
        for name in ON_TICK:
            if name != WEEKLY_REPORT:
                await run_pass(self.s, name, now)

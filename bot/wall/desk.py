"""What a coordinator does on the wall beyond a single transition of the lifecycle: post into
one branch's groups, auto-balance exactly the plan they were shown, pick a member to give a
wish to, take the claim sheet. Each is the chat's own service underneath (the lifecycle's
post, the Balancer, the members' list, the records service), with its policy and audit entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.errors import DomainError, InvalidInput
from bot.models import Action, Branch, MembershipStatus, Wish
from bot.people.membership import MemberLine, People
from bot.people.policies import Actor
from bot.records import claim_export
from bot.records.service import RecordsService, default_export_period
from bot.reports import figures
from bot.wishes.balance import BalancePlan, Balancer
from bot.wishes.lifecycle import WishService
from storage.groups import GroupRepo
from storage.organisation import BranchRepo

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Sheet:
    """A claim sheet as the chat's /export sends it: the file, its name, how many wishes."""

    content: bytes
    file_name: str
    count: int


def fingerprint(plan: BalancePlan) -> str:
    """What a plan shown to a coordinator is: the same wishes to the same branches. Posting
    carries out a plan only while it still has this fingerprint (the chat keeps the plan it
    showed as a draft; the wall asks for it again and compares)."""
    return hashlib.sha256(plan.model_dump_json().encode()).hexdigest()[:32]


async def branches_with_groups(groups: GroupRepo, branches: BranchRepo, community_id: int) -> list[Branch]:
    """The branches a wish can be posted to on its own: those with a bound group."""
    bound = {g.branch_id for g in await groups.active_for_community(community_id)}
    return [b for b in await branches.for_community(community_id) if b.id in bound]


class Desk:
    def __init__(
        self,
        *,
        wishes: WishService,
        balancer: Balancer,
        groups: GroupRepo,
        branches: BranchRepo,
        people: People,
        records: RecordsService,
    ) -> None:
        self._wishes = wishes
        self._balancer = balancer
        self._groups = groups
        self._branches = branches
        self._people = people
        self._records = records

    # --- post ---------------------------------------------------------------------------

    async def post(self, actor: Actor, wish_id: int, branch_id: int | None) -> Wish:
        """Into every bound group of its community (/post in a private chat), or into one
        branch's groups (/post sent in that branch's group)."""
        if branch_id is None:
            return await self._wishes.post(actor, wish_id)
        wish = await self._wishes.precheck(actor, Action.POST, wish_id)
        chats = [
            g.chat_id
            for g in await self._groups.active_for_community(wish.community_id)
            if g.branch_id == branch_id
        ]
        if not chats:
            raise InvalidInput("desk.no_branch_group")
        return await self._wishes.post(actor, wish_id, chats)

    # --- auto-balance -------------------------------------------------------------------

    async def balance_plan(self, actor: Actor, community_id: int) -> BalancePlan:
        return await self._balancer.plan(actor, community_id)

    async def balance(self, actor: Actor, community_id: int, shown: str) -> tuple[int, int]:
        """Carry out the plan the coordinator saw: (posted, skipped). A plan that changed since
        (a wish verified or posted meanwhile) is refused, to be looked at again."""
        plan = await self._balancer.plan(actor, community_id)
        if fingerprint(plan) != shown:
            raise DomainError("desk.plan_changed")
        return await self._balancer.carry_out(actor, plan)

    # --- reassign: whom to ----------------------------------------------------------------

    async def assignable(self, actor: Actor, community_id: int) -> list[MemberLine]:
        """The community's active members, as the coordinators' /members lists them."""
        lines = await self._people.members(actor, community_id)
        return [line for line in lines if line.membership.status is MembershipStatus.ACTIVE]

    async def branches(self, community_id: int) -> list[Branch]:
        return await self._branches.for_community(community_id)

    # --- the claim sheet ----------------------------------------------------------------

    async def claim_sheet(
        self, actor: Actor, community_id: int, period: str | None, public: bool, lang: str
    ) -> Sheet:
        """The chat's /export [period] [public], for the same people: the community's
        coordinators (the full sheet names beneficiaries; the public one masks them)."""
        records = self._records
        records.require_coordinator(actor, community_id)  # before saying whether it exists
        community = await records.community(community_id)
        today = records.today(community)
        span, rest = figures.parse_period([period] if period else [], default_export_period(today))
        if rest:
            raise InvalidInput("fig.bad_period")
        made = await claim_export.claim_sheet(records, actor, community, span, public=public, lang=lang)
        return Sheet(made.content, made.file_name, made.count)

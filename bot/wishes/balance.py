"""Fair distribution: spread verified wishes over branches in proportion to active members.

"Residents order, the organisation dispatches, members deliver": a branch with more active
members gets more wishes. Largest-remainder rounding keeps the total exact and each share
within one wish of its exact proportion.
"""

from __future__ import annotations

from fractions import Fraction

from bot.errors import DomainError
from bot.models import Action, Frozen, WishStatus
from bot.people.policies import Actor, check
from bot.wishes.lifecycle import WishService
from storage.groups import GroupRepo
from storage.organisation import BranchRepo
from storage.wishes import WishRepo

BATCH_MAX = 500


def largest_remainder(total: int, weights: dict[int, int]) -> dict[int, int]:
    """Split `total` over the keys in proportion to `weights`.

    Each key first gets the whole part of its exact quota; the items left over go to the
    largest fractional parts, ties to the larger weight, then the lower key, so the result
    never depends on dict order.
    """
    weight_sum = sum(weights.values())
    if total <= 0 or weight_sum <= 0:
        return {key: 0 for key in weights}
    quotas = {key: Fraction(total * w, weight_sum) for key, w in weights.items()}
    shares = {key: int(q) for key, q in quotas.items()}
    left = total - sum(shares.values())
    order = sorted(weights, key=lambda k: (-(quotas[k] - shares[k]), -weights[k], k))
    for key in order[:left]:
        shares[key] += 1
    return shares


class BranchShare(Frozen):
    branch_id: int
    name: str
    members: int
    wish_ids: tuple[int, ...]


class BalancePlan(Frozen):
    community_id: int
    shares: tuple[BranchShare, ...]

    @property
    def total(self) -> int:
        return sum(len(s.wish_ids) for s in self.shares)


class Balancer:
    def __init__(
        self, *, wishes: WishService, wish_repo: WishRepo, branches: BranchRepo, groups: GroupRepo
    ) -> None:
        self._wishes = wishes
        self._wish_repo = wish_repo
        self._branches = branches
        self._groups = groups

    async def waiting(self, actor: Actor, community_id: int) -> int:
        check(actor, Action.POST, None, community_id)
        return len(await self._wish_repo.list_by_status(community_id, WishStatus.VERIFIED, limit=BATCH_MAX))

    async def plan(self, actor: Actor, community_id: int) -> BalancePlan:
        check(actor, Action.POST, None, community_id)
        verified = await self._wish_repo.list_by_status(community_id, WishStatus.VERIFIED, limit=BATCH_MAX)
        verified.sort(key=lambda w: (w.due_date, w.id))  # the most urgent go out first
        counts = await self._branches.active_member_counts(community_id)
        bound = {g.branch_id for g in await self._groups.active_for_community(community_id)}
        # Only branches with a group to post into and someone to claim can take wishes.
        eligible = {b: n for b, n in counts.items() if b in bound and n > 0}
        if not verified:
            raise DomainError("balance.nothing")
        if not eligible:
            raise DomainError("balance.no_branches")
        split = largest_remainder(len(verified), eligible)
        names = {b.id: b.name for b in await self._branches.for_community(community_id)}
        shares, start = [], 0
        for branch_id in sorted(eligible, key=lambda b: (-eligible[b], b)):
            count = split[branch_id]
            ids = tuple(w.id for w in verified[start : start + count])
            start += count
            shares.append(
                BranchShare(
                    branch_id=branch_id, name=names[branch_id], members=eligible[branch_id], wish_ids=ids
                )
            )
        return BalancePlan(community_id=community_id, shares=tuple(shares))

    async def carry_out(self, actor: Actor, plan: BalancePlan) -> tuple[int, int]:
        """Post each wish into its branch's groups; (posted, skipped because they changed)."""
        groups = await self._groups.active_for_community(plan.community_id)
        posted = skipped = 0
        for share in plan.shares:
            chats = [g.chat_id for g in groups if g.branch_id == share.branch_id]
            for wish_id in share.wish_ids:
                try:
                    await self._wishes.post(actor, wish_id, chats)
                except DomainError:
                    skipped += 1  # posted or cancelled by someone else since the plan was made
                else:
                    posted += 1
        return posted, skipped

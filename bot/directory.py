"""Who is who: resolves Telegram users to actors and finds a community's coordinators."""

from __future__ import annotations

from bot.models import Membership
from bot.policies import Actor
from bot.settings import Settings
from storage.members import MemberRepo
from storage.organisation import CommunityRepo, CoordinatorRepo, MembershipRepo, PrefRepo


class Directory:
    def __init__(
        self,
        settings: Settings,
        members: MemberRepo,
        memberships: MembershipRepo,
        coordinators: CoordinatorRepo,
        prefs: PrefRepo,
        communities: CommunityRepo,
    ) -> None:
        self._settings = settings
        self._members = members
        self._memberships = memberships
        self._coordinators = coordinators
        self._prefs = prefs
        self._communities = communities

    async def actor(self, user_id: int, lang: str) -> Actor:
        is_admin = user_id in self._settings.admins
        coordinator_of = await self._coordinators.communities_of(user_id)
        membership = await self._memberships.get(user_id)
        return Actor(
            user_id=user_id,
            lang=lang,
            member=await self._members.get(user_id),
            membership=membership,
            is_admin=is_admin,
            coordinator_of=coordinator_of,
            current_community=await self._current(user_id, is_admin, coordinator_of, membership),
        )

    async def _current(
        self, user_id: int, is_admin: bool, coordinator_of: frozenset[int], membership: Membership | None
    ) -> int | None:
        """The community a coordinator's commands act in: chosen with /use, else the obvious one."""
        chosen = await self._prefs.community_of(user_id)
        if chosen is not None and (is_admin or chosen in coordinator_of):
            return chosen
        if coordinator_of:
            return min(coordinator_of)
        if is_admin:
            first = await self._communities.all()
            return first[0].id if first else None
        return membership.community_id if membership else None

    async def coordinators(self, community_id: int) -> list[int]:
        """Who hears about a community's wishes: its coordinators, or the super-admins if none."""
        appointed = await self._coordinators.of_community(community_id)
        return appointed or sorted(self._settings.admins)

    async def lang_of(self, user_id: int) -> str:
        member = await self._members.get(user_id)
        return member.lang if member else self._settings.default_lang

    async def langs_of(self, user_ids: list[int]) -> dict[int, str]:
        found = await self._members.get_many(user_ids)
        return {u: (found[u].lang if u in found else self._settings.default_lang) for u in user_ids}

    async def name_of(self, user_id: int) -> str:
        member = await self._members.get(user_id)
        return member.full_name if member else str(user_id)

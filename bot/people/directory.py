"""Who is who: resolves Telegram users to actors and finds a community's coordinators."""

from __future__ import annotations

from bot.models import Membership
from bot.people.policies import Actor
from bot.settings import Settings
from storage.identity import IdentityRepo
from storage.members import MemberRepo
from storage.organisation import CommunityRepo, CoordinatorRepo


class Directory:
    def __init__(
        self,
        settings: Settings,
        members: MemberRepo,
        identities: IdentityRepo,
        coordinators: CoordinatorRepo,
        communities: CommunityRepo,
    ) -> None:
        self._settings = settings
        self._members = members
        self._identities = identities
        self._coordinators = coordinators
        self._communities = communities

    async def actor(self, user_id: int, lang: str) -> Actor:
        is_admin = user_id in self._settings.admins
        who = await self._identities.of(user_id)
        return Actor(
            user_id=user_id,
            lang=lang,
            member=who.member,
            membership=who.membership,
            is_admin=is_admin,
            coordinator_of=who.coordinator_of,
            visitor_of=who.visitor_of,
            current_community=await self._current(
                is_admin, who.coordinator_of, who.membership, who.chosen_community
            ),
        )

    async def _current(
        self,
        is_admin: bool,
        coordinator_of: frozenset[int],
        membership: Membership | None,
        chosen: int | None,
    ) -> int | None:
        """The community a coordinator's commands act in: chosen with /use, else the obvious one."""
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

    async def with_own_menus(self) -> list[int]:
        """People whose command menu is not the members' default: coordinators and super-admins."""
        return sorted({*await self._coordinators.everyone(), *self._settings.admins})

    async def lang_of(self, user_id: int) -> str:
        member = await self._members.get(user_id)
        return member.lang if member else self._settings.default_lang

    async def langs_of(self, user_ids: list[int]) -> dict[int, str]:
        found = await self._members.get_many(user_ids)
        return {u: (found[u].lang if u in found else self._settings.default_lang) for u in user_ids}

    async def name_of(self, user_id: int) -> str:
        member = await self._members.get(user_id)
        return member.full_name if member else str(user_id)

"""Who is who: resolves Telegram users to actors and finds a community's coordinators."""

from __future__ import annotations

from bot.policies import Actor
from bot.settings import Settings
from storage.members import MemberRepo

DEFAULT_COMMUNITY = 1


class Directory:
    def __init__(self, settings: Settings, members: MemberRepo) -> None:
        self._settings = settings
        self._members = members

    async def actor(self, user_id: int, lang: str) -> Actor:
        member = await self._members.get(user_id)
        return Actor(
            user_id=user_id,
            lang=lang,
            member=member,
            is_admin=user_id in self._settings.admins,
        )

    async def coordinators(self, community_id: int) -> list[int]:
        # Until communities have their own coordinators, the configured admins serve them all.
        return sorted(self._settings.admins)

    async def lang_of(self, user_id: int) -> str:
        member = await self._members.get(user_id)
        return member.lang if member else self._settings.default_lang

    async def langs_of(self, user_ids: list[int]) -> dict[int, str]:
        found = await self._members.get_many(user_ids)
        return {u: (found[u].lang if u in found else self._settings.default_lang) for u in user_ids}

    async def name_of(self, user_id: int) -> str:
        member = await self._members.get(user_id)
        return member.full_name if member else str(user_id)

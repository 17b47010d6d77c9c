"""What someone who has not joined a community yet is shown: the communities to ask to join,
and whether a request of theirs already waits for a coordinator."""

from __future__ import annotations

from bot.models import Community, JoinRequest
from storage.organisation import CommunityRepo, JoinRequestRepo


class Newcomers:
    def __init__(self, communities: CommunityRepo, requests: JoinRequestRepo) -> None:
        self._communities = communities
        self._requests = requests

    async def communities(self) -> list[Community]:
        """Every community, in the order they were created."""
        return await self._communities.all()

    async def pending_request(self, user_id: int) -> JoinRequest | None:
        return await self._requests.pending_of(user_id)

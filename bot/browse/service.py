"""/wishes in the core: who may look (the wall's BROWSE policy: members of the community, its
coordinators), the filters read against the community's own categories, and a page of the
wall's own query, so the chat and the Mini App list exactly the same wishes."""

from __future__ import annotations

from bot.browse.buttons import PAGES_MAX
from bot.browse.filters import BrowseFilter, parse_filters
from bot.browse.pages import PAGE_SIZE, BrowsePage
from bot.categories.service import Categories
from bot.errors import DomainError
from bot.people.policies import Actor
from bot.wall.query import WallQuery
from bot.wall.service import WallService


class Browse:
    def __init__(self, *, wall: WallService, categories: Categories) -> None:
        self._wall = wall
        self._categories = categories

    async def read_filters(self, actor: Actor, text: str) -> BrowseFilter:
        """What was typed after /wishes, read against the list of the community they may see."""
        community = await self._wall.community_of(actor)
        return parse_filters(text, await self._categories.book(community.id))

    async def page(self, actor: Actor, wanted: BrowseFilter, page: int) -> BrowsePage:
        """The page asked for, or the last one if the list has shrunk since its button was made."""
        community = await self._wall.community_of(actor)
        book = await self._categories.book(community.id)
        category = None
        if wanted.category is not None:
            entry = book.entry(wanted.category)
            if entry is None:
                # Only a button made elsewhere (another community's, a forged one) names it.
                raise DomainError("err.stale_button")
            category = entry.label(actor.lang)
        page = min(max(page, 0), PAGES_MAX - 1)
        total, wishes = await self._read(actor, wanted, page)
        last = max(0, (total - 1) // PAGE_SIZE)
        if page > last:
            page = last
            total, wishes = await self._read(actor, wanted, page)
        return BrowsePage(
            community=community.name,
            filter=wanted,
            filter_category=category,
            page=page,
            total=total,
            wishes=wishes,
        )

    async def _read(self, actor: Actor, wanted: BrowseFilter, page: int) -> tuple[int, list]:
        found = await self._wall.browse(
            actor,
            WallQuery(
                category=wanted.category,
                max_fen=wanted.max_fen,
                due_within=wanted.due_within,
                limit=PAGE_SIZE,
                offset=page * PAGE_SIZE,
            ),
        )
        return found.total, found.wishes

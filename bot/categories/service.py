"""The categories a community offers and labels wishes with, and its coordinators' changes to
them (each one transaction with its audit entry). `choices` is the one answer to "which
categories, named how" for /newwish, import, /wishes, the wall and the reports."""

from __future__ import annotations

from bot.categories.book import (
    BUILTIN,
    CUSTOM_MAX,
    CategoryBook,
    CategoryChoice,
    CategoryEntry,
    builtin_book,
)
from bot.clock import Clock
from bot.errors import DomainError, InvalidInput, NotFound
from bot.models import Action, CategoryNames
from bot.people.audit import Audit
from bot.people.policies import Actor, check
from storage.categories import CategoryRepo, CustomCategory
from storage.db import Database
from storage.events import EventRepo


def _book(custom: list[CustomCategory]) -> CategoryBook:
    own = tuple(
        CategoryEntry(
            key=c.key, number=c.id, names=CategoryNames(zh=c.name_zh, en=c.name_en), hidden=c.hidden
        )
        for c in custom
    )
    return CategoryBook((*builtin_book().entries, *own))


class Categories:
    def __init__(self, *, db: Database, repo: CategoryRepo, audit: Audit, clock: Clock) -> None:
        self._db = db
        self._repo = repo
        self._audit = audit
        self._clock = clock

    @classmethod
    def build(cls, db: Database, events: EventRepo, clock: Clock) -> Categories:
        return cls(db=db, repo=CategoryRepo(db), audit=Audit(events, clock), clock=clock)

    # --- reading ------------------------------------------------------------------------------

    async def book(self, community_id: int) -> CategoryBook:
        """Every category of the community, hidden ones included (they still label history)."""
        return _book(await self._repo.of_community(community_id))

    async def choices(self, community_id: int, lang: str, *, hidden: bool = False) -> list[CategoryChoice]:
        """The community's categories to offer (the visible ones unless asked), named in `lang`."""
        return (await self.book(community_id)).choices(lang, hidden=hidden)

    async def for_new_wish(self, community_id: int, key: str) -> str:
        """The key, if a new wish of the community may have it: one of its visible categories."""
        if key in BUILTIN:
            return key
        entry = (await self.book(community_id)).entry(key)
        if entry is None or entry.hidden:
            raise InvalidInput("cats.not_offered")
        return key

    async def of_community(self, community_id: int, key: str) -> str:
        """The key, if it is one of the community's categories (hidden ones too)."""
        if key not in BUILTIN and (await self.book(community_id)).entry(key) is None:
            raise InvalidInput("cats.not_offered")
        return key

    # --- coordinators' changes -----------------------------------------------------------------

    async def overview(self, actor: Actor, community_id: int) -> CategoryBook:
        """What /categories shows: the same book, to the community's coordinators only."""
        check(actor, Action.MANAGE_CATEGORIES, None, community_id)
        return await self.book(community_id)

    async def add(self, actor: Actor, community_id: int, names: CategoryNames) -> CategoryEntry:
        check(actor, Action.MANAGE_CATEGORIES, None, community_id)
        async with self._db.transaction() as conn:
            book = _book(await self._repo.of_community(community_id, conn))
            if len(book.custom()) >= CUSTOM_MAX:
                raise DomainError("cats.too_many", max=CUSTOM_MAX)
            _no_clash(book, names)
            added = await self._repo.add(
                conn,
                community_id=community_id,
                name_zh=names.zh,
                name_en=names.en,
                created_by=actor.user_id or None,
                now=self._clock.now(),
            )
            await self._audit.change(
                conn,
                actor,
                "category.add",
                community_id,
                {"category": added.key, "zh": names.zh, "en": names.en},
            )
        return CategoryEntry(key=added.key, number=added.id, names=names)

    async def rename(
        self, actor: Actor, community_id: int, number: int, names: CategoryNames
    ) -> CategoryEntry:
        check(actor, Action.MANAGE_CATEGORIES, None, community_id)
        async with self._db.transaction() as conn:
            book = _book(await self._repo.of_community(community_id, conn))
            entry = _own(book, number)
            _no_clash(book, names, besides=entry.key)
            await self._repo.rename(conn, number, names.zh, names.en, self._clock.now())
            assert entry.names is not None
            await self._audit.change(
                conn,
                actor,
                "category.rename",
                community_id,
                {
                    "category": entry.key,
                    "from": {"zh": entry.names.zh, "en": entry.names.en},
                    "zh": names.zh,
                    "en": names.en,
                },
            )
        return CategoryEntry(key=entry.key, number=number, names=names, hidden=entry.hidden)

    async def set_hidden(self, actor: Actor, community_id: int, number: int, hidden: bool) -> CategoryEntry:
        """Hide (no longer offered for new wishes) or show again; wishes keep it either way."""
        check(actor, Action.MANAGE_CATEGORIES, None, community_id)
        async with self._db.transaction() as conn:
            entry = _own(_book(await self._repo.of_community(community_id, conn)), number)
            changed = await self._repo.set_hidden(conn, number, hidden, self._clock.now())
            if changed is not None:
                action = "category.hide" if hidden else "category.show"
                await self._audit.change(conn, actor, action, community_id, {"category": entry.key})
        return CategoryEntry(key=entry.key, number=number, names=entry.names, hidden=hidden)


def _own(book: CategoryBook, number: int) -> CategoryEntry:
    """One of the community's own categories (a number from another community is not found)."""
    entry = book.numbered(number)
    if entry is None:
        raise NotFound("cats.no_such", number=number)
    return entry


def _no_clash(book: CategoryBook, names: CategoryNames, *, besides: str | None = None) -> None:
    taken = book.clash(names, besides=besides)
    if taken is not None:
        raise InvalidInput("cats.duplicate", name=taken)

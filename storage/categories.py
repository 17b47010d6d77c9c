"""A community's own wish categories (the seven built-in ones are not stored: their names are
texts). A wish names a custom category by its key, 'c' followed by the row's id."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from storage.db import Database, fetch_all, fetch_one, utc_text
from storage.models import CUSTOM_CATEGORY_PREFIX, Frozen


class CustomCategory(Frozen):
    id: int
    community_id: int
    name_zh: str
    name_en: str
    hidden: bool
    created_by: int | None
    created_at: datetime
    updated_at: datetime

    @property
    def key(self) -> str:
        return f"{CUSTOM_CATEGORY_PREFIX}{self.id}"


def category_names(table: str) -> str:
    """A select-list column: the names of the row's custom category as JSON ({"zh": .., "en": ..}),
    NULL for a built-in one. Read with every wish so that any renderer can label it without a
    second query; the CASE keeps built-in keys from looking anything up."""
    return (
        f"CASE WHEN {table}.category GLOB '{CUSTOM_CATEGORY_PREFIX}[0-9]*' THEN"
        " (SELECT json_object('zh', c.name_zh, 'en', c.name_en) FROM wish_categories c"
        f" WHERE c.id = CAST(substr({table}.category, 2) AS INTEGER)"
        f" AND c.community_id = {table}.community_id) END AS category_names"
    )


def category_keys(builtin: Iterable[str]) -> str:
    """A subquery of every key a category of the community `:community` may have (column key)."""
    values = ", ".join(f"('{key}')" for key in builtin)
    return (
        f"SELECT column1 AS key FROM (VALUES {values}) UNION ALL"
        f" SELECT '{CUSTOM_CATEGORY_PREFIX}' || id FROM wish_categories WHERE community_id = :community"
    )


class CategoryRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def of_community(
        self, community_id: int, conn: aiosqlite.Connection | None = None
    ) -> list[CustomCategory]:
        """Every custom category of the community, hidden ones included, oldest first."""
        rows = await fetch_all(
            conn or self._db.quick,
            "SELECT * FROM wish_categories WHERE community_id = ? ORDER BY id",
            (community_id,),
        )
        return [CustomCategory.model_validate(dict(r)) for r in rows]

    async def add(
        self,
        conn: aiosqlite.Connection,
        *,
        community_id: int,
        name_zh: str,
        name_en: str,
        created_by: int | None,
        now: datetime,
    ) -> CustomCategory:
        stamp = utc_text(now)
        row = await fetch_one(
            conn,
            "INSERT INTO wish_categories (community_id, name_zh, name_en, hidden, created_by, created_at,"
            " updated_at) VALUES (?, ?, ?, 0, ?, ?, ?) RETURNING *",
            (community_id, name_zh, name_en, created_by, stamp, stamp),
        )
        assert row is not None
        return CustomCategory.model_validate(dict(row))

    async def rename(
        self, conn: aiosqlite.Connection, category_id: int, name_zh: str, name_en: str, now: datetime
    ) -> CustomCategory | None:
        row = await fetch_one(
            conn,
            "UPDATE wish_categories SET name_zh = ?, name_en = ?, updated_at = ? WHERE id = ? RETURNING *",
            (name_zh, name_en, utc_text(now), category_id),
        )
        return CustomCategory.model_validate(dict(row)) if row else None

    async def set_hidden(
        self, conn: aiosqlite.Connection, category_id: int, hidden: bool, now: datetime
    ) -> CustomCategory | None:
        """None if there is no such row or it already was that way (nothing to record)."""
        row = await fetch_one(
            conn,
            "UPDATE wish_categories SET hidden = ?, updated_at = ? WHERE id = ? AND hidden <> ? RETURNING *",
            (int(hidden), utc_text(now), category_id, int(hidden)),
        )
        return CustomCategory.model_validate(dict(row)) if row else None

"""Members: Telegram users who registered with their real name."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database, fetch_all, fetch_one, utc_text
from storage.models import Member


class MemberRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> Member | None:
        row = await fetch_one(self._db.quick, "SELECT * FROM members WHERE user_id = ?", (user_id,))
        return Member.model_validate(dict(row)) if row else None

    async def get_many(self, user_ids: list[int]) -> dict[int, Member]:
        if not user_ids:
            return {}
        marks = ", ".join("?" for _ in user_ids)
        rows = await fetch_all(self._db.quick, f"SELECT * FROM members WHERE user_id IN ({marks})", user_ids)
        return {int(r["user_id"]): Member.model_validate(dict(r)) for r in rows}

    async def register(self, user_id: int, full_name: str, lang: str, now: datetime) -> Member:
        async with (
            self._db.transaction() as conn,
            conn.execute(
                "INSERT INTO members (user_id, full_name, lang, registered_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET full_name = excluded.full_name,"
                " lang = excluded.lang, unreachable_at = NULL RETURNING *",
                (user_id, full_name, lang, utc_text(now)),
            ) as cur,
        ):
            row = await cur.fetchone()
        assert row is not None
        return Member.model_validate(dict(row))

    async def touch(self, user_id: int, lang: str) -> None:
        """A user who writes to the bot is reachable again and may have changed language."""
        await self._db.write(
            "UPDATE members SET lang = ?, unreachable_at = NULL WHERE user_id = ?"
            " AND (lang <> ? OR unreachable_at IS NOT NULL)",
            (lang, user_id, lang),
        )

    async def mark_unreachable(self, user_id: int, now: datetime) -> bool:
        """True when this is news (the member was reachable until now)."""
        async with (
            self._db.transaction() as conn,
            conn.execute(
                "UPDATE members SET unreachable_at = ? WHERE user_id = ? AND unreachable_at IS NULL"
                " RETURNING user_id",
                (utc_text(now), user_id),
            ) as cur,
        ):
            return await cur.fetchone() is not None

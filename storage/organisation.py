"""Communities (with their settings), branches, memberships and coordinator appointments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from storage.db import Database, fetch_all, fetch_one, utc_text
from storage.models import (
    COMMUNITY_SETTINGS,
    Branch,
    Community,
    Invite,
    JoinRequest,
    Membership,
    MembershipStatus,
)


class CommunityRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, community_id: int) -> Community | None:
        row = await fetch_one(self._db.quick, "SELECT * FROM communities WHERE id = ?", (community_id,))
        return Community.model_validate(dict(row)) if row else None

    async def by_name(self, name: str) -> Community | None:
        async with self._db.reader.execute(
            "SELECT * FROM communities WHERE name = ? COLLATE NOCASE", (name.strip(),)
        ) as cur:
            row = await cur.fetchone()
        return Community.model_validate(dict(row)) if row else None

    async def all(self) -> list[Community]:
        async with self._db.reader.execute("SELECT * FROM communities ORDER BY id") as cur:
            return [Community.model_validate(dict(r)) for r in await cur.fetchall()]

    async def create(self, conn: aiosqlite.Connection, name: str, tz: str, now: datetime) -> Community | None:
        """None when the name is taken."""
        async with conn.execute(
            "INSERT INTO communities (name, tz, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO NOTHING RETURNING *",
            (name, tz, utc_text(now)),
        ) as cur:
            row = await cur.fetchone()
        return Community.model_validate(dict(row)) if row else None

    async def set_setting(self, conn: aiosqlite.Connection, community_id: int, name: str, value: Any) -> None:
        if name not in COMMUNITY_SETTINGS and name != "tz":
            raise ValueError(f"unknown community setting {name!r}")
        # The name is checked against a fixed list above, so it is safe to place in the SQL.
        await conn.execute(f"UPDATE communities SET {name} = ? WHERE id = ?", (value, community_id))


class BranchRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, branch_id: int) -> Branch | None:
        async with self._db.reader.execute(
            "SELECT id, community_id, name FROM branches WHERE id = ?", (branch_id,)
        ) as cur:
            row = await cur.fetchone()
        return Branch.model_validate(dict(row)) if row else None

    async def for_community(self, community_id: int) -> list[Branch]:
        # A few rows by key, read at once: every wall page asks, and through the reader it took
        # three trips, each queued behind other pages' lists (bench/, scenario 7).
        rows = await fetch_all(
            self._db.quick,
            "SELECT id, community_id, name FROM branches WHERE community_id = ? ORDER BY id",
            (community_id,),
        )
        return [Branch.model_validate(dict(r)) for r in rows]

    async def create(
        self, conn: aiosqlite.Connection, community_id: int, name: str, now: datetime
    ) -> Branch | None:
        async with conn.execute(
            "INSERT INTO branches (community_id, name, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (community_id, name) DO NOTHING RETURNING id, community_id, name",
            (community_id, name, utc_text(now)),
        ) as cur:
            row = await cur.fetchone()
        return Branch.model_validate(dict(row)) if row else None

    async def active_member_counts(self, community_id: int) -> dict[int, int]:
        """Active members per branch of a community (branches with none count 0)."""
        async with self._db.reader.execute(
            "SELECT b.id, COUNT(m.user_id) FROM branches b"
            " LEFT JOIN memberships m ON m.branch_id = b.id AND m.status = 'active'"
            " WHERE b.community_id = ? GROUP BY b.id ORDER BY b.id",
            (community_id,),
        ) as cur:
            return {int(r[0]): int(r[1]) for r in await cur.fetchall()}


class MembershipRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int, conn: aiosqlite.Connection | None = None) -> Membership | None:
        row = await fetch_one(
            conn or self._db.quick, "SELECT * FROM memberships WHERE user_id = ?", (user_id,)
        )
        return Membership.model_validate(dict(row)) if row else None

    async def join(
        self,
        conn: aiosqlite.Connection,
        *,
        user_id: int,
        community_id: int,
        branch_id: int,
        phone: str | None,
        now: datetime,
    ) -> Membership:
        stamp = utc_text(now)
        async with conn.execute(
            "INSERT INTO memberships (user_id, community_id, branch_id, status, phone, joined_at, updated_at)"
            " VALUES (?, ?, ?, 'active', ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
            " community_id = excluded.community_id, branch_id = excluded.branch_id, status = 'active',"
            " phone = COALESCE(excluded.phone, memberships.phone), updated_at = excluded.updated_at"
            " RETURNING *",
            (user_id, community_id, branch_id, phone, stamp, stamp),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        return Membership.model_validate(dict(row))

    async def set_status(
        self, conn: aiosqlite.Connection, user_id: int, status: MembershipStatus, now: datetime
    ) -> Membership | None:
        async with conn.execute(
            "UPDATE memberships SET status = ?, updated_at = ? WHERE user_id = ? RETURNING *",
            (status.value, utc_text(now), user_id),
        ) as cur:
            row = await cur.fetchone()
        return Membership.model_validate(dict(row)) if row else None

    async def of_branch(self, branch_id: int, status: MembershipStatus | None = None) -> list[Membership]:
        sql = "SELECT * FROM memberships WHERE branch_id = ?"
        params: list[Any] = [branch_id]
        if status is not None:
            sql += " AND status = ?"
            params.append(status.value)
        async with self._db.reader.execute(sql + " ORDER BY user_id", params) as cur:
            return [Membership.model_validate(dict(r)) for r in await cur.fetchall()]

    async def of_community(self, community_id: int) -> list[Membership]:
        async with self._db.reader.execute(
            "SELECT * FROM memberships WHERE community_id = ? ORDER BY branch_id, user_id", (community_id,)
        ) as cur:
            return [Membership.model_validate(dict(r)) for r in await cur.fetchall()]


class CoordinatorRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def everyone(self) -> list[int]:
        """Every coordinator of any community, once each."""
        rows = await fetch_all(self._db.reader, "SELECT DISTINCT user_id FROM coordinators ORDER BY user_id")
        return [int(r[0]) for r in rows]

    async def of_community(self, community_id: int) -> list[int]:
        rows = await fetch_all(
            self._db.quick,
            "SELECT user_id FROM coordinators WHERE community_id = ? ORDER BY user_id",
            (community_id,),
        )
        return [int(r[0]) for r in rows]

    async def add(
        self, conn: aiosqlite.Connection, community_id: int, user_id: int, by: int | None, now: datetime
    ) -> bool:
        async with conn.execute(
            "INSERT INTO coordinators (community_id, user_id, appointed_by, appointed_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING user_id",
            (community_id, user_id, by, utc_text(now)),
        ) as cur:
            return await cur.fetchone() is not None

    async def remove(self, conn: aiosqlite.Connection, community_id: int, user_id: int) -> bool:
        async with conn.execute(
            "DELETE FROM coordinators WHERE community_id = ? AND user_id = ? RETURNING user_id",
            (community_id, user_id),
        ) as cur:
            return await cur.fetchone() is not None


class InviteRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, conn: aiosqlite.Connection, invite: Invite, now: datetime) -> None:
        await conn.execute(
            "INSERT INTO invites (token, community_id, branch_id, created_by, created_at, expires_at,"
            " max_uses) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                invite.token,
                invite.community_id,
                invite.branch_id,
                invite.created_by,
                utc_text(now),
                utc_text(invite.expires_at),
                invite.max_uses,
            ),
        )

    async def get(self, token: str) -> Invite | None:
        async with self._db.reader.execute("SELECT * FROM invites WHERE token = ?", (token,)) as cur:
            row = await cur.fetchone()
        return Invite.model_validate(dict(row)) if row else None

    async def use(self, conn: aiosqlite.Connection, token: str, now: datetime) -> Invite | None:
        """Count one use, only if the invite is still good: one conditional write decides."""
        async with conn.execute(
            "UPDATE invites SET uses = uses + 1 WHERE token = ? AND revoked = 0 AND uses < max_uses"
            " AND expires_at > ? RETURNING *",
            (token, utc_text(now)),
        ) as cur:
            row = await cur.fetchone()
        return Invite.model_validate(dict(row)) if row else None


class JoinRequestRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def file(
        self,
        conn: aiosqlite.Connection,
        user_id: int,
        full_name: str,
        community_id: int | None,
        now: datetime,
    ) -> JoinRequest | None:
        """None when this user already has a request waiting."""
        async with conn.execute(
            "INSERT INTO join_requests (user_id, full_name, community_id, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING *",
            (user_id, full_name, community_id, utc_text(now)),
        ) as cur:
            row = await cur.fetchone()
        return JoinRequest.model_validate(dict(row)) if row else None

    async def get(self, request_id: int, conn: aiosqlite.Connection | None = None) -> JoinRequest | None:
        async with (conn or self._db.reader).execute(
            "SELECT * FROM join_requests WHERE id = ?", (request_id,)
        ) as cur:
            row = await cur.fetchone()
        return JoinRequest.model_validate(dict(row)) if row else None

    async def pending_of(self, user_id: int) -> JoinRequest | None:
        async with self._db.reader.execute(
            "SELECT * FROM join_requests WHERE user_id = ? AND status = 'pending'", (user_id,)
        ) as cur:
            row = await cur.fetchone()
        return JoinRequest.model_validate(dict(row)) if row else None

    async def decide(
        self, conn: aiosqlite.Connection, request_id: int, status: str, by: int, now: datetime
    ) -> JoinRequest | None:
        """Only a pending request can be decided, once: a second tap finds nothing."""
        async with conn.execute(
            "UPDATE join_requests SET status = ?, decided_by = ?, decided_at = ?"
            " WHERE id = ? AND status = 'pending' RETURNING *",
            (status, by, utc_text(now), request_id),
        ) as cur:
            row = await cur.fetchone()
        return JoinRequest.model_validate(dict(row)) if row else None


class PrefRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_community(self, user_id: int, community_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO user_prefs (user_id, community_id) VALUES (?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET community_id = excluded.community_id",
                (user_id, community_id),
            )

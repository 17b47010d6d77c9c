"""Records in and out: bulk-inserted wishes, repeat-beneficiary look-ups, and erasure of
beneficiaries' personal data (retention and /forget). The figures live in storage/stats.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import aiosqlite

from storage.categories import category_names
from storage.db import Database, utc_text
from storage.models import RepeatHit, Wish
from storage.wishes import row_to_wish

# A wish in one of these states still needs its beneficiary's details to be delivered.
ACTIVE = ("pending", "verified", "open", "claimed", "delivered")
# Terminal states: after retention_days in one of these, phone and address are erased.
CLOSED = ("fulfilled", "cancelled", "rejected")
_CHUNK = 400  # SQLite allows 999 parameters per statement in old builds; stay well below


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


async def _erase_followups(conn: aiosqlite.Connection, wish_ids: Sequence[int]) -> None:
    """What a follow-up visit noted (and its photo: a thank-you letter names its writer) goes
    with the wish's other personal data; its outcome stays for the follow-up rate."""
    if wish_ids:
        await conn.execute(
            f"UPDATE followups SET note = NULL, photo_file_id = NULL WHERE wish_id IN ({_marks(wish_ids)})",
            tuple(wish_ids),
        )


class RecordsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def repeat_candidates(
        self,
        community_id: int,
        names: Iterable[str],
        since: datetime,
        exclude_ids: Sequence[int] = (),
        *,
        latest: int = 5,
    ) -> list[RepeatHit]:
        """Wishes for any of these names that are still in progress or were fulfilled since
        `since`. The caller matches phones (an erased phone matches by name only, as a hint).

        Only the `latest` wishes of each name and phone come back, each carrying how many there
        are in all: a beneficiary helped every month for years must not turn one verification
        card into thousands of rows read (bench/, scenario 6)."""
        unique = sorted(set(names))
        excluded = sorted(set(exclude_ids))
        hits: list[RepeatHit] = []
        for i in range(0, len(unique), _CHUNK):
            chunk = unique[i : i + _CHUNK]
            async with self._db.reader.execute(
                "SELECT wish_id, beneficiary_name, beneficiary_phone, status, fulfilled_at, total FROM ("
                " SELECT id AS wish_id, beneficiary_name, beneficiary_phone, status, fulfilled_at,"
                "  ROW_NUMBER() OVER same_person AS latest_first, COUNT(*) OVER whole_person AS total"
                " FROM wishes"
                f" WHERE community_id = ? AND beneficiary_name IN ({_marks(chunk)})"
                f" AND id NOT IN ({_marks(excluded)})"
                f" AND (status IN ({_marks(ACTIVE)}) OR (status = 'fulfilled' AND fulfilled_at >= ?))"
                " WINDOW same_person AS (PARTITION BY beneficiary_name, beneficiary_phone ORDER BY id DESC),"
                "  whole_person AS (PARTITION BY beneficiary_name, beneficiary_phone)"
                ") WHERE latest_first <= ? ORDER BY wish_id",
                (community_id, *chunk, *excluded, *ACTIVE, utc_text(since), latest),
            ) as cur:
                rows = await cur.fetchall()
            hits += [RepeatHit.model_validate(dict(r)) for r in rows]
        return hits

    async def same_beneficiary(self, community_id: int, name: str, phone: str) -> list[Wish]:
        """Every wish of the community for this person: the same name and the same phone."""
        async with self._db.reader.execute(
            f"SELECT *, {category_names('wishes')} FROM wishes"
            " WHERE community_id = ? AND beneficiary_name = ? AND beneficiary_phone = ?"
            " ORDER BY id",
            (community_id, name, phone),
        ) as cur:
            return [row_to_wish(r) for r in await cur.fetchall()]

    async def expired(self, community_id: int, closed_before: datetime, limit: int) -> list[int]:
        """Closed wishes whose personal data is still held although they closed before the cutoff.

        When a wish closed is the time of the event that moved it into its closing state;
        wishes are never moved out of a closed state, so that event is the last one.
        """
        async with self._db.reader.execute(
            "SELECT w.id FROM wishes w"
            f" WHERE w.community_id = ? AND w.personal_erased_at IS NULL AND w.status IN ({_marks(CLOSED)})"
            " AND COALESCE(w.fulfilled_at,"
            "   (SELECT MAX(e.at) FROM events e WHERE e.wish_id = w.id AND e.to_status = w.status),"
            "   w.updated_at) < ?"
            " ORDER BY w.id LIMIT ?",
            (community_id, *CLOSED, utc_text(closed_before), limit),
        ) as cur:
            return [int(r[0]) for r in await cur.fetchall()]

    async def erase_contact(
        self, conn: aiosqlite.Connection, wish_ids: Sequence[int], now: datetime
    ) -> list[int]:
        """Retention: phone, address and notes go; name, wish and dates stay for the figures."""
        if not wish_ids:
            return []
        async with conn.execute(
            "UPDATE wishes SET beneficiary_phone = '', beneficiary_address = '', notes = NULL,"
            f" personal_erased_at = ? WHERE id IN ({_marks(wish_ids)}) AND personal_erased_at IS NULL"
            " RETURNING id",
            (utc_text(now), *wish_ids),
        ) as cur:
            erased = sorted(int(r[0]) for r in await cur.fetchall())
        await _erase_followups(conn, erased)
        return erased

    async def erase_person(
        self, conn: aiosqlite.Connection, wish_ids: Sequence[int], masked_name: str, now: datetime
    ) -> list[int]:
        """/forget: everything that identifies the person goes, the name is reduced to its mask
        (王**), photos and delivery notes are dropped. Category, wish, value and dates stay."""
        if not wish_ids:
            return []
        async with conn.execute(
            "UPDATE wishes SET beneficiary_name = ?, beneficiary_phone = '', beneficiary_address = '',"
            " notes = NULL, photo_file_id = NULL, delivery_photo_id = NULL, delivery_note = NULL,"
            f" personal_erased_at = COALESCE(personal_erased_at, ?) WHERE id IN ({_marks(wish_ids)})"
            " RETURNING id",
            (masked_name, utc_text(now), *wish_ids),
        ) as cur:
            erased = sorted(int(r[0]) for r in await cur.fetchall())
        await _erase_followups(conn, erased)
        return erased

    async def scrub_sent_messages(self, conn: aiosqlite.Connection, created_before: datetime) -> int:
        """Copies of messages already sent (or given up) lose their text after the retention
        period: a claim notice carries the beneficiary's details and must not outlive them."""
        async with conn.execute(
            "UPDATE outbox SET payload = NULL WHERE status <> 'pending' AND payload IS NOT NULL"
            " AND created_at < ? RETURNING id",
            (utc_text(created_before),),
        ) as cur:
            return len(list(await cur.fetchall()))

    async def scrub_sent_messages_mentioning(self, conn: aiosqlite.Connection, needles: Sequence[str]) -> int:
        """/forget: sent messages whose stored text names the phone or address lose their text."""
        terms = [n for n in needles if n and len(n) >= 5]
        if not terms:
            return 0
        # instr() avoids LIKE's wildcards in user-typed text; payloads are JSON, so the needles
        # are matched as JSON would escape them.
        clause = " OR ".join("instr(payload, ?) > 0" for _ in terms)
        async with conn.execute(
            "UPDATE outbox SET payload = NULL WHERE status <> 'pending' AND payload IS NOT NULL"
            f" AND ({clause}) RETURNING id",
            terms,
        ) as cur:
            return len(list(await cur.fetchall()))

    async def community_ids(self) -> list[int]:
        async with self._db.reader.execute("SELECT id FROM communities ORDER BY id") as cur:
            return [int(r[0]) for r in await cur.fetchall()]

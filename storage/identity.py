"""Who a Telegram user is to the bot, in one query: runs for nearly every update."""

from __future__ import annotations

import json

from storage.db import Database, fetch_one
from storage.models import Identity, Member, Membership

# One row whatever the user is: the four look-ups were four trips to the database thread on
# every tap, and under load each trip waits a turn of the event loop (bench/, scenario 2).
_SQL = (
    "SELECT m.user_id AS m_user_id, m.full_name AS m_full_name, m.lang AS m_lang,"
    " m.registered_at AS m_registered_at, m.unreachable_at AS m_unreachable_at,"
    " s.user_id AS s_user_id, s.community_id AS s_community_id, s.branch_id AS s_branch_id,"
    " s.status AS s_status, s.phone AS s_phone, s.joined_at AS s_joined_at,"
    " (SELECT json_group_array(c.community_id) FROM coordinators c WHERE c.user_id = who.id)"
    " AS coordinator_of,"
    " (SELECT json_group_array(v.community_id) FROM visitors v WHERE v.user_id = who.id)"
    " AS visitor_of,"
    " (SELECT p.community_id FROM user_prefs p WHERE p.user_id = who.id) AS chosen"
    " FROM (SELECT ? AS id) AS who"
    " LEFT JOIN members m ON m.user_id = who.id"
    " LEFT JOIN memberships s ON s.user_id = who.id"
)


class IdentityRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def of(self, user_id: int) -> Identity:
        row = await fetch_one(self._db.quick, _SQL, (user_id,))
        assert row is not None  # the query always yields its one row
        fields = dict(row)

        def part(prefix: str) -> dict[str, object]:
            return {k.removeprefix(prefix): v for k, v in fields.items() if k.startswith(prefix)}

        member = part("m_")
        membership = part("s_")
        return Identity(
            member=Member.model_validate(member) if member["user_id"] is not None else None,
            membership=Membership.model_validate(membership) if membership["user_id"] is not None else None,
            coordinator_of=frozenset(int(c) for c in json.loads(fields["coordinator_of"] or "[]")),
            chosen_community=fields["chosen"],
            visitor_of=frozenset(int(c) for c in json.loads(fields["visitor_of"] or "[]")),
        )

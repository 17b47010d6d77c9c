"""Who a Telegram user is to the bot, in one query: runs for nearly every update."""

from __future__ import annotations

import json

from storage.db import Database, fetch_one
from storage.models import Identity, Member, Membership

# The models' fields, in the order the query selects them (IdentityRepo.of takes them by place).
_MEMBER = ("user_id", "full_name", "lang", "registered_at", "unreachable_at")
_MEMBERSHIP = ("user_id", "community_id", "branch_id", "status", "phone", "joined_at")

# One row whatever the user is: the four look-ups were four trips to the database thread on
# every tap, and under load each trip waits a turn of the event loop (bench/, scenario 2).
_SQL = (
    f"SELECT {', '.join(f'm.{c}' for c in _MEMBER)}, {', '.join(f's.{c}' for c in _MEMBERSHIP)},"
    " (SELECT json_group_array(c.community_id) FROM coordinators c WHERE c.user_id = who.id),"
    " (SELECT json_group_array(v.community_id) FROM visitors v WHERE v.user_id = who.id),"
    " (SELECT p.community_id FROM user_prefs p WHERE p.user_id = who.id)"
    " FROM (SELECT ? AS id) AS who"
    " LEFT JOIN members m ON m.user_id = who.id"
    " LEFT JOIN memberships s ON s.user_id = who.id"
)

_M = len(_MEMBER)
_S = _M + len(_MEMBERSHIP)


class IdentityRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def of(self, user_id: int) -> Identity:
        row = await fetch_one(self._db.quick, _SQL, (user_id,))
        assert row is not None  # the query always yields its one row
        # Taken by position (the select list's order): on every tap of a storm, splitting the
        # row by prefix took as long as the query (bench/, scenario 2).
        values = tuple(row)
        member, membership = values[:_M], values[_M:_S]
        coordinator_of, visitor_of, chosen = values[_S:]
        return Identity(
            member=Member.model_validate(dict(zip(_MEMBER, member, strict=True)))
            if member[0] is not None
            else None,
            membership=(
                Membership.model_validate(dict(zip(_MEMBERSHIP, membership, strict=True)))
                if membership[0] is not None
                else None
            ),
            coordinator_of=_communities(coordinator_of),
            chosen_community=chosen,
            visitor_of=_communities(visitor_of),
        )


_NOWHERE: frozenset[int] = frozenset()


def _communities(listed: str | None) -> frozenset[int]:
    """Communities from a JSON array of ids. Most people coordinate and visit nowhere: their
    "[]" skips the parser (two json.loads were a tenth of reading who someone is)."""
    return _NOWHERE if not listed or listed == "[]" else frozenset(json.loads(listed))

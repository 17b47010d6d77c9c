"""Records of people and where they belong: members, communities with their settings, branches,
memberships, invites, join requests, the groups the bot is in, and who someone is to the bot."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from storage.frozen import Frozen


class Member(Frozen):
    """A Telegram user known to the bot: registered with a real name, optionally a coordinator."""

    user_id: int
    full_name: str
    lang: str
    registered_at: datetime
    unreachable_at: datetime | None = None


class Group(Frozen):
    chat_id: int
    community_id: int
    title: str
    lang: str
    bound_by: int
    bound_at: datetime
    active: bool
    branch_id: int | None = None


class Community(Frozen):
    """A community and its own settings (each program sets its hours, caps and rules)."""

    id: int
    name: str
    tz: str
    created_at: datetime
    four_eyes: bool = False
    member_cap: int = 2
    value_cap_fen: int | None = None
    require_phone: bool = False
    reminder_hour: int = 9
    escalate_after: int = 3
    unclaimed_days: int = 3
    max_extension_days: int = 14
    quiet_start: int = 21
    quiet_end: int = 8
    report_weekday: int = 1  # ISO: 1 = Monday
    report_hour: int = 9
    retention_days: int = 180
    repeat_months: int = 12
    # Service hours and points (migration 0008): hours a delivery records unless the member
    # states others; points per fulfilled wish, a bonus when delivered by the due date, per hour
    # served; a joint wish's points split among its members (0) or each given them whole (1).
    hours_default: int = 2
    points_per_wish: int = 10
    points_on_time_bonus: int = 5
    points_per_hour: int = 0
    points_joint: int = 0
    auto_release_days: int = 0  # 0: off; else a claim overdue this long, reminders unanswered, reopens
    followup_days: int = 14  # a fulfilled wish waits this long for its follow-up visit (回访)


# Settings a coordinator may change, with the range each accepts.
COMMUNITY_SETTINGS: dict[str, tuple[int, int]] = {
    "four_eyes": (0, 1),
    "member_cap": (1, 50),
    "value_cap_fen": (0, 10_000_000),
    "require_phone": (0, 1),
    "reminder_hour": (0, 23),
    "escalate_after": (1, 30),
    "unclaimed_days": (1, 60),
    "max_extension_days": (1, 90),
    "quiet_start": (0, 23),
    "quiet_end": (0, 23),
    "report_weekday": (1, 7),
    "report_hour": (0, 23),
    "retention_days": (1, 3650),
    "repeat_months": (0, 120),
    "hours_default": (0, 24),
    "points_per_wish": (0, 1000),
    "points_on_time_bonus": (0, 1000),
    "points_per_hour": (0, 100),
    "points_joint": (0, 1),
    "auto_release_days": (0, 90),
    "followup_days": (1, 365),
}


class Branch(Frozen):
    id: int
    community_id: int
    name: str


class MembershipStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REMOVED = "removed"


class Membership(Frozen):
    user_id: int
    community_id: int
    branch_id: int
    status: MembershipStatus
    phone: str | None = None
    joined_at: datetime


class Identity(NamedTuple):
    """Everything about a user that decides what they may do (bot/directory.py).

    A tuple, not a model: made from one row of our own schema on nearly every update, where
    validating what its models already validated was a fifth of reading who someone is."""

    member: Member | None
    membership: Membership | None
    coordinator_of: frozenset[int]
    chosen_community: int | None  # picked with /use
    visitor_of: frozenset[int] = frozenset()  # communities that appointed them to follow up (回访)


class Invite(Frozen):
    token: str
    community_id: int
    branch_id: int
    created_by: int
    expires_at: datetime
    max_uses: int
    uses: int
    revoked: bool


class JoinRequest(Frozen):
    id: int
    user_id: int
    full_name: str
    community_id: int | None
    status: str
    created_at: datetime

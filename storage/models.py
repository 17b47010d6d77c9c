"""Domain models shared by the core and storage (storage returns these, never raw rows)."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Re-exported: the core speaks of categories through these models (storage/category_keys.py).
from storage.category_keys import CUSTOM_CATEGORY_PREFIX as CUSTOM_CATEGORY_PREFIX
from storage.category_keys import Category as Category
from storage.category_keys import CategoryKey as CategoryKey
from storage.category_keys import CategoryNames as CategoryNames
from storage.category_keys import StoredCategoryNames as StoredCategoryNames
from storage.category_keys import category_key as category_key
from storage.sources import SourceKind as SourceKind
from storage.sources import WishSource as WishSource


class WishStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    OPEN = "open"
    CLAIMED = "claimed"
    DELIVERED = "delivered"
    FULFILLED = "fulfilled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Beneficiary(Frozen):
    name: str
    phone: str
    address: str


class WishDraft(Frozen):
    """What a coordinator typed; becomes a pending wish on Submit."""

    beneficiary: Beneficiary
    category: CategoryKey
    description: str
    value_fen: int | None = None
    due_date: date
    photo_file_id: str | None = None
    source: WishSource | None = None


class Wish(Frozen):
    id: int
    community_id: int
    status: WishStatus
    beneficiary_name: str
    beneficiary_phone: str
    beneficiary_address: str
    category: CategoryKey
    description: str
    value_fen: int | None
    due_date: date
    photo_file_id: str | None
    created_by: int
    created_at: datetime
    holder_id: int | None
    claimed_at: datetime | None
    delivered_at: datetime | None
    delivery_note: str | None
    delivery_photo_id: str | None
    fulfilled_at: datetime | None
    reason: str | None
    updated_at: datetime
    branch_id: int | None = None
    needed_members: int = 1
    # Everyone holding the claim (one, or up to needed_members for a joint wish); holder_id leads.
    holders: tuple[int, ...] = ()
    # A custom category's names (None for a built-in one, whose names are texts).
    category_names: StoredCategoryNames = None

    @field_validator("holders", mode="before")
    @classmethod
    def _holders_from_json(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(sorted(int(v) for v in json.loads(value) if v is not None))
        return () if value is None else value

    @property
    def is_joint(self) -> bool:
        return self.needed_members > 1

    # Notes that came with an imported wish; when its personal data was erased.
    notes: str | None = None
    personal_erased_at: datetime | None = None
    source_kind: SourceKind | None = None  # where it came from (coordinators only)
    source_name: str | None = None

    @property
    def source(self) -> WishSource | None:
        return WishSource(kind=self.source_kind, name=self.source_name) if self.source_kind else None

    @property
    def code(self) -> str:
        return format_code(self.id)


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


class WishPost(Frozen):
    wish_id: int
    chat_id: int
    message_id: int | None


class Event(Frozen):
    id: int
    wish_id: int | None
    community_id: int | None
    actor_id: int | None
    action: str
    from_status: WishStatus | None
    to_status: WishStatus | None
    at: datetime
    details: dict[str, Any] = Field(default_factory=dict)


class OutboxKind(StrEnum):
    MESSAGE = "message"  # content fixed when the change happened
    CARD = "card"  # a wish's group card: rendered from the wish's state when sent
    REDACT = "redact"  # take a beneficiary's details back from a member's chat
    MENU = "menu"  # a person's command menu, worked out from their roles when sent


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SUPERSEDED = "superseded"
    UNREACHABLE = "unreachable"
    FAILED = "failed"


class Button(Frozen):
    text: str
    callback_data: str | None = None
    url: str | None = None
    # A Mini App's https address, opened inside Telegram (private chats only: groups refuse it).
    web_app: str | None = None


class Rendered(Frozen):
    """A message as the core wants it shown: plain text (no parse mode) and inline buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    photo_file_id: str | None = None
    # A picture the bot made (storage/media.py key); the outbox uploads it, text becomes its caption.
    photo_media: str | None = None


class NewOutbox(Frozen):
    kind: OutboxKind
    chat_id: int
    wish_id: int | None = None
    payload: Rendered | None = None
    # Pending rows sharing a key collapse into the newest one: several edits of one card, one send.
    coalesce_key: str | None = None
    tracks_details: bool = False  # remember the sent message so its details can be redacted
    delay_seconds: float = 0.0  # not to go before this long after it was queued


class OutboxItem(Frozen):
    id: int
    kind: OutboxKind
    chat_id: int
    wish_id: int | None
    payload: Rendered | None
    coalesce_key: str | None
    tracks_details: bool = False
    attempts: int
    not_before: datetime
    status: OutboxStatus


class QueuedRef(NamedTuple):
    """Just enough of a pending outbox row to decide whether it may go now.

    A plain tuple, not a model: the sender looks at hundreds of these per pass and sends a few,
    so it must not pay for parsing payloads it will not send (see OutboxSender._pass).
    """

    id: int
    chat_id: int
    coalesce_key: str | None


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


class Identity(Frozen):
    """Everything about a user that decides what they may do (bot/directory.py)."""

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


# --- reminders, figures and bot-made pictures ----------------------------------------------


class ReminderKind(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    UNCLAIMED = "unclaimed"
    WEEKLY_REPORT = "weekly_report"
    # Kept in tables of their own (storage/subscriptions.py, storage/broadcasts.py), not in
    # `reminders`, but run by the same scheduler.
    DIGEST = "digest"
    BROADCAST_REPORT = "broadcast_report"


class Reminder(Frozen):
    """One scheduled message as recorded: (kind, wish_id, recipient, period) is sent at most once."""

    kind: ReminderKind
    community_id: int
    wish_id: int = 0  # 0: not about one wish (a weekly report)
    recipient: int  # the chat it went to: a member, a coordinator or a group
    period: str  # local date, ISO week, or a due-date key: whatever makes "once" true for the kind
    due_date: date | None = None  # the due date a wish reminder was about (counts restart when it moves)


class PostedWish(Frozen):
    """An open wish and a group it is posted in."""

    chat_id: int
    wish: Wish


class Media(Frozen):
    """A picture the bot made (a report chart), kept until sent; file_id once Telegram has it."""

    key: str
    content: bytes
    mime_type: str
    file_id: str | None = None


class Period(Frozen):
    """A stretch of time for figures: instants for events, local calendar days for due dates."""

    start: datetime  # aware; inclusive
    end: datetime  # aware; exclusive (the moment the figures are taken)
    first_day: date  # the local calendar days the period covers, inclusive
    last_day: date
    label: str


class Figures(Frozen):
    """What happened to a community's wishes in one period: one branch (None: not posted yet) or all.

    Activity counts are distinct wishes with that step in the period. The completion rate is
    due_fulfilled / due: of the wishes whose due date falls in the period (rejected and cancelled
    ones left out), those fulfilled before the period ended. Overdue: wishes held by a member,
    past their due date and not delivered when the period ended.
    """

    branch_id: int | None = None
    collected: int = 0
    verified: int = 0
    posted: int = 0
    claimed: int = 0
    delivered: int = 0
    fulfilled: int = 0
    due: int = 0
    due_fulfilled: int = 0
    overdue: int = 0

    @property
    def completion_rate(self) -> float | None:
        return self.due_fulfilled / self.due if self.due else None

    def plus(self, other: Figures) -> Figures:
        """Sum of two sets of figures (branch_id is kept only when both share it)."""
        names = [n for n in type(self).model_fields if n != "branch_id"]
        summed = {n: getattr(self, n) + getattr(other, n) for n in names}
        same = self.branch_id if self.branch_id == other.branch_id else None
        return Figures(branch_id=same, **summed)


class ImportedWish(Frozen):
    """One checked row of an imported spreadsheet, ready to become a pending wish."""

    row: int  # the spreadsheet row it came from (header = row 1)
    draft: WishDraft
    notes: str | None = None


class RepeatHit(Frozen):
    """An earlier wish of a beneficiary with the same name (storage's answer, phones unmatched)."""

    wish_id: int
    beneficiary_name: str
    beneficiary_phone: str
    status: WishStatus
    fulfilled_at: datetime | None
    total: int = 1  # wishes of this name and phone in all; storage returns only the latest few


def format_code(wish_id: int) -> str:
    """A wish as people name it in every message and command: W-0042."""
    return f"W-{wish_id:04d}"

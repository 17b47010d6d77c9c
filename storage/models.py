"""Domain models shared by the core and storage (storage returns these, never raw rows).

The records of wishes are here; those of people, of what is sent and of reminders and figures are
in modules of their own, re-exported here so that one import serves (bot/models.py builds on it).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

# Re-exported, so that one import names every record (categories: storage/category_keys.py).
from storage.category_keys import CUSTOM_CATEGORY_PREFIX as CUSTOM_CATEGORY_PREFIX
from storage.category_keys import Category as Category
from storage.category_keys import CategoryKey as CategoryKey
from storage.category_keys import CategoryNames as CategoryNames
from storage.category_keys import StoredCategoryNames as StoredCategoryNames
from storage.category_keys import category_key as category_key
from storage.frozen import Frozen as Frozen
from storage.message_models import Button as Button
from storage.message_models import Media as Media
from storage.message_models import NewOutbox as NewOutbox
from storage.message_models import OutboxItem as OutboxItem
from storage.message_models import OutboxKind as OutboxKind
from storage.message_models import OutboxStatus as OutboxStatus
from storage.message_models import QueuedRef as QueuedRef
from storage.message_models import Rendered as Rendered
from storage.people_models import COMMUNITY_SETTINGS as COMMUNITY_SETTINGS
from storage.people_models import Branch as Branch
from storage.people_models import Community as Community
from storage.people_models import Group as Group
from storage.people_models import Identity as Identity
from storage.people_models import Invite as Invite
from storage.people_models import JoinRequest as JoinRequest
from storage.people_models import Member as Member
from storage.people_models import Membership as Membership
from storage.people_models import MembershipStatus as MembershipStatus
from storage.report_models import Figures as Figures
from storage.report_models import Period as Period
from storage.report_models import Reminder as Reminder
from storage.report_models import ReminderKind as ReminderKind
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
        if value == "[]":  # nobody holds it: most wishes read, json.loads skipped
            return ()
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


class PostedWish(Frozen):
    """An open wish and a group it is posted in."""

    chat_id: int
    wish: Wish


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

"""The core's vocabulary: the records storage returns (defined at the bottom, in
storage/models.py, and re-exported here) plus what only the core speaks of: actions on a
wish and repeat beneficiaries as a coordinator sees them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from storage.models import *  # noqa: F403  (the records are the core's words too)
from storage.models import Frozen, WishStatus, format_code


class Action(StrEnum):
    """What an actor does to a wish; the lifecycle maps each to one edge of the state graph."""

    CREATE = "create"
    VERIFY = "verify"
    REJECT = "reject"
    POST = "post"
    CLAIM = "claim"
    RELEASE = "release"
    DELIVER = "deliver"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    CANCEL = "cancel"
    # A delivery nobody can vouch for any more (its holder was removed) goes back to open.
    REOPEN = "reopen"
    # Not wish transitions, but decided by the same policy module.
    JOIN = "join"  # a further member joins a joint wish
    EXTEND = "extend"
    # Handover: the holder offers their claim to another member, who takes it over (claimed stays
    # claimed, with the other holder).
    HANDOVER = "handover"
    TAKE_OVER = "take_over"
    # A coordinator gives a claimed wish to another member (or back to open, as an escalation does).
    REASSIGN = "reassign"
    HISTORY = "history"
    # See a beneficiary's name, phone and address: in a private chat, for the coordinators of
    # the wish's community, super-admins and whoever holds the claim while they hold it.
    VIEW_DETAILS = "view_details"
    # See the open wishes of a community on the wish wall (the Mini App): what its groups see.
    BROWSE = "browse"
    # Add, rename, hide or show again a community's own wish categories.
    MANAGE_CATEGORIES = "manage_categories"
    EXPORT = "export"
    # A member asks for the daily digest of new wishes in their branch; a coordinator messages
    # every member of a branch.
    SUBSCRIBE = "subscribe"
    BROADCAST = "broadcast"
    # Record a beneficiary's follow-up visit (回访) after fulfilment: coordinators, and members
    # their community appointed as visitors.
    FOLLOW_UP = "follow_up"
    INVITE = "invite"
    BIND = "bind"
    MANAGE_MEMBERS = "manage_members"
    ADMINISTER = "administer"  # create communities, appoint coordinators: super-admins only


class EarlierWish(Frozen):
    wish_id: int
    status: WishStatus
    fulfilled_on: date | None  # in the community's time zone

    @property
    def code(self) -> str:
        return format_code(self.wish_id)


class Repeat(Frozen):
    """A beneficiary (same name and phone) who already had a wish in the last `months` months:
    fulfilled then, or still in progress. Flagged for the coordinator, never refused."""

    earlier: tuple[EarlierWish, ...]
    months: int
    name_only: bool = False  # matched by name alone: the earlier wish's phone was erased already
    more: int = 0  # earlier wishes beyond those listed

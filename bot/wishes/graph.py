"""The wish's states and the only moves between them, with the limits of what a change carries.

Everything else in bot/wishes reads the graph from here: the transaction template refuses a
move the table does not list, and the one-trip claim takes its condition from the same row.
"""

from __future__ import annotations

from bot.errors import DomainError
from bot.models import Action, WishStatus

S = WishStatus

# The whole state graph. Nothing else is a legal change of status.
EDGES: dict[Action, tuple[frozenset[WishStatus], WishStatus]] = {
    Action.VERIFY: (frozenset({S.PENDING}), S.VERIFIED),
    Action.REJECT: (frozenset({S.PENDING}), S.REJECTED),
    Action.POST: (frozenset({S.VERIFIED}), S.OPEN),
    Action.CLAIM: (frozenset({S.OPEN}), S.CLAIMED),
    Action.RELEASE: (frozenset({S.CLAIMED}), S.OPEN),
    Action.DELIVER: (frozenset({S.CLAIMED}), S.DELIVERED),
    Action.CONFIRM: (frozenset({S.DELIVERED}), S.FULFILLED),
    Action.DISPUTE: (frozenset({S.DELIVERED}), S.CLAIMED),
    Action.CANCEL: (frozenset({S.PENDING, S.VERIFIED, S.OPEN}), S.CANCELLED),
    Action.REOPEN: (frozenset({S.DELIVERED}), S.OPEN),
}
NEW = S.PENDING  # a wish starts here, from nothing
GRAPH: frozenset[tuple[WishStatus | None, WishStatus]] = frozenset(
    {(None, NEW)} | {(f, to) for froms, to in EDGES.values() for f in froms}
)

# Where the changes that keep the status may happen.
UNCLAIMED = frozenset({S.PENDING, S.VERIFIED, S.OPEN})  # a joint wish's size is set before a claim
CLAIMED = frozenset({S.CLAIMED})  # joining, leaving and a new due date: only while claimed
DELIVERED = frozenset({S.DELIVERED})

MAX_REASON = 500
MAX_NOTE = 1000
MAX_JOINT = 20


def clean_reason(reason: str) -> str:
    """A reason a coordinator must give (a rejection, a cancellation): not empty, not endless."""
    cleaned = reason.strip()
    if not cleaned:
        raise DomainError("val.empty")
    if len(cleaned) > MAX_REASON:
        raise DomainError("val.too_long", max=MAX_REASON)
    return cleaned

"""Points: the rules a community sets, which rules applied when, and what a fulfilled wish earns.

A wish earns its points when it is fulfilled (a coordinator confirms it), under the rules in
force at that moment. Each member who served it gets

    (points_per_wish + points_on_time_bonus if delivered by the due date) [÷ members, if split]
    + points_per_hour × the hours they served

in tenths of a point, rounded half up per wish, so a total is the sum of the lines it is made of.
`points_joint` decides whether a joint wish's points are split among its members (0, the
default: ten points for three members are 3.3 each) or given to each whole (1).

Which rules applied: a change (/set) applies from the moment it is made; a re-application
(/points reapply PERIOD) applies the rules of that moment to wishes fulfilled in the period. For
a wish fulfilled at T the latest recorded of these that reaches T decides: everything is
recomputed from the event log, so the history can always be worked out again.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from fractions import Fraction
from typing import Any

from bot.models import Community, Frozen
from bot.points.hours import from_number, round_tenths
from bot.reports import figures
from storage.db import parse_utc, utc_text
from storage.points import RuleEvent, ServiceEntry

# Setting (as /set names it, and the community's column) -> the rule's field.
RULE_SETTINGS = {
    "points_per_wish": "per_wish",
    "points_on_time_bonus": "on_time_bonus",
    "points_per_hour": "per_hour",
    "points_joint": "joint_shared",
}
REAPPLY = "points.reapply"


class PointsRules(Frozen):
    per_wish: int = 10
    on_time_bonus: int = 5
    per_hour: int = 0
    joint_shared: bool = False

    @classmethod
    def of(cls, community: Community) -> PointsRules:
        return cls(**{rule: getattr(community, setting) for setting, rule in RULE_SETTINGS.items()})

    def as_settings(self) -> dict[str, int]:
        return {setting: int(getattr(self, rule)) for setting, rule in RULE_SETTINGS.items()}


# Before any change, a community has the rules its columns start with (migration 0008).
DEFAULT_RULES = PointsRules()


class RuleBook:
    """The points rules in force at any instant of one community's history."""

    def __init__(self, events: Sequence[RuleEvent]) -> None:
        # Forward: each change of a points setting, with the whole rule set it left in force.
        self._changed_at: list[datetime] = []
        self._changes: list[tuple[int, PointsRules]] = []  # (event id, rules from then on)
        # Re-applications: (event id, from, to, rules).
        self._reapplied: list[tuple[int, datetime, datetime, PointsRules]] = []
        rules = DEFAULT_RULES
        for event in events:
            if event.action == REAPPLY:
                found = _reapplied(event)
                if found is not None:
                    self._reapplied.append((event.id, *found))
                continue
            key, value = event.details.get("key"), event.details.get("value")
            if key not in RULE_SETTINGS or not isinstance(value, int):
                continue
            rules = rules.model_copy(
                update={RULE_SETTINGS[key]: bool(value) if key == "points_joint" else value}
            )
            self._changed_at.append(event.at)
            self._changes.append((event.id, rules))

    def at(self, when: datetime) -> PointsRules:
        index = bisect.bisect_right(self._changed_at, when) - 1
        changed_id, rules = self._changes[index] if index >= 0 else (0, DEFAULT_RULES)
        for event_id, start, end, reapplied in self._reapplied:
            if event_id > changed_id and start <= when < end:
                changed_id, rules = event_id, reapplied
        return rules


def reapply_details(rules: PointsRules, start: datetime, end: datetime, label: str) -> dict[str, Any]:
    """What a re-application records: the rules, and the instants of the period they cover."""
    return {"rules": rules.as_settings(), "from": utc_text(start), "to": utc_text(end), "period": label}


def _reapplied(event: RuleEvent) -> tuple[datetime, datetime, PointsRules] | None:
    details = event.details
    try:
        start, end = parse_utc(details["from"]), parse_utc(details["to"])
        settings = details["rules"]
        rules = PointsRules(
            **{rule: settings[setting] for setting, rule in RULE_SETTINGS.items() if setting in settings}
        )
    except (KeyError, TypeError, ValueError):
        return None  # an entry this code cannot read is not a rule
    if start is None or end is None:
        return None
    return start, end, rules


class Credit(Frozen):
    """What each member who served a wish earned from it (every member earns the same)."""

    wish_id: int
    members: tuple[int, ...]
    hours_tenths: int
    points_tenths: int | None  # None until the wish is fulfilled
    on_time: bool | None
    fulfilled_at: datetime | None


def credit(entry: ServiceEntry, book: RuleBook, default_tenths: int, zone: tzinfo) -> Credit:
    """A wish's service: its hours (the default where none were recorded: wishes delivered
    before hours were) and, once fulfilled, its points under the rules in force then."""
    hours = from_number(entry.hours)
    tenths = default_tenths if hours is None else hours
    members = entry.members
    delivered = figures.local_day(entry.delivered_at or entry.fulfilled_at, zone)
    on_time = figures.on_time(entry.due_date, delivered)
    points = None
    if entry.fulfilled_at is not None and members:
        rules = book.at(entry.fulfilled_at)
        base = Fraction((rules.per_wish + (rules.on_time_bonus if on_time else 0)) * 10)
        share = base if rules.joint_shared else base / len(members)
        points = round_tenths(share) + rules.per_hour * tenths
    return Credit(
        wish_id=entry.wish_id,
        members=members,
        hours_tenths=tenths,
        points_tenths=points,
        on_time=on_time,
        fulfilled_at=entry.fulfilled_at,
    )


class ServiceTotals(Frozen):
    """What service adds up to: wishes fulfilled, hours and points, each in tenths."""

    wishes: int = 0
    hours_tenths: int = 0
    points_tenths: int = 0

    def __add__(self, other: ServiceTotals) -> ServiceTotals:
        return ServiceTotals(
            wishes=self.wishes + other.wishes,
            hours_tenths=self.hours_tenths + other.hours_tenths,
            points_tenths=self.points_tenths + other.points_tenths,
        )

    @classmethod
    def of(cls, credits: Iterable[Credit]) -> ServiceTotals:
        """One member's totals from the credits of the wishes they served (fulfilled ones)."""
        done = [c for c in credits if c.points_tenths is not None]
        return cls(
            wishes=len(done),
            hours_tenths=sum(c.hours_tenths for c in done),
            points_tenths=sum(c.points_tenths or 0 for c in done),
        )


def by_member(credits: Iterable[Credit]) -> dict[int, ServiceTotals]:
    """Every member's totals from the credits of fulfilled wishes."""
    sums: dict[int, list[int]] = {}
    for c in credits:
        if c.points_tenths is None:
            continue
        for user_id in c.members:
            counted = sums.setdefault(user_id, [0, 0, 0])
            counted[0] += 1
            counted[1] += c.hours_tenths
            counted[2] += c.points_tenths
    return {
        user_id: ServiceTotals(wishes=w, hours_tenths=h, points_tenths=p)
        for user_id, (w, h, p) in sums.items()
    }


def overall(credits: Iterable[Credit]) -> ServiceTotals:
    """A whole scope's totals: each wish once, its hours and points summed over its members."""
    wishes = hours = points = 0
    for c in credits:
        if c.points_tenths is None:
            continue
        n = len(c.members)
        wishes += 1
        hours += c.hours_tenths * n
        points += c.points_tenths * n
    return ServiceTotals(wishes=wishes, hours_tenths=hours, points_tenths=points)

"""Why wishes go back to open: the reasons a release gives (asked in the chat, typed on the wall,
or the scheduler's "auto"), counted for the branch report; and the auto-release of a stale
claim, the same release edge written only if the claim is still exactly as the scheduler saw it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace
from enum import StrEnum
from typing import Any

from bot.errors import InvalidInput
from bot.models import Action, NewOutbox, Wish
from bot.people.policies import Actor
from bot.texts import t
from bot.wishes.effects import Effect, Outcome, notices_to, taken_back
from bot.wishes.graph import MAX_REASON
from bot.wishes.transitions import Change, Transitions, edge


class ReleaseReason(StrEnum):
    UNREACHABLE = "unreachable"  # couldn't reach the beneficiary
    NO_TIME = "no_time"
    CHANGED = "changed"  # the wish changed
    OTHER = "other"  # with the words typed for it
    AUTO = "auto"  # overdue with the reminders unanswered (bot/reminders/auto_release.py)


# What the chat's Release asks, in this order; AUTO is never chosen by a person.
ASKED: tuple[ReleaseReason, ...] = (
    ReleaseReason.UNREACHABLE,
    ReleaseReason.NO_TIME,
    ReleaseReason.CHANGED,
    ReleaseReason.OTHER,
)
# How the branch report counts a release with no reason chosen: words alone (other), or a
# coordinator taking the wish back (back to open, to another member, a member removed).
TAKEN_BACK = "taken_back"
COUNTED: tuple[str, ...] = (*(r.value for r in ReleaseReason), TAKEN_BACK)


def reason_of(details: Mapping[str, Any], action: str = "release") -> str:
    """The reason a release event counts under (one of COUNTED)."""
    if action == "reassign":
        # A coordinator gave it to someone else: the former holder's claim ended by their hand.
        return TAKEN_BACK
    kind = details.get("reason_kind")
    if isinstance(kind, str) and kind in ReleaseReason.__members__.values():
        return kind
    if details.get("reason"):
        return ReleaseReason.OTHER.value
    if details.get("by_holder") is False or "removed" in details:
        return TAKEN_BACK
    return ReleaseReason.OTHER.value  # a holder leaving a joint wish without a word


def ended_claims(action: str, actor_id: int | None, details: Mapping[str, Any]) -> list[int]:
    """Whose claim a release event ended: the holders it had, the one who left a joint wish, or
    the former holders of a reassigned one."""
    if action == "leave":
        member = details.get("member", actor_id)
        return [member] if isinstance(member, int) else []
    if action == "reassign":
        before, to = details.get("from"), details.get("to")
        return [h for h in before if isinstance(h, int) and h != to] if isinstance(before, list) else []
    holders = details.get("holders")
    return [h for h in holders if isinstance(h, int)] if isinstance(holders, list) else []


def count_reasons(
    releases: Iterable[tuple[Iterable[int], Mapping[str, Any], str]], members: set[int]
) -> dict[str, int]:
    """Releases by reason among those that ended a claim of one of `members` (each release is
    (the holders it ended, its event details, its action)), in the order of COUNTED, zeros
    left out."""
    found: Counter[str] = Counter()
    for holders, details, action in releases:
        if members.intersection(holders):
            found[reason_of(details, action)] += 1
    return {kind: found[kind] for kind in COUNTED if found[kind]}


def reasons_line(counts: Mapping[str, int], lang: str) -> str:
    """'couldn't reach the beneficiary 2; no time 1', or the word for none."""
    if not counts:
        return t(lang, "release.report_none")
    parts = [
        t(lang, "release.report_part", reason=t(lang, f"release.reason_{k}"), n=n) for k, n in counts.items()
    ]
    return t(lang, "sep.clauses").join(parts)


def clean_reason(kind: ReleaseReason | None, text: str) -> str:
    """The words given with a release: at most MAX_REASON; 'other' needs some."""
    text = text.strip()
    if len(text) > MAX_REASON:
        raise InvalidInput("val.too_long", max=MAX_REASON)
    if kind is ReleaseReason.OTHER and not text:
        raise InvalidInput("val.empty")
    return text


# --- auto-release ------------------------------------------------------------------------------


class AutoRelease:
    """The scheduler's release of a stale claim, through the lifecycle's template."""

    def __init__(self, transitions: Transitions) -> None:
        self._template = transitions

    async def release_stale(self, actor: Actor, wish: Wish, *, days: int, reminders: int) -> Wish:
        """Back to open, if the wish is still exactly as read (same holder, same due date, no
        change since): a holder who answered in the meantime keeps it. The holders and the
        coordinators are told why; the group cards show it open again."""
        details: dict[str, object] = {
            "holders": list(wish.holders),
            "by_holder": False,
            "reason_kind": ReleaseReason.AUTO.value,
            "overdue_days": days,
            "reminders": reminders,
        }
        change = edge(
            Action.RELEASE, {"holder_id": None, "claimed_at": None}, details=details, clear_holders=True
        )
        change = Change(
            change.action,
            replace(change.write, as_read=wish),
            auto_released(days, reminders),
            details=change.details,
        )
        ctx = await self._template.context(wish, actor, reason_kind=ReleaseReason.AUTO.value)
        return await self._template.apply(actor, wish, change, ctx)


def auto_released(days: int, reminders: int) -> Effect:
    """The details leave the holders' chats; they and the coordinators hear why."""

    def effect(o: Outcome) -> list[NewOutbox]:
        code, holder, lang = o.after.code, o.ctx.holder_name or "?", o.ctx.lang
        items = [*o.cards]
        for uid in o.before.holders:
            text = t(lang(uid), "release.auto_holder", code=code, days=days, reminders=reminders)
            items += taken_back(uid, o.after.id, text)
        return items + notices_to(
            o.ctx.coordinators, o.ctx.langs, "release.auto_coordinators",
            code=code, holder=holder, days=days, reminders=reminders,
        )  # fmt: skip

    return effect

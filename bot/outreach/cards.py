"""What subscriptions and broadcasts look like: pure renderers, no storage, no Telegram.

A digest is a header and then each wish's group card (masked name and category, the Claim
button of the group's card): members see a beneficiary's details only once they hold a wish.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.models import Branch, Button, Rendered, Wish
from bot.outreach.buttons import (
    BroadcastBranchCallback,
    BroadcastButton,
    BroadcastConfirmCallback,
    BroadcastDraft,
)
from bot.texts import t
from bot.wishes import cards
from storage.broadcasts import BroadcastStatus

# Telegram's limits, less room for the line naming the branch and the sender.
MAX_TEXT = 3500
MAX_CAPTION = 900
MAX_NAMED = 20  # unreachable members named in a report; the rest are counted


def categories_text(lang: str, labels: Sequence[str]) -> str:
    if not labels:
        return t(lang, "sub.all_categories")
    return t(lang, "sep.list").join(labels)


def digest(lang: str, branch: str, wishes: Sequence[Wish], more: int) -> list[Rendered]:
    header = t(lang, "sub.digest_header", branch=branch, count=len(wishes))
    if more:
        header += "\n" + t(lang, "sub.digest_more", count=more)
    return [Rendered(text=header), *(cards.group_card(w, lang) for w in wishes)]


def subscribed(lang: str, branch: str, labels: Sequence[str], hour: int) -> str:
    return t(lang, "sub.subscribed", branch=branch, categories=categories_text(lang, labels), hour=hour)


def branch_choice(lang: str, branches: Sequence[Branch]) -> Rendered:
    return Rendered(
        text=t(lang, "bc.choose_branch"),
        buttons=tuple(
            (Button(text=b.name, callback_data=BroadcastBranchCallback(branch_id=b.id).pack()),)
            for b in branches
        ),
    )


def message(lang: str, branch: str, sender: str, text: str, photo_file_id: str | None) -> Rendered:
    """What each member receives."""
    return Rendered(
        text=t(lang, "bc.message", branch=branch, sender=sender, text=text), photo_file_id=photo_file_id
    )


def preview(
    lang: str,
    draft: BroadcastDraft,
    *,
    branch: str,
    sender: str,
    members: int,
    unreachable: int,
    held_until: datetime | None,
) -> list[Rendered]:
    """The message as members will see it, then what will happen, with Send and Cancel."""
    assert draft.text is not None
    lines = [t(lang, "bc.preview_header", branch=branch, count=members)]
    if unreachable:
        lines.append(t(lang, "bc.preview_unreachable", count=unreachable))
    if held_until is not None:
        lines.append(t(lang, "bc.preview_quiet", time=held_until.strftime("%H:%M")))
    buttons = (
        (
            Button(
                text=t(lang, "btn.bc_send"),
                callback_data=BroadcastConfirmCallback(action=BroadcastButton.SEND, token=draft.token).pack(),
            ),
            Button(
                text=t(lang, "btn.bc_cancel"),
                callback_data=BroadcastConfirmCallback(
                    action=BroadcastButton.CANCEL, token=draft.token
                ).pack(),
            ),
        ),
    )
    return [
        message(lang, branch, sender, draft.text, draft.photo_file_id),
        Rendered(text="\n".join(lines), buttons=buttons),
    ]


def report(lang: str, status: BroadcastStatus, branch: str, when: str, names: Sequence[str]) -> Rendered:
    counts = status.counts
    lines = [
        t(
            lang,
            "bc.report",
            branch=branch,
            when=when,
            delivered=counts.delivered,
            unreachable=counts.unreachable,
        )
    ]
    if names:
        shown = t(lang, "sep.list").join(names[:MAX_NAMED])
        if len(names) > MAX_NAMED:
            shown += t(lang, "sep.list") + t(lang, "bc.more_names", count=len(names) - MAX_NAMED)
        lines.append(t(lang, "bc.report_names", names=shown))
    return Rendered(text="\n".join(lines))


def status_lines(lang: str, found: Sequence[tuple[BroadcastStatus, str, str]]) -> str:
    """/broadcasts: (status, branch name, local time) per broadcast, newest first."""
    if not found:
        return t(lang, "bc.none")
    lines = [t(lang, "bc.status_header")]
    for status, branch, when in found:
        counts = status.counts
        lines.append(
            t(
                lang,
                "bc.status_line",
                id=status.broadcast.id,
                when=when,
                branch=branch,
                delivered=counts.delivered,
                unreachable=counts.unreachable,
                waiting=counts.waiting,
            )
        )
    return "\n".join(lines)

"""What reminders look like: the messages of the due-soon, overdue, escalation and nudge passes
and their buttons, built by pure functions (no storage, no Telegram)."""

from __future__ import annotations

from datetime import date

from bot.callbacks import ReminderButton, ReminderCallback, WishButton, WishCallback
from bot.categories.book import label_of
from bot.models import Button, NewOutbox, OutboxKind, Rendered, Wish
from bot.texts import t
from bot.wishes import cards

# One message lists at most this many wishes with buttons (Telegram allows 100 buttons a message).
MAX_LISTED = 10


def message_to(chat_id: int, rendered: Rendered) -> NewOutbox:
    return NewOutbox(kind=OutboxKind.MESSAGE, chat_id=chat_id, payload=rendered)


def reminder_button(lang: str, action: ReminderButton, wish_id: int, label_key: str, **params: str) -> Button:
    return Button(
        text=t(lang, label_key, **params),
        callback_data=ReminderCallback(action=action, wish_id=wish_id).pack(),
    )


def holder_buttons(lang: str, wish: Wish, *, with_code: bool) -> tuple[Button, ...]:
    """Mark delivered (the existing delivery flow), Need more time, Release."""
    code = {"code": wish.code} if with_code else {}
    suffix = "_code" if with_code else ""
    return (
        Button(
            text=t(lang, f"btn.deliver{suffix}", **code),
            callback_data=WishCallback(action=WishButton.DELIVER, wish_id=wish.id).pack(),
        ),
        reminder_button(lang, ReminderButton.MORE_TIME, wish.id, f"btn.more_time{suffix}", **code),
        reminder_button(lang, ReminderButton.RELEASE, wish.id, f"btn.release{suffix}", **code),
    )


def _wish_line(wish: Wish, lang: str) -> str:
    return t(
        lang,
        "remind.wish_line",
        description=wish.description,
        masked=cards.mask_name(wish.beneficiary_name),
        category=label_of(wish, lang),
    )


def due_soon_card(wish: Wish, lang: str, today: date) -> Rendered:
    key = "remind.due_today" if wish.due_date <= today else "remind.due_tomorrow"
    lines = [
        t(lang, key, code=wish.code, due=cards.format_date(wish.due_date)),
        _wish_line(wish, lang),
        t(lang, "remind.due_footer"),
    ]
    return Rendered(text="\n".join(lines), buttons=(holder_buttons(lang, wish, with_code=False),))


def overdue_card(wishes: list[Wish], lang: str, today: date) -> Rendered:
    lines = [t(lang, "remind.overdue_header", count=len(wishes))]
    for wish in wishes[:MAX_LISTED]:
        lines.append(
            t(
                lang,
                "remind.overdue_line",
                code=wish.code,
                description=wish.description,
                due=cards.format_date(wish.due_date),
                days=(today - wish.due_date).days,
            )
        )
    if len(wishes) > MAX_LISTED:
        lines.append(t(lang, "remind.overdue_more", count=len(wishes) - MAX_LISTED))
    lines.append(t(lang, "remind.overdue_footer"))
    single = len(wishes) == 1
    buttons = tuple(holder_buttons(lang, w, with_code=not single) for w in wishes[:MAX_LISTED])
    return Rendered(text="\n".join(lines), buttons=buttons)


def escalation_card(
    wish: Wish, lang: str, today: date, *, holder: str, reminders: int, unreachable: bool
) -> Rendered:
    params = {
        "code": wish.code,
        "description": wish.description,
        "days": (today - wish.due_date).days,
        "due": cards.format_date(wish.due_date),
        "holder": holder,
    }
    if unreachable:
        head = t(lang, "chase.escalation_unreachable", **params)
    else:
        head = t(lang, "chase.escalation", count=reminders, **params)
    text = head + "\n\n" + t(lang, "chase.escalation_footer", holder=holder)
    buttons = (
        (
            reminder_button(lang, ReminderButton.EXTEND, wish.id, "btn.extend"),
            reminder_button(lang, ReminderButton.REASSIGN, wish.id, "btn.reassign"),
            reminder_button(lang, ReminderButton.KEEP, wish.id, "btn.keep_chasing"),
        ),
    )
    return Rendered(text=text, buttons=buttons)


def nudge_card(wishes: list[Wish], lang: str, days: int) -> Rendered:
    """Goes to a group: masked name and category only, like the wish cards."""
    lines = [t(lang, "nudge.header", days=days)]
    for wish in wishes:
        lines.append(
            t(
                lang,
                "nudge.line",
                code=wish.code,
                masked=cards.mask_name(wish.beneficiary_name),
                category=label_of(wish, lang),
                description=wish.description,
                due=cards.format_date(wish.due_date),
            )
        )
    lines.append(t(lang, "nudge.footer"))
    buttons = tuple(
        (
            Button(
                text=t(lang, "btn.claim_code", code=w.code),
                callback_data=WishCallback(action=WishButton.CLAIM, wish_id=w.id).pack(),
            ),
        )
        for w in wishes
    )
    return Rendered(text="\n".join(lines), buttons=buttons)


def without_wish(rendered: Rendered, wish_id: int, note: str) -> Rendered:
    """A reminder after one of its wishes was dealt with: that wish's buttons go, a line says why."""
    packed = {ReminderCallback(action=a, wish_id=wish_id).pack() for a in ReminderButton} | {
        WishCallback(action=a, wish_id=wish_id).pack() for a in WishButton
    }
    rows = tuple(
        kept for row in rendered.buttons if (kept := tuple(b for b in row if b.callback_data not in packed))
    )
    return Rendered(text=rendered.text + "\n\n" + note, buttons=rows)

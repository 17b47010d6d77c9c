"""Pure renderers for wish cards and notices: no Telegram, no I/O, testable on their own.

Two audiences, two renderers: `group_card` is the only one that may reach a group and shows
the masked name and category only; `detail_lines` carries the beneficiary's personal data and
is only used for coordinators and the current holder in private chats.
"""

from __future__ import annotations

from datetime import date
from typing import overload

from bot.callbacks import (
    BranchCallback,
    BranchPurpose,
    HoursBy,
    ReminderButton,
    ReminderCallback,
    RequestButton,
    RequestCallback,
    WishButton,
    WishCallback,
)
from bot.categories.book import label_of
from bot.models import Branch, Button, JoinRequest, Rendered, Repeat, Wish, WishStatus
from bot.points.hours import format_tenths, hours_rows
from bot.texts import t
from bot.wishes.sources import source_text


def mask_name(name: str) -> str:
    """王小明 -> 王**; the length is hidden too so short names are not guessable."""
    stripped = name.strip()
    return (stripped[:1] or "?") + "**"


@overload
def format_value(value_fen: int) -> str: ...
@overload
def format_value(value_fen: None) -> None: ...
@overload
def format_value(value_fen: int | None) -> str | None: ...
def format_value(value_fen: int | None) -> str | None:
    if value_fen is None:
        return None
    yuan, fen = divmod(value_fen, 100)
    return f"{yuan}" if fen == 0 else f"{yuan}.{fen:02d}"


def format_date(day: date) -> str:
    return day.isoformat()


def wish_button(lang: str, action: WishButton, wish_id: int) -> Button:
    return Button(
        text=t(lang, f"btn.{action.name.lower()}"),
        callback_data=WishCallback(action=action, wish_id=wish_id).pack(),
    )


def _summary_lines(wish: Wish, lang: str) -> list[str]:
    lines = [t(lang, "card.wish", description=wish.description)]
    value = format_value(wish.value_fen)
    if value is not None:
        lines.append(t(lang, "card.value", value=value))
    lines.append(t(lang, "card.due", due=format_date(wish.due_date)))
    return lines


def _status_line(wish: Wish, lang: str, holder_name: str | None) -> str:
    status = t(lang, f"status.{wish.status.value}")
    if holder_name and wish.status in (WishStatus.CLAIMED, WishStatus.DELIVERED):
        return t(lang, "card.status_held", status=status, holder=holder_name)
    return t(lang, "card.status", status=status)


def group_card(
    wish: Wish, lang: str, holder_name: str | None = None, wall_link: str | None = None
) -> Rendered:
    """The card shown in group chats. Never the full name, phone or address. With `wall_link`
    (bot/wall/links.py), a card that can be claimed also links to it on the wish wall."""
    lines = [
        t(lang, "card.title", code=wish.code),
        t(
            lang,
            "card.beneficiary",
            masked=mask_name(wish.beneficiary_name),
            category=label_of(wish, lang),
        ),
        *_summary_lines(wish, lang),
        _status_line(wish, lang, holder_name),
    ]
    buttons: tuple[tuple[Button, ...], ...] = ()
    if wish.is_joint:
        lines.insert(2, t(lang, "card.joint", needed=wish.needed_members))
        if wish.status is WishStatus.OPEN or (
            wish.status is WishStatus.CLAIMED and len(wish.holders) < wish.needed_members
        ):
            label = t(lang, "btn.join", k=len(wish.holders), n=wish.needed_members)
            data = WishCallback(action=WishButton.CLAIM, wish_id=wish.id).pack()
            buttons = ((Button(text=label, callback_data=data),),)
    elif wish.status is WishStatus.OPEN:
        buttons = ((wish_button(lang, WishButton.CLAIM, wish.id),),)
    if buttons and wall_link:
        buttons = (*buttons, (Button(text=t(lang, "btn.open_wall"), url=wall_link),))
    return Rendered(text="\n".join(lines), buttons=buttons)


def detail_lines(wish: Wish, lang: str) -> list[str]:
    """Full delivery details: private chats of coordinators and the current holder only."""
    return [
        t(lang, "card.title", code=wish.code),
        t(lang, "card.full_name", name=wish.beneficiary_name),
        t(lang, "card.phone", phone=wish.beneficiary_phone or t(lang, "card.erased")),
        t(lang, "card.address", address=wish.beneficiary_address or t(lang, "card.erased")),
        t(lang, "card.category", category=label_of(wish, lang)),
        *_summary_lines(wish, lang),
        *([t(lang, "card.notes", notes=wish.notes)] if wish.notes else []),
    ]


def coordinator_card(
    wish: Wish,
    lang: str,
    holder_name: str | None = None,
    repeat: Repeat | None = None,
    hours: int | None = None,
) -> Rendered:
    """What a coordinator sees of a wish, with the buttons its state allows them; with `hours`
    (a delivered or fulfilled wish's service hours, in tenths), those and, before confirmation,
    buttons to confirm with other hours."""
    lines = detail_lines(wish, lang)
    if (source := source_text(wish.source, lang)) is not None:
        lines.append(t(lang, "src.line", source=source))  # who recommended it: coordinators only
    if repeat is not None:
        key = "card.repeat_name_only" if repeat.name_only else "card.repeat"
        lines.append(t(lang, key, months=repeat.months, earlier=earlier_text(repeat, lang)))
    if wish.photo_file_id:
        lines.append(t(lang, "card.photo_attached"))
    lines.append(_status_line(wish, lang, holder_name))
    if wish.reason and wish.status in (WishStatus.REJECTED, WishStatus.CANCELLED):
        lines.append(t(lang, "card.reason", reason=wish.reason))
    if wish.delivery_note and wish.status in (WishStatus.DELIVERED, WishStatus.FULFILLED):
        lines.append(t(lang, "card.delivery_note", note=wish.delivery_note))
    served = hours is not None and wish.status in (WishStatus.DELIVERED, WishStatus.FULFILLED)
    if served and hours is not None:
        lines.append(t(lang, "hp.card_hours", hours=format_tenths(hours)))
    actions: tuple[WishButton, ...] = ()
    if wish.status is WishStatus.PENDING:
        actions = (WishButton.VERIFY, WishButton.REJECT)
    elif wish.status is WishStatus.VERIFIED:
        actions = (WishButton.POST,)
    elif wish.status is WishStatus.DELIVERED:
        actions = (WishButton.CONFIRM, WishButton.DISPUTE)
    buttons: tuple[tuple[Button, ...], ...] = (
        (tuple(wish_button(lang, a, wish.id) for a in actions),) if actions else ()
    )
    if served and hours is not None and wish.status is WishStatus.DELIVERED:
        buttons += hours_rows(lang, wish.id, HoursBy.COORDINATOR, hours)
    return Rendered(text="\n".join(lines), buttons=buttons)


def holder_card(wish: Wish, lang: str, *, intro: bool = False) -> Rendered:
    """The holder's private view: details plus what they can do next."""
    lines = []
    if intro:
        lines.append(t(lang, "notice.claimed_details", code=wish.code))
    lines += detail_lines(wish, lang)
    lines.append(_status_line(wish, lang, None))
    buttons: tuple[tuple[Button, ...], ...] = ()
    if wish.status is WishStatus.CLAIMED:
        if intro:
            lines.append(t(lang, "notice.claimed_footer"))
        buttons = (
            (
                wish_button(lang, WishButton.DELIVER, wish.id),
                wish_button(lang, WishButton.RELEASE, wish.id),
            ),
        )
        # Need more time is the reminders' own flow (handlers/reminders.py), offered here too so
        # a holder need not wait for the reminder the day before the due date.
        more_time = Button(
            text=t(lang, "btn.more_time"),
            callback_data=ReminderCallback(action=ReminderButton.MORE_TIME_DETAILS, wish_id=wish.id).pack(),
        )
        if wish.is_joint:  # a joint wish's member steps out with Release instead of a handover
            buttons = (*buttons, (more_time,))
        else:
            buttons = (*buttons, (more_time, wish_button(lang, WishButton.HANDOVER, wish.id)))
    return Rendered(text="\n".join(lines), buttons=buttons)


# A delivery photo is a Telegram file_id (sent in the chat) or, uploaded through the wish wall,
# a picture kept in storage/media.py until the outbox has sent it: then this prefix and its key.
MEDIA_REF = "media:"


def media_ref(key: str) -> str:
    return MEDIA_REF + key


def delivery_report(
    wish: Wish, lang: str, holder_name: str, hours: int | None = None, stated: bool = False
) -> Rendered:
    """To coordinators: Confirm or Dispute; with the hours recorded, and other hours to confirm
    with (the member's own or the community's default: `stated`)."""
    lines = [t(lang, "notice.delivered", holder=holder_name, code=wish.code, description=wish.description)]
    if wish.delivery_note:
        lines.append(t(lang, "card.delivery_note", note=wish.delivery_note))
    if hours is not None:
        key = "hp.card_hours_stated" if stated else "hp.card_hours_default"
        lines.append(t(lang, key, hours=format_tenths(hours)))
    photo = wish.delivery_photo_id
    uploaded = photo.removeprefix(MEDIA_REF) if photo and photo.startswith(MEDIA_REF) else None
    return Rendered(
        text="\n".join(lines),
        buttons=_confirm_rows(wish, lang, hours),
        photo_file_id=None if uploaded else photo,
        photo_media=uploaded,
    )


def hours_stated_report(wish: Wish, lang: str, holder_name: str, hours: int) -> Rendered:
    """To coordinators: a member states other hours for a delivery not yet confirmed."""
    text = t(
        lang,
        "hp.notice_stated",
        holder=holder_name,
        code=wish.code,
        description=wish.description,
        hours=format_tenths(hours),
    )
    return Rendered(text=text, buttons=_confirm_rows(wish, lang, hours))


def _confirm_rows(wish: Wish, lang: str, hours: int | None) -> tuple[tuple[Button, ...], ...]:
    rows: tuple[tuple[Button, ...], ...] = (
        (wish_button(lang, WishButton.CONFIRM, wish.id), wish_button(lang, WishButton.DISPUTE, wish.id)),
    )
    if hours is not None:
        rows += hours_rows(lang, wish.id, HoursBy.COORDINATOR, hours)
    return rows


def removed_holder_delivery(wish: Wish, lang: str, holder_name: str) -> Rendered:
    """To coordinators: the member who reported this delivery was removed; they decide."""
    return Rendered(
        text=t(
            lang,
            "notice.removed_holder_delivered",
            holder=holder_name,
            code=wish.code,
            description=wish.description,
        ),
        buttons=(
            (
                wish_button(lang, WishButton.CONFIRM, wish.id),
                wish_button(lang, WishButton.REOPEN, wish.id),
            ),
        ),
    )


def join_request_card(request: JoinRequest, lang: str, branches: list[Branch] | None = None) -> Rendered:
    """Sent to coordinators: approve (choosing a branch when there are several) or decline."""
    text = t(lang, "org.request_card", name=request.full_name, user_id=request.user_id)
    decline = Button(
        text=t(lang, "btn.decline"),
        callback_data=RequestCallback(
            action=RequestButton.DECLINE, request_id=request.id, branch_id=0
        ).pack(),
    )
    if branches:
        rows = tuple(
            (
                Button(
                    text=t(lang, "btn.approve_into", branch=b.name),
                    callback_data=RequestCallback(
                        action=RequestButton.APPROVE, request_id=request.id, branch_id=b.id
                    ).pack(),
                ),
            )
            for b in branches
        )
        return Rendered(text=text + "\n" + t(lang, "org.choose_branch"), buttons=(*rows, (decline,)))
    approve = Button(
        text=t(lang, "btn.approve"),
        callback_data=RequestCallback(
            action=RequestButton.APPROVE, request_id=request.id, branch_id=0
        ).pack(),
    )
    return Rendered(text=text, buttons=((approve, decline),))


def branch_choice(lang: str, text: str, branches: list[Branch], purpose: BranchPurpose) -> Rendered:
    return Rendered(
        text=text,
        buttons=tuple(
            (Button(text=b.name, callback_data=BranchCallback(purpose=purpose, branch_id=b.id).pack()),)
            for b in branches
        ),
    )


def earlier_text(repeat: Repeat, lang: str) -> str:
    """'W-0012 fulfilled on 2026-03-01, W-0020 (open for claiming)'."""
    parts = [
        t(lang, "imp.earlier_fulfilled", code=e.code, day=format_date(e.fulfilled_on))
        if e.fulfilled_on
        else t(lang, "imp.earlier_active", code=e.code, status=t(lang, f"status.{e.status.value}"))
        for e in repeat.earlier
    ]
    if repeat.more:
        parts.append(t(lang, "imp.earlier_more", count=repeat.more))
    return t(lang, "sep.list").join(parts)

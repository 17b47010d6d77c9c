"""Pure renderers for follow-ups: the questions and their buttons, the waiting list, the notices
and the weekly report's lines. No Telegram, no I/O.

Beneficiaries appear masked (王**) everywhere here; a follow-up's note and photo go only to the
coordinators' private chats (recorded_notice), never to a group or to the members thanked.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from bot.callbacks import FollowupButton, FollowupCallback
from bot.codes import format_code
from bot.models import Button, Rendered, Wish
from bot.reports.figures import format_percent
from bot.texts import t
from bot.wishes.cards import mask_name
from storage.followups import FollowUp, FollowupFigures, Outcome, WaitingWish

NOTE_MAX = 500
# What a follow-up's photo may be, as for the wall's delivery photos (bot/wall/service.py).
PHOTO_MAX_BYTES = 5 * 1024 * 1024

OUTCOME_BUTTONS = {
    Outcome.SATISFIED: FollowupButton.SATISFIED,
    Outcome.PARTLY: FollowupButton.PARTLY,
    Outcome.NOT: FollowupButton.NOT,
}
BUTTON_OUTCOMES = {button: outcome for outcome, button in OUTCOME_BUTTONS.items()}


def _button(lang: str, key: str, action: FollowupButton, wish_id: int, **params: object) -> Button:
    return Button(
        text=t(lang, key, **params), callback_data=FollowupCallback(action=action, wish_id=wish_id).pack()
    )


def outcome_label(outcome: Outcome, lang: str) -> str:
    return t(lang, f"fu.outcome.{outcome.value}")


def ask_outcome(wish: Wish, lang: str) -> Rendered:
    text = t(
        lang,
        "fu.ask_outcome",
        code=wish.code,
        masked=mask_name(wish.beneficiary_name),
        description=wish.description,
    )
    row = tuple(_button(lang, f"fu.outcome.{o.value}", b, wish.id) for o, b in OUTCOME_BUTTONS.items())
    return Rendered(text=text, buttons=(row,))


def ask_note(wish: Wish, lang: str) -> Rendered:
    skip = _button(lang, "btn.skip", FollowupButton.SKIP, wish.id)
    return Rendered(text=t(lang, "fu.ask_note", code=wish.code, max=NOTE_MAX), buttons=((skip,),))


def ask_photo(wish: Wish, lang: str) -> Rendered:
    skip = _button(lang, "btn.skip", FollowupButton.SKIP, wish.id)
    return Rendered(
        text=t(lang, "fu.ask_photo", code=wish.code, max=PHOTO_MAX_BYTES // (1024 * 1024)), buttons=((skip,),)
    )


def recorded(followup: FollowUp, wish: Wish, lang: str) -> str:
    return t(lang, "fu.recorded", code=wish.code, outcome=outcome_label(followup.outcome, lang))


def _days(since: datetime, now: datetime) -> int:
    return max(0, (now - since).days)


def waiting_line(item: WaitingWish, lang: str, zone: tzinfo, now: datetime) -> str:
    return t(
        lang,
        "fu.waiting_line",
        code=format_code(item.wish_id),
        masked=mask_name(item.beneficiary_name),
        description=item.description,
        day=item.fulfilled_at.astimezone(zone).date().isoformat(),
        days=_days(item.fulfilled_at, now),
        holders=item.holders or "-",
    )


def waiting_list(
    items: list[WaitingWish],
    total: int,
    *,
    days: int,
    everything: bool,
    lang: str,
    zone: tzinfo,
    now: datetime,
) -> Rendered:
    """/followups: one line and one button per wish (at most the first few), oldest first."""
    if not items:
        return Rendered(text=t(lang, "fu.none_waiting_all" if everything else "fu.none_waiting", days=days))
    head = t(lang, "fu.waiting_all_head" if everything else "fu.waiting_head", days=days, count=total)
    lines = [head, *(waiting_line(item, lang, zone, now) for item in items)]
    if total > len(items):
        lines.append(t(lang, "fu.waiting_more", count=total - len(items)))
    lines.append(t(lang, "fu.waiting_hint"))
    buttons = tuple(
        (_button(lang, "fu.btn_start", FollowupButton.START, item.wish_id, code=format_code(item.wish_id)),)
        for item in items
    )
    return Rendered(text="\n".join(lines)[:4096], buttons=buttons)


def recorded_notice(
    wish: Wish, outcome: Outcome, note: str | None, photo_file_id: str | None, recorder: str, lang: str
) -> Rendered:
    """To the community's coordinators, privately: the answer, the note and the photo."""
    lines = [
        t(
            lang,
            "fu.notice",
            name=recorder,
            code=wish.code,
            description=wish.description,
            outcome=outcome_label(outcome, lang),
        )
    ]
    if note:
        lines.append(t(lang, "fu.notice_note", note=note))
    text = "\n".join(lines)
    return Rendered(text=text[:1024] if photo_file_id else text[:4096], photo_file_id=photo_file_id)


def thanks(wish: Wish, lang: str) -> Rendered:
    """To the members who delivered it: the beneficiary was satisfied. Nothing personal."""
    return Rendered(text=t(lang, "fu.thanks", code=wish.code, description=wish.description))


# --- the weekly report ----------------------------------------------------------------------------


def rate_line(figures: FollowupFigures | None, days: int, lang: str) -> str | None:
    """The follow-up rate ("事事有回应" as a figure), or None when there is nothing to count yet."""
    if figures is None or not figures.counted or figures.rate is None:
        return None
    return t(
        lang,
        "fu.report_rate",
        rate=format_percent(figures.rate),
        done=figures.done,
        counted=figures.counted,
        days=days,
    )


def report_waiting(
    items: list[WaitingWish], total: int, *, days: int, lang: str, zone: tzinfo, now: datetime
) -> str | None:
    """For the coordinators' copy of the weekly report only: who is still waiting for a visit."""
    if not total:
        return None
    lines = [t(lang, "fu.report_waiting", count=total, days=days)]
    lines += [waiting_line(item, lang, zone, now) for item in items]
    if total > len(items):
        lines.append(t(lang, "fu.waiting_more", count=total - len(items)))
    return "\n".join(lines)[:4096]

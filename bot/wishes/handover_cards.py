"""What handover shows, built by pure functions: the holder's list of members to offer a wish to,
the link to forward, and the offer as its recipient sees it (masked like a group card: until they
accept, the beneficiary's details are not theirs to see)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.callbacks import HandoverAnswerCallback, HandoverButton, HandoverCallback
from bot.models import Button, Rendered, Wish
from bot.texts import t
from bot.wishes import cards
from storage.handover import Candidate, HandoverOffer

LINK_PREFIX = "ho_"  # /start payloads of handover links (handlers/people/start.py)


def candidates_card(
    wish: Wish, lang: str, members: Sequence[Candidate], page: int, pages: int, *, has_branch: bool
) -> Rendered:
    """One page of the holder's branch as buttons, paging when there are more, and the link."""
    if members:
        text = t(lang, "handover.choose", code=wish.code)
    else:
        text = t(lang, "handover.nobody" if has_branch else "handover.no_branch", code=wish.code)
    rows: list[tuple[Button, ...]] = [
        (_button(m.name, HandoverButton.PICK, wish.id, m.user_id),) for m in members
    ]
    if pages > 1:
        paging = []
        if page > 0:
            paging.append(_button(t(lang, "handover.prev"), HandoverButton.PAGE, wish.id, page - 1))
        paging.append(
            _button(t(lang, "handover.page", page=page + 1, pages=pages), HandoverButton.PAGE, wish.id, page)
        )
        if page + 1 < pages:
            paging.append(_button(t(lang, "handover.next"), HandoverButton.PAGE, wish.id, page + 1))
        rows.append(tuple(paging))
    rows.append((_button(t(lang, "handover.make_link"), HandoverButton.LINK, wish.id, 0),))
    return Rendered(text=text, buttons=tuple(rows))


def offered_text(wish: Wish, lang: str, name: str, until: str) -> str:
    return t(lang, "handover.offered", code=wish.code, name=name, until=until)


def link_text(wish: Wish, lang: str, link: str, until: str) -> str:
    return t(lang, "handover.link", code=wish.code, link=link, until=until)


def link_of(bot_username: str, offer: HandoverOffer) -> str:
    return f"https://t.me/{bot_username}?start={LINK_PREFIX}{offer.token}"


def offer_card(wish: Wish, lang: str, offer: HandoverOffer, *, from_name: str, until: str) -> Rendered:
    """The offer with Accept and Decline: what the wish is, never who it is for."""
    text = "\n\n".join(
        [
            t(lang, "handover.offer_head", name=from_name, code=wish.code),
            cards.group_card(wish, lang).text,
            t(lang, "handover.offer_footer", name=from_name, until=until),
        ]
    )
    buttons = (
        (
            Button(
                text=t(lang, "handover.accept"),
                callback_data=HandoverAnswerCallback(token=offer.token, answer="y").pack(),
            ),
            Button(
                text=t(lang, "handover.decline"),
                callback_data=HandoverAnswerCallback(token=offer.token, answer="n").pack(),
            ),
        ),
    )
    return Rendered(text=text, buttons=buttons)


def _button(label: str, action: HandoverButton, wish_id: int, value: int) -> Button:
    return Button(
        text=label, callback_data=HandoverCallback(action=action, wish_id=wish_id, value=value).pack()
    )

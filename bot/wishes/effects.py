"""The messages each change of a wish causes, as outbox rows: one small function per change.

The functions are pure: everything they need (who the coordinators are, everyone's language,
names) is read before the transaction into an `EffectsContext`, so the transaction only writes.
Group cards are not rendered here: a card row says "refresh this card", and the sender renders
the wish as it is when it sends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.categories.book import label_of
from bot.models import Action, NewOutbox, OutboxKind, Rendered, Wish, WishPost
from bot.people.policies import Actor
from bot.points.hours import format_tenths
from bot.texts import FALLBACK, t
from bot.wishes import cards


@dataclass(frozen=True)
class EffectsContext:
    """What a change's messages need besides the wish itself."""

    coordinators: tuple[int, ...] = ()  # who hears of the community's wishes
    langs: Mapping[int, str] = field(default_factory=dict)  # of everyone who may be told
    holder_name: str | None = None  # the holders' names before the change, as a card shows them
    reason: str = ""  # a dispute's reason, for the holders; a release's, for the coordinators
    reason_kind: str = ""  # a release's reason as chosen from buttons (bot/wishes/releases.py)
    by_holder: bool = False  # a new due date a holder asked for (not one a coordinator set)
    removed: int | None = None  # a member removed from the program, and their name
    removed_name: str = ""
    # Service hours (tenths) a delivery records or a change of them states (bot/points/hours.py),
    # and whether the member stated them (not the community's default).
    hours: int | None = None
    hours_stated: bool = False

    def lang(self, user_id: int) -> str:
        return self.langs.get(user_id, FALLBACK)


@dataclass(frozen=True)
class Outcome:
    """One change as its messages see it: the wish before (read inside the transaction) and after."""

    actor: Actor
    before: Wish
    after: Wish
    cards: list[NewOutbox]  # refreshes of the wish's group cards
    ctx: EffectsContext


@dataclass(frozen=True)
class Created:
    """New wishes (one typed in, or a whole imported sheet) as their messages see them."""

    actor: Actor
    wishes: Sequence[Wish]
    ctx: EffectsContext


Effect = Callable[[Outcome], list[NewOutbox]]
CreationEffect = Callable[[Created], list[NewOutbox]]


def card_key(wish_id: int, chat_id: int) -> str:
    return f"card:{wish_id}:{chat_id}"


def card_refreshes(wish: Wish, posts: Iterable[WishPost], settle_seconds: float) -> list[NewOutbox]:
    """Every change of a posted wish refreshes its cards; rendering happens at send time.

    An edit of a card already in its group waits a few seconds: a busy card changes several
    times in a row (a storm, a joint wish filling up), and a group allows 20 messages a
    minute. Whatever changed meanwhile goes out in one edit (bench/, scenario 3).
    """
    return [
        NewOutbox(
            kind=OutboxKind.CARD,
            chat_id=post.chat_id,
            wish_id=wish.id,
            coalesce_key=card_key(wish.id, post.chat_id),
            delay_seconds=settle_seconds if post.message_id is not None else 0.0,
        )
        for post in posts
    ]


# --- the changes of state ----------------------------------------------------------------------


def cards_only(o: Outcome) -> list[NewOutbox]:
    return list(o.cards)


def claimed(o: Outcome) -> list[NewOutbox]:
    """The new holder gets the beneficiary's details (the same card serves a joint wish's joiner).

    Rendered when sent (bot/messaging/writer.py), not here: in a storm claims come far faster
    than one private chat a second, and rendering each card at the tap was ~8% of the event
    loop's time (bench/, scenario 2). Sent later, it shows the wish as it is then.
    """
    return [
        *o.cards,
        NewOutbox(kind=OutboxKind.DETAILS, chat_id=o.actor.user_id, wish_id=o.after.id, tracks_details=True),
    ]


def released(o: Outcome) -> list[NewOutbox]:
    # The details leave every former holder's chat with the claim.
    items = [*o.cards, *(_redact(uid, o.after.id) for uid in o.before.holders)]
    if o.actor.user_id in o.before.holders:
        return items + _releasenotices_to(o, o.ctx.holder_name or "?")
    return items + notices_to(
        o.before.holders, o.ctx.langs, "notice.released_by_coordinator", code=o.after.code
    )


def reopened(o: Outcome) -> list[NewOutbox]:
    items = [*o.cards, *(_redact(uid, o.after.id) for uid in o.before.holders)]
    return items + notices_to(
        o.before.holders, o.ctx.langs, "notice.released_by_coordinator", code=o.after.code
    )


def delivered(o: Outcome) -> list[NewOutbox]:
    report, ctx = o.actor.display_name, o.ctx
    return o.cards + [
        message_to(uid, cards.delivery_report(o.after, ctx.lang(uid), report, ctx.hours, ctx.hours_stated))
        for uid in ctx.coordinators
    ]


def confirmed(o: Outcome) -> list[NewOutbox]:
    """The holders are thanked; told the hours too when the coordinator confirmed other ones."""
    items = list(o.cards)
    for uid in o.after.holders:
        lang = o.ctx.lang(uid)
        text = t(lang, "notice.fulfilled_thanks", code=o.after.code)
        if o.ctx.hours is not None:
            text += "\n" + t(lang, "hp.notice_confirmed_hours", hours=format_tenths(o.ctx.hours))
        items += taken_back(uid, o.after.id, text)
    return items


def hours_stated(o: Outcome) -> list[NewOutbox]:
    """A holder states other hours before confirmation: the coordinators hear it, with the
    delivery's buttons again (no group card shows hours, so none is refreshed)."""
    assert o.ctx.hours is not None
    return [
        message_to(
            uid, cards.hours_stated_report(o.after, o.ctx.lang(uid), o.actor.display_name, o.ctx.hours)
        )
        for uid in o.ctx.coordinators
        if uid != o.actor.user_id
    ]


def hours_corrected(o: Outcome) -> list[NewOutbox]:
    """A coordinator records other hours: the members who served it are told."""
    assert o.ctx.hours is not None
    hours = format_tenths(o.ctx.hours)
    return notices_to(
        [uid for uid in o.after.holders if uid != o.actor.user_id], o.ctx.langs, "hp.notice_corrected",
        code=o.after.code, hours=hours,
    )  # fmt: skip


def disputed(o: Outcome) -> list[NewOutbox]:
    items = list(o.cards)
    for uid in o.after.holders:
        lang = o.ctx.lang(uid)
        reason = o.ctx.reason or t(lang, "notice.none")
        notice = t(lang, "notice.disputed", code=o.after.code, reason=reason)
        items.append(with_details(uid, o.after, lang, notice))
    return items


def rejected(o: Outcome) -> list[NewOutbox]:
    creator = o.before.created_by
    if creator == o.actor.user_id:
        return list(o.cards)
    notice = t(o.ctx.lang(creator), "notice.rejected", code=o.after.code, reason=o.after.reason or "")
    return [*o.cards, notice_to(creator, notice)]


# --- changes that keep the status ----------------------------------------------------------------


def extended(o: Outcome) -> list[NewOutbox]:
    """Coordinators hear of a holder's request; the holders and the other coordinators hear of a
    coordinator's decision."""
    old, due, code, langs = (
        o.before.due_date.isoformat(),
        o.after.due_date.isoformat(),
        o.after.code,
        o.ctx.langs,
    )
    me = o.actor.user_id
    if o.ctx.by_holder:
        return o.cards + notices_to(
            [uid for uid in o.ctx.coordinators if uid != me], langs, "notice.extended_by_holder",
            holder=o.actor.display_name, code=code, description=o.after.description, old=old, due=due,
        )  # fmt: skip
    others = [uid for uid in o.ctx.coordinators if uid != me and uid not in o.after.holders]
    return (
        o.cards
        + notices_to(o.after.holders, langs, "notice.extended_by_coordinator", code=code, old=old, due=due)
        + notices_to(
            others, langs, "notice.extended_by_other", actor=o.actor.display_name, code=code, old=old, due=due
        )
    )


def left(o: Outcome) -> list[NewOutbox]:
    """One of several holders stepped out: the details leave their chat, the coordinators hear."""
    return left_on_removal(o) + _releasenotices_to(o, o.actor.display_name)


def _releasenotices_to(o: Outcome, holder: str) -> list[NewOutbox]:
    """The coordinators hear that a holder gave a wish back, and why if they said (a reason
    chosen from buttons in each coordinator's own language)."""
    ctx = o.ctx
    told = ctx.reason or ctx.reason_kind
    key = "notice.released_with_reason" if told else "notice.released_to_coordinators"
    items = []
    for uid in ctx.coordinators:
        reason = reason_text(ctx.lang(uid), ctx.reason_kind, ctx.reason)
        items.append(notice_to(uid, t(ctx.lang(uid), key, holder=holder, code=o.after.code, reason=reason)))
    return items


def reason_text(lang: str, kind: str, text: str) -> str:
    """A release's reason as people read it: the chosen reason, with the words typed for it."""
    if not kind or kind == "other":
        return text
    label = t(lang, f"release.reason_{kind}")
    return t(lang, "release.reason_with_text", label=label, text=text) if text else label


def left_on_removal(o: Outcome) -> list[NewOutbox]:
    """A removed member's place in a joint wish: the others keep it; the coordinators hear of the
    removal as a whole."""
    gone = [uid for uid in o.before.holders if uid not in o.after.holders]
    return [*o.cards, *(_redact(uid, o.after.id) for uid in gone)]


def holder_removed(o: Outcome) -> list[NewOutbox]:
    """A delivery whose member was removed stays as it is for the coordinators to confirm or
    reopen; the member's copies of the details are taken back. Nothing changes on the cards."""
    assert o.ctx.removed is not None
    asked = [
        message_to(uid, cards.removed_holder_delivery(o.before, o.ctx.lang(uid), o.ctx.removed_name))
        for uid in o.ctx.coordinators
    ]
    return [_redact(o.ctx.removed, o.after.id), *asked]


# What each action of the graph (and each named change beside it) sends.
EFFECTS: dict[Action, Effect] = {
    Action.VERIFY: cards_only,
    Action.REJECT: rejected,
    Action.POST: cards_only,
    Action.CLAIM: claimed,
    Action.RELEASE: released,
    Action.DELIVER: delivered,
    Action.CONFIRM: confirmed,
    Action.DISPUTE: disputed,
    Action.CANCEL: cards_only,
    Action.REOPEN: reopened,
    Action.JOIN: claimed,
    Action.EXTEND: extended,
}


# --- new wishes ----------------------------------------------------------------------------------


def new_pending(c: Created) -> list[NewOutbox]:
    """Every other coordinator hears of a wish to review."""
    (wish,) = c.wishes
    return [
        notice_to(
            uid,
            t(
                c.ctx.lang(uid),
                "notice.new_pending",
                code=wish.code,
                category=label_of(wish, c.ctx.lang(uid)),
                description=wish.description,
            ),
        )
        for uid in c.ctx.coordinators
        if uid != c.actor.user_id
    ]


def imported(c: Created) -> list[NewOutbox]:
    """One notice per other coordinator for a whole imported sheet, not one per wish."""
    first, last = c.wishes[0].code, c.wishes[-1].code
    return notices_to(
        [uid for uid in c.ctx.coordinators if uid != c.actor.user_id], c.ctx.langs, "imp.notice_imported",
        name=c.actor.display_name, count=len(c.wishes), first=first, last=last,
    )  # fmt: skip


# --- outbox rows ---------------------------------------------------------------------------------


def _details(chat_id: int, rendered: Rendered, wish_id: int) -> NewOutbox:
    """A private message with a beneficiary's details, tracked so it can be taken back."""
    return NewOutbox(
        kind=OutboxKind.MESSAGE, chat_id=chat_id, wish_id=wish_id, payload=rendered, tracks_details=True
    )


def with_details(chat_id: int, wish: Wish, lang: str, notice: str) -> NewOutbox:
    """A notice above the holder's card with the beneficiary's details (tracked, to take back)."""
    card = cards.holder_card(wish, lang)
    return _details(chat_id, Rendered(text=f"{notice}\n\n{card.text}", buttons=card.buttons), wish.id)


def _redact(chat_id: int, wish_id: int) -> NewOutbox:
    return NewOutbox(kind=OutboxKind.REDACT, chat_id=chat_id, wish_id=wish_id)


def taken_back(chat_id: int, wish_id: int, text: str) -> list[NewOutbox]:
    """The details leave a former holder's chat, and they are told why."""
    return [_redact(chat_id, wish_id), notice_to(chat_id, text)]


def notices_to(
    user_ids: Iterable[int], langs: Mapping[int, str], key: str, **params: object
) -> list[NewOutbox]:
    """The same notice to several people, each in their own language."""
    return [notice_to(uid, t(langs.get(uid, FALLBACK), key, **params)) for uid in user_ids]


def notice_to(chat_id: int, text: str) -> NewOutbox:
    return NewOutbox(kind=OutboxKind.MESSAGE, chat_id=chat_id, payload=Rendered(text=text))


def message_to(chat_id: int, rendered: Rendered) -> NewOutbox:
    return NewOutbox(kind=OutboxKind.MESSAGE, chat_id=chat_id, payload=rendered)

"""Handover: a holder who cannot deliver offers their claim to another member of the community,
named (from a list of their branch) or through a link they forward; the other accepts or
declines within OFFER_HOURS.

The accept is one transition of the lifecycle (claimed stays claimed, with the other holder),
in one transaction with the offer's answer: the offer is taken with a conditional UPDATE from
'pending', so of two members following one link at once exactly one gets the wish, and the
wish's write applies only while the offerer still holds it. The details move with the claim:
the new holder gets them (tracked), the offerer's copies are taken back like a release's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

import aiosqlite

from bot.clock import Clock
from bot.codes import format_code
from bot.errors import DomainError, IllegalTransition, InvalidInput, NotAllowed
from bot.models import Action, NewOutbox, Wish, WishStatus
from bot.people.directory import Directory
from bot.people.policies import Actor, allowed
from bot.texts import FALLBACK, t
from bot.timing import community_zone, in_quiet_hours
from bot.wishes.effects import Effect, Outcome, message_to, notice_to, taken_back, with_details
from bot.wishes.graph import CLAIMED
from bot.wishes.handover_cards import offer_card
from bot.wishes.transitions import Change, Explain, Transitions, wrong_state
from storage.db import Database
from storage.events import EventRepo
from storage.handover import Candidate, HandoverOffer, HandoverRepo, OfferStatus
from storage.outbox import OutboxRepo
from storage.quick import Fetcher
from storage.wishes import HolderCap, WishRepo, WishWrite

S = WishStatus
OFFER_HOURS = 48
PAGE = 8  # members per page of the holder's list (buttons)


class OfferGone(DomainError):
    """The offer no longer applies: answered, replaced, or the wish is no longer the offerer's."""

    key = "handover.gone"


@dataclass(frozen=True)
class CandidatesPage:
    wish: Wish
    members: list[Candidate]
    page: int
    pages: int
    has_branch: bool  # False: the holder serves in no branch of the wish's community


class Handovers:
    def __init__(
        self,
        *,
        db: Database,
        transitions: Transitions,
        wishes: WishRepo,
        events: EventRepo,
        outbox: OutboxRepo,
        offers: HandoverRepo,
        directory: Directory,
        clock: Clock,
    ) -> None:
        self._db = db
        self._template = transitions
        self._wishes = wishes
        self._events = events
        self._outbox = outbox
        self._offers = offers
        self._directory = directory
        self._clock = clock

    # --- the holder's side ------------------------------------------------------------------

    async def offerable(self, actor: Actor, wish_id: int) -> Wish:
        """The wish, if the actor may offer it now: they hold it alone and it is claimed."""
        wish = await self._template.checked(actor, Action.HANDOVER, wish_id)
        if wish.status is not S.CLAIMED:
            raise wrong_state(Action.HANDOVER, wish)
        if wish.is_joint:
            raise DomainError("handover.joint", code=wish.code)
        return wish

    async def candidates(self, actor: Actor, wish_id: int, page: int = 0) -> CandidatesPage:
        """The members of the holder's branch they may offer the wish to, one page of them."""
        wish = await self.offerable(actor, wish_id)
        membership = actor.membership
        if membership is None or membership.community_id != wish.community_id:
            return CandidatesPage(wish, [], 0, 1, has_branch=False)
        total, _ = await self._offers.branch_members(
            membership.branch_id, exclude=actor.user_id, limit=0, offset=0
        )
        pages = max(1, -(-total // PAGE))
        page = min(max(page, 0), pages - 1)
        _, members = await self._offers.branch_members(
            membership.branch_id, exclude=actor.user_id, limit=PAGE, offset=page * PAGE
        )
        return CandidatesPage(wish, members, page, pages, has_branch=True)

    async def offer(self, actor: Actor, wish_id: int, to_user: int | None) -> tuple[HandoverOffer, Wish]:
        """Offer the wish to one member (who is told, with Accept / Decline) or, with no one
        named, make a link for the holder to forward. An earlier pending offer of the wish
        lapses: one offer at a time."""
        wish = await self.offerable(actor, wish_id)
        target_name = ""
        if to_user is not None:
            if to_user == actor.user_id:
                raise InvalidInput("handover.self")
            target = await self._directory.actor(to_user, FALLBACK)
            target_name = await self._directory.name_of(to_user)
            if not allowed(target, Action.TAKE_OVER, wish, wish.community_id):
                await self._template.refused(actor, Action.HANDOVER, wish, f"not a member: {to_user}")
                raise InvalidInput("handover.not_member", name=target_name)
        now = self._clock.now()
        expires = now + timedelta(hours=OFFER_HOURS)
        community = await self._template.community(wish.community_id)
        lang = await self._directory.lang_of(to_user) if to_user is not None else FALLBACK
        async with self._db.transaction() as conn:
            offer = await self._offers.create(
                conn,
                token=secrets.token_urlsafe(12),
                wish_id=wish.id,
                community_id=wish.community_id,
                from_user=actor.user_id,
                to_user=to_user,
                now=now,
                expires_at=expires,
            )
            await self._events.append(
                conn, action="handover_offer", at=now, actor_id=actor.user_id, wish_id=wish.id,
                community_id=wish.community_id,
                details={"to": to_user, "link": to_user is None, "expires": expires.isoformat()},
            )  # fmt: skip
            if to_user is not None:
                until = local_text(expires, community_zone(community, UTC))
                card = offer_card(wish, lang, offer, from_name=actor.display_name, until=until)
                await self._outbox.enqueue(conn, [message_to(to_user, card)], now)
        self._template.on_outbox()
        return offer, wish

    async def until(self, offer: HandoverOffer) -> str:
        """When the offer lapses, in its community's time zone."""
        community = await self._template.community(offer.community_id)
        return local_text(offer.expires_at, community_zone(community, UTC))

    # --- the other member's side --------------------------------------------------------------

    async def view(self, actor: Actor, token: str) -> tuple[HandoverOffer, Wish, str]:
        """An offer as whoever follows its link sees it (masked, like a group card), if it is
        theirs to answer; with the offerer's name."""
        offer, wish = await self._answerable(actor, token)
        return offer, wish, await self._directory.name_of(offer.from_user)

    async def accept(self, actor: Actor, token: str) -> Wish:
        """Take the claim over: the offer's answer and the change of holder in one transaction."""
        offer, wish = await self._answerable(actor, token)
        community = await self._template.community(wish.community_id)
        cap = HolderCap(actor.user_id, community.member_cap)
        write = WishWrite(
            from_statuses=CLAIMED,
            # claimed_at stays: the wish has been held without a break since it was claimed, so
            # the weeks it was overdue in (bot/reports) stay as they were.
            set_fields={"holder_id": actor.user_id},
            held_by=offer.from_user,  # still the offerer's, or nothing is written
            clear_holders=True,
            add_holder=actor.user_id,
            cap=cap,
        )
        change = Change(
            Action.TAKE_OVER,
            write,
            handed_over(link=offer.is_link),
            event="handover",
            details={"from": offer.from_user, "to": actor.user_id, "link": offer.is_link},
            explain=self._refusal(cap),
        )
        ctx = await self._template.context(wish, actor)
        now = self._clock.now()

        async def take(conn: aiosqlite.Connection) -> None:
            if (
                await self._offers.answer(conn, token, OfferStatus.ACCEPTED, by=actor.user_id, now=now)
                is None
            ):
                raise OfferGone(code=wish.code)

        try:
            (applied,) = await self._template.apply_all(actor, [wish.id], change, ctx, first=take)
        except (OfferGone, IllegalTransition) as gone:
            # The wish changed hands or state since the offer: it cannot apply again.
            await self._close(offer, OfferStatus.VOID)
            raise OfferGone(code=wish.code) from gone
        return applied.after

    async def decline(self, actor: Actor, token: str) -> HandoverOffer:
        """No thanks: the offerer keeps the wish and is told."""
        offer, wish = await self._answerable(actor, token)
        now = self._clock.now()
        lang = await self._directory.lang_of(offer.from_user)
        notice = t(lang, "handover.declined_notice", name=actor.display_name, code=wish.code)
        async with self._db.transaction() as conn:
            answered = await self._offers.answer(conn, token, OfferStatus.DECLINED, by=actor.user_id, now=now)
            if answered is None:
                raise OfferGone(code=wish.code)
            await self._events.append(
                conn, action="handover_decline", at=now, actor_id=actor.user_id, wish_id=wish.id,
                community_id=wish.community_id, details={"from": offer.from_user, "link": offer.is_link},
            )  # fmt: skip
            await self._outbox.enqueue(conn, [notice_to(offer.from_user, notice)], now)
        self._template.on_outbox()
        return answered

    async def _answerable(self, actor: Actor, token: str) -> tuple[HandoverOffer, Wish]:
        """The offer and its wish, if it is still open and the actor may answer it: the named
        member, or (a link) any active member of the community but the offerer."""
        offer = await self._offers.get(token)
        if offer is None:
            raise OfferGone(code="")
        wish = await self._template.get(offer.wish_id)
        if offer.status is not OfferStatus.PENDING:
            raise OfferGone(code=wish.code)
        if offer.expires_at <= self._clock.now():
            raise DomainError("handover.expired", code=wish.code)  # the sweep tells the offerer
        if offer.to_user is not None and actor.user_id != offer.to_user:
            await self._template.refused(actor, Action.TAKE_OVER, wish, "offered to someone else")
            raise NotAllowed("handover.not_for_you", code=wish.code)
        if actor.user_id == offer.from_user:
            raise DomainError("handover.own_offer", code=wish.code)
        await self._template.guard(actor, Action.TAKE_OVER, wish, wish.community_id)
        if wish.status is not S.CLAIMED or offer.from_user not in wish.holders:
            await self._close(offer, OfferStatus.VOID)
            raise OfferGone(code=wish.code)
        return offer, wish

    def _refusal(self, cap: HolderCap) -> Explain:
        async def explain(conn: Fetcher, current: Wish) -> DomainError:
            held = await self._wishes.count_held(conn, cap.user_id)
            if len(held) >= cap.cap:
                codes = ", ".join(format_code(i) for i in held)
                return DomainError("err.cap", cap=cap.cap, codes=codes)
            return OfferGone(code=current.code)

        return explain

    # --- expiry -------------------------------------------------------------------------------

    async def expire(self, now: datetime) -> int:
        """Offers nobody answered within OFFER_HOURS lapse, and their holders are told (outside
        their community's quiet hours: until then an offer is only refused when answered).
        Offers whose wish left the offerer meanwhile lapse without a word. Returns messages queued."""
        queued = 0
        for offer in await self._offers.lapsed(now):
            community = await self._template.community(offer.community_id)
            if in_quiet_hours(now.astimezone(community_zone(community, UTC)).hour, community):
                continue
            wish = await self._wishes.get(offer.wish_id)
            still = wish is not None and wish.status is S.CLAIMED and offer.from_user in wish.holders
            if wish is None or not still:
                await self._close(offer, OfferStatus.VOID)
                continue
            lang = await self._directory.lang_of(offer.from_user)
            name = await self._directory.name_of(offer.to_user) if offer.to_user is not None else ""
            key = "handover.expired_named" if offer.to_user is not None else "handover.expired_link"
            notice = t(lang, key, code=wish.code, name=name, hours=OFFER_HOURS)
            async with self._db.transaction() as conn:
                if not await self._offers.close(conn, offer.id, OfferStatus.EXPIRED, now):
                    continue
                await self._events.append(
                    conn, action="handover_expire", at=now, actor_id=None, wish_id=wish.id,
                    community_id=wish.community_id, details={"from": offer.from_user, "to": offer.to_user},
                )  # fmt: skip
                await self._outbox.enqueue(conn, [notice_to(offer.from_user, notice)], now)
                queued += 1
        if queued:
            self._template.on_outbox()
        return queued

    async def _close(self, offer: HandoverOffer, status: OfferStatus) -> None:
        async with self._db.transaction() as conn:
            await self._offers.close(conn, offer.id, status, self._clock.now())


def handed_over(*, link: bool) -> Effect:
    """The new holder gets the details (tracked, to take back later); the former holder's copies
    are taken back and they are thanked; the coordinators hear who has it now; the cards show it."""

    def effect(o: Outcome) -> list[NewOutbox]:
        new, code, lang = o.actor.user_id, o.after.code, o.ctx.lang
        old_name, new_name = o.ctx.holder_name or "?", o.actor.display_name
        intro = t(lang(new), "handover.notice_new", code=code, name=old_name)
        items = [*o.cards, with_details(new, o.after, lang(new), intro)]
        for uid in o.before.holders:
            if uid != new:
                items += taken_back(
                    uid, o.after.id, t(lang(uid), "handover.notice_old", code=code, name=new_name)
                )
        how = "handover.by_link" if link else "handover.by_name"
        for uid in o.ctx.coordinators:
            text = t(
                lang(uid),
                "handover.notice_coordinators",
                code=code,
                old=old_name,
                new=new_name,
                how=t(lang(uid), how),
            )
            items.append(notice_to(uid, text))
        return items

    return effect


def local_text(when: datetime, zone: tzinfo) -> str:
    """An instant as people read it in the community's zone: 2026-11-22 10:00."""
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M")

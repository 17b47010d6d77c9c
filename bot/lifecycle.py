"""The wish lifecycle: the only code that changes a wish's state.

Every change is one transaction: read the wish, check the policy, one conditional UPDATE
(`WHERE status IN (...)`), one event row, and the outbox rows for the messages it causes.
If any step fails, nothing of it happened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot import cards
from bot.clock import Clock
from bot.codes import format_code
from bot.directory import DEFAULT_COMMUNITY, Directory
from bot.errors import AlreadyTaken, DomainError, IllegalTransition, NotAllowed, NotFound
from bot.models import Action, ImportedWish, NewOutbox, OutboxKind, Rendered, Wish, WishDraft, WishStatus
from bot.policies import Actor, check
from bot.texts import t
from storage.db import Database
from storage.events import EventRepo
from storage.groups import GroupRepo
from storage.outbox import OutboxRepo
from storage.wishes import WishRepo

S = WishStatus

# The whole state graph. Nothing else is a legal change.
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
}
GRAPH: frozenset[tuple[WishStatus | None, WishStatus]] = frozenset(
    {(None, S.PENDING)} | {(f, to) for froms, to in EDGES.values() for f in froms}
)

MAX_REASON = 500
MAX_NOTE = 1000


def card_key(wish_id: int, chat_id: int) -> str:
    return f"card:{wish_id}:{chat_id}"


@dataclass(frozen=True)
class _Change:
    """What one action does besides moving the status."""

    holder_id: int | None = None  # guard: only this holder may take it
    fields: dict[str, Any] | None = None
    details: dict[str, Any] | None = None


class WishService:
    def __init__(
        self,
        *,
        db: Database,
        wishes: WishRepo,
        events: EventRepo,
        outbox: OutboxRepo,
        groups: GroupRepo,
        directory: Directory,
        clock: Clock,
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._wishes = wishes
        self._events = events
        self._outbox = outbox
        self._groups = groups
        self._directory = directory
        self._clock = clock
        self.on_outbox = on_outbox

    # --- reads ----------------------------------------------------------------------------

    async def get(self, wish_id: int) -> Wish:
        wish = await self._wishes.get(wish_id)
        if wish is None:
            raise NotFound(code=format_code(wish_id))
        return wish

    async def pending(self, actor: Actor, community_id: int = DEFAULT_COMMUNITY) -> list[Wish]:
        check(actor, Action.VERIFY, None, community_id)
        return await self._wishes.list_by_status(community_id, S.PENDING)

    async def held_by(self, actor: Actor) -> list[Wish]:
        return await self._wishes.held_by(actor.user_id)

    async def holder_name(self, wish: Wish) -> str | None:
        return await self._directory.name_of(wish.holder_id) if wish.holder_id else None

    async def precheck(self, actor: Actor, action: Action, wish_id: int) -> Wish:
        """Would this action apply now? For flows that ask a question before acting."""
        wish = await self.get(wish_id)
        await self._guard(actor, action, wish, wish.community_id)
        if wish.status not in EDGES[action][0]:
            raise self._wrong_state(action, wish)
        return wish

    # --- changes --------------------------------------------------------------------------

    async def create(self, actor: Actor, draft: WishDraft, community_id: int = DEFAULT_COMMUNITY) -> Wish:
        await self._guard(actor, Action.CREATE, None, community_id)
        now = self._clock.now()
        others = [c for c in await self._directory.coordinators(community_id) if c != actor.user_id]
        langs = await self._directory.langs_of(others)
        async with self._db.transaction() as conn:
            wish = await self._wishes.insert(
                conn, community_id=community_id, draft=draft, created_by=actor.user_id, now=now
            )
            await self._events.append(
                conn,
                action=Action.CREATE.value,
                at=now,
                actor_id=actor.user_id,
                wish_id=wish.id,
                community_id=community_id,
                to_status=S.PENDING,
            )
            await self._enqueue(
                conn,
                [
                    _message(
                        uid,
                        t(
                            langs[uid],
                            "notice.new_pending",
                            code=wish.code,
                            category=t(langs[uid], f"cat.{wish.category.value}"),
                            description=wish.description,
                        ),
                    )
                    for uid in others
                ],
            )
        self.on_outbox()  # after COMMIT, or the sender could look before the rows exist
        return wish

    async def verify(self, actor: Actor, wish_id: int) -> Wish:
        return await self._apply(actor, Action.VERIFY, wish_id, _Change())

    async def reject(self, actor: Actor, wish_id: int, reason: str) -> Wish:
        reason = _clean_reason(reason)
        return await self._apply(
            actor, Action.REJECT, wish_id, _Change(fields={"reason": reason}, details={"reason": reason})
        )

    async def cancel(self, actor: Actor, wish_id: int, reason: str) -> Wish:
        reason = _clean_reason(reason)
        return await self._apply(
            actor, Action.CANCEL, wish_id, _Change(fields={"reason": reason}, details={"reason": reason})
        )

    async def post(self, actor: Actor, wish_id: int, chat_ids: list[int] | None = None) -> Wish:
        wish = await self.get(wish_id)
        await self._guard(actor, Action.POST, wish, wish.community_id)
        groups = await self._groups.active_for_community(wish.community_id)
        chosen = [g for g in groups if chat_ids is None or g.chat_id in chat_ids]
        if not chosen:
            raise DomainError("err.no_groups")
        # Per-branch figures count a wish for the branch whose group it went to first.
        branch = next((g.branch_id for g in chosen if g.branch_id is not None), None)
        return await self._apply(
            actor,
            Action.POST,
            wish_id,
            _Change(fields={"branch_id": branch}, details={"chats": [g.chat_id for g in chosen]}),
        )

    async def claim(self, actor: Actor, wish_id: int) -> Wish:
        now = self._clock.now()
        return await self._apply(
            actor,
            Action.CLAIM,
            wish_id,
            _Change(fields={"holder_id": actor.user_id, "claimed_at": now}),
        )

    async def release(self, actor: Actor, wish_id: int) -> Wish:
        wish = await self.get(wish_id)
        await self._guard(actor, Action.RELEASE, wish, wish.community_id)
        # The holder may only release their own claim; a coordinator takes any claim back.
        by_holder = wish.holder_id == actor.user_id
        return await self._apply(
            actor,
            Action.RELEASE,
            wish_id,
            _Change(
                holder_id=wish.holder_id if wish.holder_id else None,
                fields={"holder_id": None, "claimed_at": None},
                details={"holder": wish.holder_id, "by_holder": by_holder},
            ),
        )

    async def deliver(
        self, actor: Actor, wish_id: int, note: str | None = None, photo_file_id: str | None = None
    ) -> Wish:
        note = (note or "").strip()[:MAX_NOTE] or None
        return await self._apply(
            actor,
            Action.DELIVER,
            wish_id,
            _Change(
                holder_id=actor.user_id,
                fields={
                    "delivered_at": self._clock.now(),
                    "delivery_note": note,
                    "delivery_photo_id": photo_file_id,
                },
                details={"note": note, "photo": bool(photo_file_id)},
            ),
        )

    async def confirm(self, actor: Actor, wish_id: int) -> Wish:
        return await self._apply(
            actor, Action.CONFIRM, wish_id, _Change(fields={"fulfilled_at": self._clock.now()})
        )

    async def dispute(self, actor: Actor, wish_id: int, reason: str = "") -> Wish:
        reason = reason.strip()[:MAX_REASON]
        return await self._apply(
            actor,
            Action.DISPUTE,
            wish_id,
            _Change(fields={"delivered_at": None}, details={"reason": reason}),
        )

    # --- machinery ------------------------------------------------------------------------

    async def _guard(self, actor: Actor, action: Action, wish: Wish | None, community_id: int) -> None:
        try:
            check(actor, action, wish, community_id)
        except NotAllowed:
            await self._events.record(
                action=f"refused.{action.value}",
                at=self._clock.now(),
                actor_id=actor.user_id,
                wish_id=wish.id if wish else None,
                community_id=community_id,
            )
            raise

    async def _apply(self, actor: Actor, action: Action, wish_id: int, change: _Change) -> Wish:
        froms, to = EDGES[action]
        before = await self.get(wish_id)
        await self._guard(actor, action, before, before.community_id)
        effects_ctx = await self._effects_context(before, actor)
        effects_ctx.update(change.details or {})
        now = self._clock.now()
        async with self._db.transaction() as conn:
            current = await self._wishes.get(wish_id, conn)
            assert current is not None  # wishes are never deleted
            if current.status not in froms:
                raise self._wrong_state(action, current)
            if change.holder_id is not None and current.holder_id != change.holder_id:
                raise IllegalTransition("err.not_holder", code=current.code)
            after = await self._wishes.transition(
                conn,
                wish_id,
                from_statuses=froms,
                to_status=to,
                now=now,
                holder_id=change.holder_id,
                set_fields=change.fields,
            )
            if after is None:  # the conditional write is the real guard
                raise self._wrong_state(action, current)
            await self._events.append(
                conn,
                action=action.value,
                at=now,
                actor_id=actor.user_id,
                wish_id=wish_id,
                community_id=after.community_id,
                from_status=current.status,
                to_status=to,
                details=change.details,
            )
            if action is Action.POST:
                for chat_id in (change.details or {}).get("chats", []):
                    await self._wishes.add_post(conn, wish_id, chat_id, now)
            await self._enqueue(conn, await self._effects(conn, action, current, after, actor, effects_ctx))
        self.on_outbox()
        return after

    def _wrong_state(self, action: Action, wish: Wish) -> DomainError:
        if action is Action.CLAIM and wish.status in (S.CLAIMED, S.DELIVERED, S.FULFILLED):
            return AlreadyTaken(code=wish.code)
        return IllegalTransition(code=wish.code, status_key=f"status.{wish.status.value}")

    async def _enqueue(self, conn: aiosqlite.Connection, items: list[NewOutbox]) -> None:
        if items:
            await self._outbox.enqueue(conn, items, self._clock.now())

    async def _effects_context(self, wish: Wish, actor: Actor) -> dict[str, Any]:
        """Names and languages read before the transaction so it stays short."""
        coordinators = await self._directory.coordinators(wish.community_id)
        people = sorted({*coordinators, actor.user_id, *([wish.holder_id] if wish.holder_id else [])})
        return {
            "coordinators": coordinators,
            "langs": await self._directory.langs_of(people),
            "holder_name": await self.holder_name(wish),
        }

    async def _effects(
        self,
        conn: aiosqlite.Connection,
        action: Action,
        before: Wish,
        after: Wish,
        actor: Actor,
        ctx: dict[str, Any],
    ) -> list[NewOutbox]:
        langs: dict[int, str] = ctx["langs"]
        coordinators: list[int] = ctx["coordinators"]
        items: list[NewOutbox] = []
        # Every change of a posted wish refreshes its cards; rendering happens at send time.
        if after.status in (S.OPEN, S.CLAIMED, S.DELIVERED, S.FULFILLED, S.CANCELLED):
            for post in await self._wishes.posts(after.id, conn):
                items.append(
                    NewOutbox(
                        kind=OutboxKind.CARD,
                        chat_id=post.chat_id,
                        wish_id=after.id,
                        coalesce_key=card_key(after.id, post.chat_id),
                    )
                )
        if action is Action.CLAIM:
            lang = langs.get(actor.user_id, actor.lang)
            items.append(_rendered(actor.user_id, cards.holder_card(after, lang, intro=True)))
        elif action is Action.RELEASE and before.holder_id is not None:
            if before.holder_id != actor.user_id:
                lang = langs.get(before.holder_id, "zh")
                items.append(
                    _message(before.holder_id, t(lang, "notice.released_by_coordinator", code=after.code))
                )
            else:
                for uid in coordinators:
                    items.append(
                        _message(
                            uid,
                            t(
                                langs.get(uid, "zh"),
                                "notice.released_to_coordinators",
                                holder=ctx["holder_name"] or "?",
                                code=after.code,
                            ),
                        )
                    )
        elif action is Action.DELIVER:
            for uid in coordinators:
                items.append(
                    _rendered(uid, cards.delivery_report(after, langs.get(uid, "zh"), actor.display_name))
                )
        elif action is Action.CONFIRM and after.holder_id is not None:
            lang = langs.get(after.holder_id, "zh")
            items.append(_message(after.holder_id, t(lang, "notice.fulfilled_thanks", code=after.code)))
        elif action is Action.DISPUTE and after.holder_id is not None:
            lang = langs.get(after.holder_id, "zh")
            reason = (ctx.get("reason") or "") or t(lang, "notice.none")
            items.append(
                _rendered(
                    after.holder_id,
                    Rendered(
                        text=t(lang, "notice.disputed", code=after.code, reason=reason)
                        + "\n\n"
                        + cards.holder_card(after, lang).text,
                        buttons=cards.holder_card(after, lang).buttons,
                    ),
                )
            )
        elif action is Action.REJECT and before.created_by != actor.user_id:
            lang = await self._directory.lang_of(before.created_by)
            items.append(
                _message(
                    before.created_by, t(lang, "notice.rejected", code=after.code, reason=after.reason or "")
                )
            )
        return items

    # --- bulk creation (issue 5: imported spreadsheets) -----------------------------------

    async def create_many(
        self, actor: Actor, items: Sequence[ImportedWish], community_id: int = DEFAULT_COMMUNITY
    ) -> list[Wish]:
        """All rows become pending wishes in ONE transaction, or none does.

        One `create` event per wish (details {"source": "import", "row": n}) and one notice per
        other coordinator for the whole batch, not one per wish.
        """
        await self._guard(actor, Action.CREATE, None, community_id)
        if not items:
            return []
        now = self._clock.now()
        others = [c for c in await self._directory.coordinators(community_id) if c != actor.user_id]
        langs = await self._directory.langs_of(others)
        async with self._db.transaction() as conn:
            created = await self._wishes.insert_many(
                conn, community_id=community_id, items=items, created_by=actor.user_id, now=now
            )
            for item, wish in zip(items, created, strict=True):
                await self._events.append(
                    conn,
                    action=Action.CREATE.value,
                    at=now,
                    actor_id=actor.user_id,
                    wish_id=wish.id,
                    community_id=community_id,
                    to_status=S.PENDING,
                    details={"source": "import", "row": item.row},
                )
            await self._enqueue(
                conn,
                [
                    _message(
                        uid,
                        t(
                            langs[uid],
                            "imp.notice_imported",
                            name=actor.display_name,
                            count=len(created),
                            first=created[0].code,
                            last=created[-1].code,
                        ),
                    )
                    for uid in others
                ],
            )
        self.on_outbox()
        return created


def _message(chat_id: int, text: str) -> NewOutbox:
    return NewOutbox(kind=OutboxKind.MESSAGE, chat_id=chat_id, payload=Rendered(text=text))


def _rendered(chat_id: int, rendered: Rendered) -> NewOutbox:
    return NewOutbox(kind=OutboxKind.MESSAGE, chat_id=chat_id, payload=rendered)


def _clean_reason(reason: str) -> str:
    cleaned = reason.strip()
    if not cleaned:
        raise DomainError("val.empty")
    if len(cleaned) > MAX_REASON:
        raise DomainError("val.too_long", max=MAX_REASON)
    return cleaned

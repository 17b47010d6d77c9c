"""People and their place in a community: registration, the member record, invites, join
requests, a member's status (suspension, removal) and the coordinators' list of members."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, NamedTuple

import aiosqlite

from bot import validation
from bot.clock import Clock
from bot.errors import DomainError, InvalidInput, NotFound
from bot.models import (
    Action,
    Branch,
    Invite,
    JoinRequest,
    Member,
    Membership,
    MembershipStatus,
    NewOutbox,
    OutboxKind,
)
from bot.people.audit import Audit
from bot.people.communities import Communities
from bot.people.directory import Directory
from bot.people.notices import Notices
from bot.people.policies import Actor, check
from bot.wishes.cards import join_request_card
from bot.wishes.lifecycle import WishService
from storage.db import Database
from storage.members import MemberRepo
from storage.organisation import InviteRepo, JoinRequestRepo, MembershipRepo
from storage.outbox import OutboxRepo

NAME_MIN, PERSON_NAME_MAX = 2, 30
INVITE_DAYS = 7
INVITE_USES = 50
INVITE_MAX_DAYS = 90
INVITE_MAX_USES = 1000
INVITE_PREFIX = "i_"


class MemberLine(NamedTuple):
    """One member as the coordinators' list shows them."""

    membership: Membership
    name: str
    held: int  # wishes they hold now


class People:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        members: MemberRepo,
        memberships: MembershipRepo,
        org: Communities,
        invites: InviteRepo,
        requests: JoinRequestRepo,
        outbox: OutboxRepo,
        directory: Directory,
        notices: Notices,
        wishes: WishService,
        audit: Audit,
    ) -> None:
        self._db = db
        self._clock = clock
        self._members = members
        self._memberships = memberships
        self._org = org
        self._invites = invites
        self._requests = requests
        self._outbox = outbox
        self._directory = directory
        self._notices = notices
        self._wishes = wishes
        self._audit = audit

    # --- the person -----------------------------------------------------------------------

    async def member(self, user_id: int) -> Member | None:
        """The person's record, or None until they have given their name."""
        return await self._members.get(user_id)

    async def register(self, user_id: int, full_name: str, lang: str) -> Member:
        """A person gives their real name once; claim sheets and service records show it."""
        name = " ".join(validation.visible(full_name).split())
        if not NAME_MIN <= len(name) <= PERSON_NAME_MAX:
            raise InvalidInput("val.name")
        member = await self._members.register(user_id, name, lang, self._clock.now())
        await self._audit.record("member.register", actor_id=user_id)
        return member

    async def touch(self, user_id: int, lang: str) -> None:
        """They wrote to the bot: reachable again, and perhaps in another language now."""
        await self._members.touch(user_id, lang)

    async def refused(self, actor_id: int, action: str, details: dict[str, Any]) -> None:
        """An audit entry for something refused before it reached a service (a forged button)."""
        await self._audit.record(action, actor_id=actor_id, details=details)

    # --- invites --------------------------------------------------------------------------

    async def create_invite(
        self, actor: Actor, branch_id: int, days: int = INVITE_DAYS, uses: int = INVITE_USES
    ) -> Invite:
        branch = await self._org.branch(branch_id)
        check(actor, Action.INVITE, None, branch.community_id)
        if not (1 <= days <= INVITE_MAX_DAYS and 1 <= uses <= INVITE_MAX_USES):
            raise InvalidInput("val.invite_range")
        now = self._clock.now()
        invite = Invite(
            token=INVITE_PREFIX + secrets.token_urlsafe(12),
            community_id=branch.community_id,
            branch_id=branch.id,
            created_by=actor.user_id,
            expires_at=now + timedelta(days=days),
            max_uses=uses,
            uses=0,
            revoked=False,
        )
        async with self._db.transaction() as conn:
            await self._invites.create(conn, invite, now)
            await self._audit.change(
                conn,
                actor,
                "invite.create",
                branch.community_id,
                {"branch": branch.id, "days": days, "uses": uses},
            )
        return invite

    async def invite_problem(self, token: str) -> str | None:
        """Why an invite cannot be used now (a text key), or None if it can."""
        invite = await self._invites.get(token)
        if invite is None or invite.revoked:
            return "org.invite_invalid"
        if invite.expires_at <= self._clock.now():
            return "org.invite_expired"
        if invite.uses >= invite.max_uses:
            return "org.invite_used_up"
        return None

    async def needs_phone(self, token: str) -> bool:
        invite = await self._invites.get(token)
        if invite is None:
            return False
        try:
            return (await self._org.community(invite.community_id)).require_phone
        except NotFound:
            return False

    async def join_with_invite(self, user_id: int, token: str, phone: str | None = None) -> Membership:
        """A registered user joins the invite's branch; the invite's use count decides races."""
        if await self._members.get(user_id) is None:
            raise DomainError("err.register_first")
        if await self.needs_phone(token) and not phone:
            raise DomainError("org.phone_required")
        now = self._clock.now()
        async with self._db.transaction() as conn:
            invite = await self._invites.use(conn, token, now)
            if invite is None:
                raise DomainError((await self.invite_problem(token)) or "org.invite_invalid")
            membership = await self._memberships.join(
                conn,
                user_id=user_id,
                community_id=invite.community_id,
                branch_id=invite.branch_id,
                phone=phone,
                now=now,
            )
            await self._audit.change(
                conn,
                Actor(user_id=user_id),
                "member.join",
                invite.community_id,
                {"branch": invite.branch_id, "invite": token[:8], "by": invite.created_by},
            )
        return membership

    # --- join requests --------------------------------------------------------------------

    async def file_request(self, user_id: int, community_id: int) -> JoinRequest:
        member = await self._members.get(user_id)
        if member is None:
            raise DomainError("err.register_first")
        community = await self._org.community(community_id)
        coordinators = await self._directory.coordinators(community.id)
        langs = await self._directory.langs_of(coordinators)
        now = self._clock.now()
        async with self._db.transaction() as conn:
            request = await self._requests.file(conn, user_id, member.full_name, community.id, now)
            if request is None:
                raise DomainError("org.request_exists")
            await self._audit.change(conn, Actor(user_id=user_id), "member.request", community.id, {})
            await self._outbox.enqueue(
                conn,
                [
                    NewOutbox(
                        kind=OutboxKind.MESSAGE, chat_id=uid, payload=join_request_card(request, langs[uid])
                    )
                    for uid in coordinators
                ],
                now,
            )
        self._notices.on_outbox()
        return request

    async def request_to_decide(self, actor: Actor, request_id: int) -> tuple[JoinRequest, list[Branch]]:
        """A request as its community's coordinator sees it: with the branches it may join."""
        request, community_id = await self._request(request_id)
        check(actor, Action.MANAGE_MEMBERS, None, community_id)
        return request, await self._org.branches(community_id)

    async def decide_request(
        self, actor: Actor, request_id: int, *, approve: bool, branch_id: int | None = None
    ) -> JoinRequest:
        request, community_id = await self._request(request_id)
        check(actor, Action.MANAGE_MEMBERS, None, community_id)
        branch = None
        if approve:
            if branch_id is None:
                raise DomainError("org.choose_branch")
            branch = await self._org.branch(branch_id)
            if branch.community_id != community_id:
                raise DomainError("err.other_community")
        now = self._clock.now()
        async with self._db.transaction() as conn:
            decided = await self._requests.decide(
                conn, request_id, "approved" if approve else "declined", actor.user_id, now
            )
            if decided is None:
                raise DomainError("org.request_decided")
            if branch is not None:
                await self._memberships.join(
                    conn,
                    user_id=request.user_id,
                    community_id=branch.community_id,
                    branch_id=branch.id,
                    phone=None,
                    now=now,
                )
                await self._notices.to_user(
                    request.user_id, "org.request_approved", conn=conn, branch=branch.name
                )
            else:
                await self._notices.to_user(request.user_id, "org.request_declined", conn=conn)
            await self._audit.change(
                conn,
                actor,
                "member.approve" if approve else "member.decline",
                community_id,
                {"user": request.user_id, "branch": branch.id if branch else None},
            )
        self._notices.on_outbox()
        return decided

    # --- members of a community -----------------------------------------------------------

    async def set_member_status(self, actor: Actor, user_id: int, status: MembershipStatus) -> Membership:
        membership = await self._memberships.get(user_id)
        if membership is None:
            raise NotFound("org.no_such_member")
        check(actor, Action.MANAGE_MEMBERS, None, membership.community_id)
        if membership.status is status:
            raise DomainError(f"org.member_already_{status.value}", user_id=user_id)
        changed: Membership | None = None

        async def write_status(conn: aiosqlite.Connection) -> None:
            nonlocal changed
            changed = await self._memberships.set_status(conn, user_id, status, self._clock.now())
            await self._audit.change(
                conn, actor, f"member.{status.value}", membership.community_id, {"user": user_id}
            )
            await self._notices.to_user(user_id, f"org.you_are_{status.value}", conn=conn)
            await self._notices.menu(user_id, conn=conn)

        if status is not MembershipStatus.REMOVED:
            async with self._db.transaction() as conn:
                await write_status(conn)
        else:
            # The status and what it means for every wish they hold: one transaction.
            done = await self._wishes.withdraw_member(actor, user_id, membership.community_id, write_status)
            await self._notices.to_coordinators(
                membership.community_id,
                "org.member_removed_notice",
                name=await self._directory.name_of(user_id),
                reopened=", ".join(done.reopened + done.left) or "-",
                awaiting=", ".join(done.awaiting) or "-",
            )
        self._notices.on_outbox()
        assert changed is not None
        return changed

    async def members(self, actor: Actor, community_id: int) -> list[MemberLine]:
        """Every member of a community with their name and the wishes they hold now."""
        check(actor, Action.MANAGE_MEMBERS, None, community_id)
        rows = []
        for membership in await self._memberships.of_community(community_id):
            held = await self._wishes.held_by(Actor(user_id=membership.user_id))
            rows.append(MemberLine(membership, await self._directory.name_of(membership.user_id), len(held)))
        return rows

    # --- helpers --------------------------------------------------------------------------

    async def _request(self, request_id: int) -> tuple[JoinRequest, int]:
        """A request that still exists, with its community (a request outlives no community)."""
        request = await self._requests.get(request_id)
        if request is None or request.community_id is None:
            raise NotFound("org.request_gone")
        return request, request.community_id

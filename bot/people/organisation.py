"""Communities, branches, coordinators and members: who belongs where, changed in one place.

Every change is one transaction with an events row (actor, time), so membership and role
changes land in the same audit trail as wish transitions.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import aiosqlite

from bot import arguments, validation
from bot.clock import Clock
from bot.errors import DomainError, InvalidInput, NotAllowed, NotFound
from bot.models import (
    COMMUNITY_SETTINGS,
    Action,
    Branch,
    Community,
    Invite,
    JoinRequest,
    Member,
    Membership,
    MembershipStatus,
    NewOutbox,
    OutboxKind,
)
from bot.people.directory import Directory
from bot.people.notices import Notices
from bot.people.policies import Actor, check
from bot.settings import Settings
from bot.wishes.cards import join_request_card
from bot.wishes.lifecycle import WishService
from storage.db import Database
from storage.events import EventRepo
from storage.groups import GroupRepo
from storage.members import MemberRepo
from storage.organisation import (
    BranchRepo,
    CommunityRepo,
    CoordinatorRepo,
    InviteRepo,
    JoinRequestRepo,
    MembershipRepo,
    PrefRepo,
)
from storage.outbox import OutboxRepo

NAME_MAX = 40
NAME_MIN, PERSON_NAME_MAX = 2, 30
INVITE_DAYS = 7
INVITE_USES = 50
INVITE_MAX_DAYS = 90
INVITE_MAX_USES = 1000
INVITE_PREFIX = "i_"

# A stand-in actor for the command line, which runs with the operator's full authority.
SYSTEM = Actor(user_id=0, is_admin=True)


class OrgService:
    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        clock: Clock,
        communities: CommunityRepo,
        branches: BranchRepo,
        memberships: MembershipRepo,
        coordinators: CoordinatorRepo,
        invites: InviteRepo,
        requests: JoinRequestRepo,
        prefs: PrefRepo,
        members: MemberRepo,
        groups: GroupRepo,
        events: EventRepo,
        outbox: OutboxRepo,
        directory: Directory,
        notices: Notices,
        wishes: WishService,
    ) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._communities = communities
        self._branches = branches
        self._memberships = memberships
        self._coordinators = coordinators
        self._invites = invites
        self._requests = requests
        self._prefs = prefs
        self._members = members
        self._groups = groups
        self._events = events
        self._outbox = outbox
        self._directory = directory
        self._notices = notices
        self._wishes = wishes

    # --- lookups ------------------------------------------------------------------------

    async def community(self, key: str | int) -> Community:
        """By id or by name, as operators type it on the command line."""
        found = None
        if isinstance(key, int) or arguments.is_whole(str(key)):
            number = key if isinstance(key, int) else arguments.whole(str(key), 1, 2**62)
            found = await self._communities.get(number)
        if found is None:
            found = await self._communities.by_name(str(key))
        if found is None:
            raise NotFound("err.no_community")
        return found

    async def branches(self, community_id: int) -> list[Branch]:
        return await self._branches.for_community(community_id)

    async def branch(self, branch_id: int) -> Branch:
        branch = await self._branches.get(branch_id)
        if branch is None:
            raise NotFound("err.no_branch")
        return branch

    async def communities_for(self, actor: Actor) -> list[Community]:
        return [c for c in await self._communities.all() if actor.coordinates(c.id)]

    def current(self, actor: Actor) -> int:
        if actor.current_community is None:
            raise DomainError("err.no_community")
        return actor.current_community

    # --- people ---------------------------------------------------------------------------

    async def register(self, user_id: int, full_name: str, lang: str) -> Member:
        """A person gives their real name once; claim sheets and service records show it."""
        name = " ".join(validation.visible(full_name).split())
        if not NAME_MIN <= len(name) <= PERSON_NAME_MAX:
            raise InvalidInput("val.name")
        member = await self._members.register(user_id, name, lang, self._clock.now())
        await self._events.record(action="member.register", at=self._clock.now(), actor_id=user_id)
        return member

    async def refused(self, actor_id: int, action: str, details: dict[str, Any]) -> None:
        """An audit entry for something refused before it reached a service (a forged button)."""
        await self._events.record(action=action, at=self._clock.now(), actor_id=actor_id, details=details)

    # --- super-admin: communities and coordinators ----------------------------------------

    async def create_community(self, actor: Actor, name: str, tz: str | None = None) -> Community:
        check(actor, Action.ADMINISTER, None, 0)
        name = validation.text(name, NAME_MAX)
        now = self._clock.now()
        async with self._db.transaction() as conn:
            community = await self._communities.create(conn, name, tz or self._settings.tz, now)
            if community is None:
                raise DomainError("err.community_exists", name=name)
            await self._audit(conn, actor, "community.create", community.id, {"name": name})
        return community

    async def appoint(self, actor: Actor, community_id: int, user_id: int) -> bool:
        check(actor, Action.ADMINISTER, None, community_id)
        community = await self.community(community_id)
        async with self._db.transaction() as conn:
            added = await self._coordinators.add(
                conn, community.id, user_id, actor.user_id, self._clock.now()
            )
            if added:
                await self._audit(conn, actor, "coordinator.appoint", community.id, {"user": user_id})
                await self._notices.to_user(user_id, "org.appointed", conn=conn, community=community.name)
        self._wishes.on_outbox()
        return added

    async def dismiss(self, actor: Actor, community_id: int, user_id: int) -> bool:
        check(actor, Action.ADMINISTER, None, community_id)
        async with self._db.transaction() as conn:
            removed = await self._coordinators.remove(conn, community_id, user_id)
            if removed:
                await self._audit(conn, actor, "coordinator.dismiss", community_id, {"user": user_id})
        return removed

    # --- coordinators: branches, settings, invites, members ------------------------------------

    async def add_branch(self, actor: Actor, community_id: int, name: str) -> Branch:
        check(actor, Action.MANAGE_MEMBERS, None, community_id)
        name = validation.text(name, NAME_MAX)
        async with self._db.transaction() as conn:
            branch = await self._branches.create(conn, community_id, name, self._clock.now())
            if branch is None:
                raise DomainError("err.branch_exists", name=name)
            await self._audit(conn, actor, "branch.create", community_id, {"branch": branch.id, "name": name})
        return branch

    async def use(self, actor: Actor, key: str | int) -> Community:
        """/use: the community (by id or by name) this coordinator's commands act in from now on."""
        community = await self.community(key)
        check(actor, Action.MANAGE_MEMBERS, None, community.id)
        await self._prefs.set_community(actor.user_id, community.id)
        return community

    async def set_setting(self, actor: Actor, community_id: int, key: str, raw: str) -> Community:
        check(actor, Action.MANAGE_MEMBERS, None, community_id)
        key = key.strip().lower()
        value = parse_setting(key, raw)
        async with self._db.transaction() as conn:
            await self._communities.set_setting(conn, community_id, key, value)
            await self._audit(conn, actor, "community.setting", community_id, {"key": key, "value": value})
        return await self.community(community_id)

    async def create_invite(
        self, actor: Actor, branch_id: int, days: int = INVITE_DAYS, uses: int = INVITE_USES
    ) -> Invite:
        branch = await self.branch(branch_id)
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
            await self._audit(
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
        community = await self._communities.get(invite.community_id)
        return bool(community and community.require_phone)

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
            await self._events.append(
                conn,
                action="member.join",
                at=now,
                actor_id=user_id,
                community_id=invite.community_id,
                details={"branch": invite.branch_id, "invite": token[:8], "by": invite.created_by},
            )
        return membership

    async def file_request(self, user_id: int, community_id: int) -> JoinRequest:
        member = await self._members.get(user_id)
        if member is None:
            raise DomainError("err.register_first")
        community = await self.community(community_id)
        coordinators = await self._directory.coordinators(community.id)
        langs = await self._directory.langs_of(coordinators)
        now = self._clock.now()
        async with self._db.transaction() as conn:
            request = await self._requests.file(conn, user_id, member.full_name, community.id, now)
            if request is None:
                raise DomainError("org.request_exists")
            await self._events.append(
                conn, action="member.request", at=now, actor_id=user_id, community_id=community.id
            )
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
        self._wishes.on_outbox()
        return request

    async def decide_request(
        self, actor: Actor, request_id: int, *, approve: bool, branch_id: int | None = None
    ) -> JoinRequest:
        request = await self._requests.get(request_id)
        if request is None or request.community_id is None:
            raise NotFound("org.request_gone")
        check(actor, Action.MANAGE_MEMBERS, None, request.community_id)
        branch = None
        if approve:
            if branch_id is None:
                raise DomainError("org.choose_branch")
            branch = await self.branch(branch_id)
            if branch.community_id != request.community_id:
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
            await self._audit(
                conn,
                actor,
                "member.approve" if approve else "member.decline",
                request.community_id,
                {"user": request.user_id, "branch": branch.id if branch else None},
            )
        self._wishes.on_outbox()
        return decided

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
            await self._audit(
                conn, actor, f"member.{status.value}", membership.community_id, {"user": user_id}
            )
            await self._notices.to_user(user_id, f"org.you_are_{status.value}", conn=conn)

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
        self._wishes.on_outbox()
        assert changed is not None
        return changed

    async def members(self, actor: Actor, community_id: int) -> list[tuple[Membership, str, int]]:
        """(membership, name, wishes held now) for every member of a community."""
        check(actor, Action.MANAGE_MEMBERS, None, community_id)
        rows = []
        for membership in await self._memberships.of_community(community_id):
            held = await self._wishes.held_by(Actor(user_id=membership.user_id))
            rows.append((membership, await self._directory.name_of(membership.user_id), len(held)))
        return rows

    # --- group chats ----------------------------------------------------------------------

    async def bind_group(
        self, actor: Actor, chat_id: int, title: str, lang: str, branch_id: int, *, group_admin: bool
    ) -> Branch:
        """Bind a group to a branch. The person must administer the group (group_admin, as
        Telegram's getChatMember says) and coordinate the branch's community; a group bound to
        another community stays there unless they coordinate that one too. Refusals are audited:
        a bind tap is a button anyone in the group can forge."""
        audit = {"chat": chat_id, "branch": branch_id}
        branch = await self._branches.get(branch_id)
        if branch is None:
            await self.refused(actor.user_id, "refused.bind", {**audit, "why": "no_branch"})
            raise NotFound("err.no_branch")
        try:
            check(actor, Action.BIND, None, branch.community_id)
        except NotAllowed as refusal:
            await self.refused(actor.user_id, "refused.bind", {**audit, "why": refusal.key})
            raise
        if not group_admin:
            await self.refused(actor.user_id, "refused.bind", {**audit, "why": "not_group_admin"})
            raise NotAllowed("groups.not_group_admin")
        before = await self._groups.get(chat_id)
        taken_from = None if actor.is_admin else {branch.community_id, *actor.coordinator_of}
        now = self._clock.now()
        group = await self._groups.bind(
            chat_id, branch.community_id, title, lang, actor.user_id, now, branch.id, taken_from=taken_from
        )
        if group is None:
            await self.refused(actor.user_id, "refused.bind", {**audit, "why": "bound_elsewhere"})
            raise NotAllowed("groups.bound_elsewhere")
        await self._events.record(
            action="group.bind",
            at=now,
            actor_id=actor.user_id,
            community_id=branch.community_id,
            details={"chat": chat_id, "title": title, "branch": branch.id},
        )
        if before is not None and before.active and before.community_id != branch.community_id:
            # The community that loses the group hears of it, from its own audit trail too.
            await self._events.record(
                action="group.taken",
                at=now,
                actor_id=actor.user_id,
                community_id=before.community_id,
                details={"chat": chat_id, "to_community": branch.community_id},
            )
            await self._notices.to_coordinators(before.community_id, "notice.group_rebound", title=title)
        return branch

    async def unbind_group(self, actor: Actor, chat_id: int) -> bool:
        group = await self._groups.get(chat_id)
        if group is None or not group.active:
            return False
        check(actor, Action.BIND, None, group.community_id)
        await self._groups.set_active(chat_id, False)
        await self._events.record(
            action="group.unbind",
            at=self._clock.now(),
            actor_id=actor.user_id,
            community_id=group.community_id,
            details={"chat": chat_id},
        )
        return True

    async def group_lost(self, chat_id: int, by: int | None) -> None:
        """The bot left or was removed: the binding is dropped and the coordinators told."""
        group = await self._groups.get(chat_id)
        if group is None or not await self._groups.set_active(chat_id, False):
            return
        await self._events.record(
            action="group.lost",
            at=self._clock.now(),
            actor_id=by,
            community_id=group.community_id,
            details={"chat": chat_id},
        )
        await self._notices.to_coordinators(group.community_id, "notice.group_lost", title=group.title)

    async def group_migrated(self, old_chat: int, new_chat: int) -> None:
        """A group became a supergroup: its binding, cards and queued messages follow it."""
        group = await self._groups.get(old_chat)
        if group is None:
            return
        await self._groups.migrate(old_chat, new_chat)
        await self._outbox.retarget(old_chat, new_chat)
        await self._events.record(
            action="group.migrate",
            at=self._clock.now(),
            actor_id=None,
            community_id=group.community_id,
            details={"from": old_chat, "to": new_chat},
        )
        await self._notices.to_coordinators(group.community_id, "notice.group_moved", title=group.title)

    # --- helpers --------------------------------------------------------------------------

    async def _audit(
        self,
        conn: aiosqlite.Connection,
        actor: Actor,
        action: str,
        community_id: int,
        details: dict[str, Any],
    ) -> None:
        await self._events.append(
            conn,
            action=action,
            at=self._clock.now(),
            actor_id=actor.user_id or None,
            community_id=community_id,
            details=details,
        )


def parse_setting(key: str, raw: str) -> int | None:
    """Community settings are whole numbers within a range; yuan caps are typed in yuan."""
    if key not in COMMUNITY_SETTINGS:
        raise InvalidInput("org.unknown_setting", keys=", ".join(sorted(COMMUNITY_SETTINGS)))
    text = raw.strip().lower()
    if key == "value_cap_fen":
        if text in ("none", "off", "无", "-"):
            return None
        return validation.value_fen(text, max_yuan=100_000)
    aliases = {"on": "1", "yes": "1", "开": "1", "off": "0", "no": "0", "关": "0"}
    text = aliases.get(text, text)
    low, high = COMMUNITY_SETTINGS[key]
    return arguments.whole(text, low, high, reason="org.setting_range", key=key)

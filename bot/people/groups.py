"""Group chats and the branches they serve: binding, unbinding, and following the bot's own
membership of a group (removed from it, or the group became a supergroup)."""

from __future__ import annotations

from bot.clock import Clock
from bot.errors import NotAllowed, NotFound
from bot.models import Action, Branch, Group
from bot.people.audit import Audit
from bot.people.communities import Communities
from bot.people.notices import Notices
from bot.people.policies import Actor, check
from storage.groups import GroupRepo
from storage.outbox import OutboxRepo


class Groups:
    def __init__(
        self,
        *,
        clock: Clock,
        groups: GroupRepo,
        outbox: OutboxRepo,
        org: Communities,
        audit: Audit,
        notices: Notices,
    ) -> None:
        self._clock = clock
        self._groups = groups
        self._outbox = outbox
        self._org = org
        self._audit = audit
        self._notices = notices

    async def bound(self, chat_id: int) -> Group | None:
        """The group's binding while it serves a branch; None for a group never or no longer bound."""
        group = await self._groups.get(chat_id)
        return group if group is not None and group.active else None

    async def bind(
        self, actor: Actor, chat_id: int, title: str, lang: str, branch_id: int, *, group_admin: bool
    ) -> Branch:
        """Bind a group to a branch. The person must administer the group (group_admin, as
        Telegram's getChatMember says) and coordinate the branch's community; a group bound to
        another community stays there unless they coordinate that one too. Refusals are audited:
        a bind tap is a button anyone in the group can forge."""
        asked = {"chat": chat_id, "branch": branch_id}
        try:
            branch = await self._org.branch(branch_id)
        except NotFound:
            await self._refused(actor, asked, "no_branch")
            raise
        try:
            check(actor, Action.BIND, None, branch.community_id)
        except NotAllowed as refusal:
            await self._refused(actor, asked, refusal.key)
            raise
        if not group_admin:
            await self._refused(actor, asked, "not_group_admin")
            raise NotAllowed("groups.not_group_admin")
        before = await self._groups.get(chat_id)
        taken_from = None if actor.is_admin else {branch.community_id, *actor.coordinator_of}
        now = self._clock.now()
        group = await self._groups.bind(
            chat_id, branch.community_id, title, lang, actor.user_id, now, branch.id, taken_from=taken_from
        )
        if group is None:
            await self._refused(actor, asked, "bound_elsewhere")
            raise NotAllowed("groups.bound_elsewhere")
        await self._audit.record(
            "group.bind",
            actor_id=actor.user_id,
            community_id=branch.community_id,
            details={"chat": chat_id, "title": title, "branch": branch.id},
        )
        if before is not None and before.active and before.community_id != branch.community_id:
            # The community that loses the group hears of it, from its own audit trail too.
            await self._audit.record(
                "group.taken",
                actor_id=actor.user_id,
                community_id=before.community_id,
                details={"chat": chat_id, "to_community": branch.community_id},
            )
            await self._notices.to_coordinators(before.community_id, "notice.group_rebound", title=title)
        return branch

    async def unbind(self, actor: Actor, chat_id: int) -> bool:
        group = await self.bound(chat_id)
        if group is None:
            return False
        check(actor, Action.BIND, None, group.community_id)
        await self._groups.set_active(chat_id, False)
        await self._audit.record(
            "group.unbind", actor_id=actor.user_id, community_id=group.community_id, details={"chat": chat_id}
        )
        return True

    async def lost(self, chat_id: int, by: int | None) -> None:
        """The bot left or was removed: the binding is dropped and the coordinators told."""
        group = await self._groups.get(chat_id)
        if group is None or not await self._groups.set_active(chat_id, False):
            return
        await self._audit.record(
            "group.lost", actor_id=by, community_id=group.community_id, details={"chat": chat_id}
        )
        await self._notices.to_coordinators(group.community_id, "notice.group_lost", title=group.title)

    async def migrated(self, old_chat: int, new_chat: int) -> None:
        """A group became a supergroup: its binding, cards and queued messages follow it."""
        group = await self._groups.get(old_chat)
        if group is None:
            return
        await self._groups.migrate(old_chat, new_chat)
        await self._outbox.retarget(old_chat, new_chat)
        await self._audit.record(
            "group.migrate",
            actor_id=None,
            community_id=group.community_id,
            details={"from": old_chat, "to": new_chat},
        )
        await self._notices.to_coordinators(group.community_id, "notice.group_moved", title=group.title)

    async def _refused(self, actor: Actor, asked: dict[str, int], why: str) -> None:
        await self._audit.record("refused.bind", actor_id=actor.user_id, details={**asked, "why": why})

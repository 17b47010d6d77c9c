"""Communities and their structure: branches, coordinators, settings, and which community a
coordinator's commands act in (/use). Each change is one transaction with its audit entry."""

from __future__ import annotations

from typing import NamedTuple

from bot import arguments, validation
from bot.clock import Clock
from bot.errors import DomainError, InvalidInput, NotFound
from bot.models import COMMUNITY_SETTINGS, Action, Branch, Community
from bot.people.audit import Audit
from bot.people.notices import Notices
from bot.people.policies import Actor, check
from bot.settings import Settings
from storage.db import Database
from storage.organisation import BranchRepo, CommunityRepo, CoordinatorRepo, PrefRepo

NAME_MAX = 40


class CommunityLine(NamedTuple):
    """One community as the super-admin's list shows it."""

    community: Community
    branches: int
    coordinators: int


class BranchLine(NamedTuple):
    """One branch as its coordinators' list shows it: active members only."""

    branch: Branch
    members: int


class Communities:
    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        clock: Clock,
        communities: CommunityRepo,
        branches: BranchRepo,
        coordinators: CoordinatorRepo,
        prefs: PrefRepo,
        audit: Audit,
        notices: Notices,
    ) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._communities = communities
        self._branches = branches
        self._coordinators = coordinators
        self._prefs = prefs
        self._audit = audit
        self._notices = notices

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
        return actor.working_community()

    async def overview(self, actor: Actor) -> list[CommunityLine]:
        """Every community with its number of branches and coordinators (super-admins only)."""
        check(actor, Action.ADMINISTER, None, 0)
        return [
            CommunityLine(
                community,
                len(await self._branches.for_community(community.id)),
                len(await self._coordinators.of_community(community.id)),
            )
            for community in await self._communities.all()
        ]

    async def branch_lines(self, actor: Actor, community_id: int) -> list[BranchLine]:
        """A community's branches with their active members, for its coordinators."""
        check(actor, Action.MANAGE_MEMBERS, None, community_id)
        counts = await self._branches.active_member_counts(community_id)
        return [BranchLine(b, counts.get(b.id, 0)) for b in await self._branches.for_community(community_id)]

    # --- super-admin: communities and coordinators ----------------------------------------

    async def create_community(self, actor: Actor, name: str, tz: str | None = None) -> Community:
        check(actor, Action.ADMINISTER, None, 0)
        name = validation.text(name, NAME_MAX)
        now = self._clock.now()
        async with self._db.transaction() as conn:
            community = await self._communities.create(conn, name, tz or self._settings.tz, now)
            if community is None:
                raise DomainError("err.community_exists", name=name)
            await self._audit.change(conn, actor, "community.create", community.id, {"name": name})
        return community

    async def appoint(self, actor: Actor, community_id: int, user_id: int) -> bool:
        check(actor, Action.ADMINISTER, None, community_id)
        community = await self.community(community_id)
        async with self._db.transaction() as conn:
            added = await self._coordinators.add(
                conn, community.id, user_id, actor.user_id, self._clock.now()
            )
            if added:
                await self._audit.change(conn, actor, "coordinator.appoint", community.id, {"user": user_id})
                await self._notices.to_user(user_id, "org.appointed", conn=conn, community=community.name)
                await self._notices.menu(user_id, conn=conn)
        self._notices.on_outbox()
        return added

    async def dismiss(self, actor: Actor, community_id: int, user_id: int) -> bool:
        check(actor, Action.ADMINISTER, None, community_id)
        async with self._db.transaction() as conn:
            removed = await self._coordinators.remove(conn, community_id, user_id)
            if removed:
                await self._audit.change(conn, actor, "coordinator.dismiss", community_id, {"user": user_id})
                await self._notices.menu(user_id, conn=conn)
        self._notices.on_outbox()
        return removed

    # --- coordinators: branches, settings, /use --------------------------------------------

    async def add_branch(self, actor: Actor, community_id: int, name: str) -> Branch:
        check(actor, Action.MANAGE_MEMBERS, None, community_id)
        name = validation.text(name, NAME_MAX)
        async with self._db.transaction() as conn:
            branch = await self._branches.create(conn, community_id, name, self._clock.now())
            if branch is None:
                raise DomainError("err.branch_exists", name=name)
            await self._audit.change(
                conn, actor, "branch.create", community_id, {"branch": branch.id, "name": name}
            )
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
            await self._audit.change(
                conn, actor, "community.setting", community_id, {"key": key, "value": value}
            )
        return await self.community(community_id)


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
    if key == "points_joint":  # a joint wish's points: split among its members, or shared whole
        aliases |= {"split": "0", "分摊": "0", "平分": "0", "shared": "1", "share": "1", "共享": "1"}
    text = aliases.get(text, text)
    low, high = COMMUNITY_SETTINGS[key]
    return arguments.whole(text, low, high, reason="org.setting_range", key=key)

"""The organisation behind one door, for the command line, the benchmarks and tests.

The work is done by three services, each owning one idea: communities and their structure
(bot.people.communities), people and their membership (bot.people.membership), group chats
(bot.people.groups). Handlers reach those through bot.core.Core; this facade keeps the names
callers outside the Telegram layer have always used.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.people.audit import Audit
from bot.people.communities import NAME_MAX, BranchLine, Communities, CommunityLine, parse_setting
from bot.people.directory import Directory
from bot.people.groups import Groups
from bot.people.membership import (
    INVITE_DAYS,
    INVITE_MAX_DAYS,
    INVITE_MAX_USES,
    INVITE_PREFIX,
    INVITE_USES,
    NAME_MIN,
    PERSON_NAME_MAX,
    MemberLine,
    People,
)
from bot.people.notices import Notices
from bot.people.policies import Actor
from bot.settings import Settings
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

__all__ = [
    "INVITE_DAYS",
    "INVITE_MAX_DAYS",
    "INVITE_MAX_USES",
    "INVITE_PREFIX",
    "INVITE_USES",
    "NAME_MAX",
    "NAME_MIN",
    "PERSON_NAME_MAX",
    "SYSTEM",
    "BranchLine",
    "Communities",
    "CommunityLine",
    "Groups",
    "MemberLine",
    "OrgService",
    "People",
    "parse_setting",
]

# A stand-in actor for the command line, which runs with the operator's full authority.
SYSTEM = Actor(user_id=0, is_admin=True)


class OrgService:
    def __init__(self, communities: Communities, people: People, groups: Groups) -> None:
        self.communities = communities
        self.people = people
        self.groups = groups
        # The single object's names, each bound to the service that owns it now.
        self.community = communities.community
        self.branches = communities.branches
        self.branch = communities.branch
        self.communities_for = communities.communities_for
        self.current = communities.current
        self.create_community = communities.create_community
        self.appoint = communities.appoint
        self.dismiss = communities.dismiss
        self.add_branch = communities.add_branch
        self.use = communities.use
        self.set_setting = communities.set_setting
        self.register = people.register
        self.refused = people.refused
        self.create_invite = people.create_invite
        self.invite_problem = people.invite_problem
        self.needs_phone = people.needs_phone
        self.join_with_invite = people.join_with_invite
        self.file_request = people.file_request
        self.decide_request = people.decide_request
        self.set_member_status = people.set_member_status
        self.members = people.members
        self.bind_group = groups.bind
        self.unbind_group = groups.unbind
        self.group_lost = groups.lost
        self.group_migrated = groups.migrated

    @classmethod
    def build(
        cls,
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
    ) -> OrgService:
        audit = Audit(events, clock)
        org = Communities(
            db=db,
            settings=settings,
            clock=clock,
            communities=communities,
            branches=branches,
            coordinators=coordinators,
            prefs=prefs,
            audit=audit,
            notices=notices,
        )
        people = People(
            db=db,
            clock=clock,
            members=members,
            memberships=memberships,
            org=org,
            invites=invites,
            requests=requests,
            outbox=outbox,
            directory=directory,
            notices=notices,
            wishes=wishes,
            audit=audit,
        )
        chats = Groups(clock=clock, groups=groups, outbox=outbox, org=org, audit=audit, notices=notices)
        return cls(org, people, chats)

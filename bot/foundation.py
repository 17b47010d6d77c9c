"""What every feature service is built from: the settings and the clock, the database and its
repositories, the directory of people, the wish lifecycle and the organisation's services.

bot/services.py builds the features (reminders, reports, records, the wall, ...) on top of these;
`build` puts this part together from the settings alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

from bot.clock import Clock
from bot.messaging.ratelimit import SendLimits
from bot.people.directory import Directory
from bot.people.notices import Notices
from bot.people.organisation import OrgService
from bot.settings import Settings
from bot.wishes.balance import Balancer
from bot.wishes.lifecycle import WishService
from storage.db import Database
from storage.drafts import ConversationRepo, DraftRepo
from storage.events import EventRepo
from storage.groups import GroupRepo
from storage.identity import IdentityRepo
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
from storage.wishes import WishRepo


@dataclass
class Foundation:
    settings: Settings
    clock: Clock
    db: Database
    wish_repo: WishRepo
    events: EventRepo
    outbox: OutboxRepo
    groups: GroupRepo
    members: MemberRepo
    drafts: DraftRepo
    conversations: ConversationRepo
    communities: CommunityRepo
    branches: BranchRepo
    memberships: MembershipRepo
    coordinators: CoordinatorRepo
    invites: InviteRepo
    requests: JoinRequestRepo
    prefs: PrefRepo
    directory: Directory
    wishes: WishService
    org: OrgService
    notices: Notices
    balancer: Balancer
    # Telegram's limits as this process sees them: the outbox and direct replies share them.
    limits: SendLimits = field(default_factory=SendLimits)

    @classmethod
    def build(cls, settings: Settings, clock: Clock) -> Self:
        db = Database(settings.db)
        wish_repo = WishRepo(db)
        events = EventRepo(db)
        outbox = OutboxRepo(db)
        groups = GroupRepo(db)
        members = MemberRepo(db)
        memberships = MembershipRepo(db)
        coordinators = CoordinatorRepo(db)
        prefs = PrefRepo(db)
        communities = CommunityRepo(db)
        directory = Directory(settings, members, IdentityRepo(db), coordinators, communities)
        wishes = WishService(
            db=db,
            wishes=wish_repo,
            events=events,
            outbox=outbox,
            groups=groups,
            communities=communities,
            directory=directory,
            clock=clock,
            card_settle_seconds=settings.card_settle_seconds,
        )
        branches = BranchRepo(db)
        notices = Notices(db=db, outbox=outbox, directory=directory, clock=clock)
        invites = InviteRepo(db)
        requests = JoinRequestRepo(db)
        services = cls(
            settings=settings,
            clock=clock,
            db=db,
            wish_repo=wish_repo,
            events=events,
            outbox=outbox,
            groups=groups,
            members=members,
            drafts=DraftRepo(db),
            conversations=ConversationRepo(db),
            communities=communities,
            branches=branches,
            memberships=memberships,
            coordinators=coordinators,
            directory=directory,
            wishes=wishes,
            invites=invites,
            requests=requests,
            prefs=prefs,
            notices=notices,
            balancer=Balancer(wishes=wishes, wish_repo=wish_repo, branches=branches, groups=groups),
            limits=SendLimits(
                per_second=settings.outbox_rate_per_second,
                private_interval=settings.private_interval_seconds,
                group_per_minute=settings.group_messages_per_minute,
                reply_headroom=settings.reply_headroom_per_second,
                private_burst=settings.private_burst,
            ),
            org=OrgService.build(
                db=db,
                settings=settings,
                clock=clock,
                communities=communities,
                branches=branches,
                memberships=memberships,
                coordinators=coordinators,
                invites=invites,
                requests=requests,
                prefs=prefs,
                members=members,
                groups=groups,
                events=events,
                outbox=outbox,
                directory=directory,
                notices=notices,
                wishes=wishes,
            ),
        )
        return services

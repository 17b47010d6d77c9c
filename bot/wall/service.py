"""The wish wall's side of the core: who is asking, what they may see, and their changes handed
to the same lifecycle, policies and outbox as a tap in a chat."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.categories.book import CategoryChoice
from bot.categories.service import Categories
from bot.clock import Clock, local_today
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.models import Action, Branch, Community, MembershipStatus, Wish, WishStatus
from bot.people.directory import Directory
from bot.people.membership import People
from bot.people.policies import Actor, check
from bot.points.hours import parse_hours
from bot.records.model import MemberRecord
from bot.records.service import RecordsService, default_record_period
from bot.reports.weekly import ReportService
from bot.settings import Settings
from bot.texts import pick_lang
from bot.timing import community_zone, extension_window
from bot.wall.auth import WallUser, authenticate
from bot.wall.dashboard import Dashboard, Dashboards
from bot.wall.desk import Desk
from bot.wall.query import Sort, WallQuery
from bot.wishes.balance import Balancer
from bot.wishes.cards import media_ref
from bot.wishes.graph import MAX_NOTE
from bot.wishes.lifecycle import WishService
from bot.wishes.releases import ReleaseReason
from storage.db import Database
from storage.groups import GroupRepo
from storage.media import MediaRepo
from storage.organisation import BranchRepo, CommunityRepo
from storage.stats import StatsRepo
from storage.wall import WallFilter, WallRepo

# What an uploaded delivery photo may be: a phone's picture, not a file of any kind.
PHOTO_MAX_BYTES = 5 * 1024 * 1024
_PICTURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


def picture_type(content: bytes) -> str | None:
    """JPEG or PNG, told by the first bytes (a client's Content-Type is only its word)."""
    return next((mime for magic, mime in _PICTURES if content.startswith(magic)), None)


@dataclass(frozen=True)
class Membership:
    community: Community
    branch: Branch | None
    status: MembershipStatus


@dataclass(frozen=True)
class Me:
    user: WallUser
    name: str
    lang: str
    member: Membership | None
    coordinates: list[Community]
    admin: bool


@dataclass(frozen=True)
class Page:
    total: int
    wishes: list[Wish]
    branches: list[Branch]
    categories: list[CategoryChoice] = field(default_factory=list)  # the filter's choices


@dataclass(frozen=True)
class Held:
    """A wish the actor holds, with its details (read through the VIEW_DETAILS policy)."""

    wish: Wish
    branches: list[Branch]
    window: tuple[date, date] | None  # the new due dates they may ask for, while claimed
    # The community's default service hours (tenths), which a delivery records unless the
    # member states others; while claimed.
    hours_default: int | None = None


@dataclass(frozen=True)
class CoordinatorParts:
    """What the coordinators' side of the wall reads from besides the members' side: the
    figures of /stats and the weekly report, the groups, the claim sheet, the chat's services."""

    stats: StatsRepo
    reports: ReportService
    groups: GroupRepo
    records: RecordsService
    balancer: Balancer
    people: People


class WallService:
    def __init__(
        self,
        *,
        settings: Settings,
        clock: Clock,
        db: Database,
        wall: WallRepo,
        media: MediaRepo,
        wishes: WishService,
        communities: CommunityRepo,
        branches: BranchRepo,
        directory: Directory,
        categories: Categories,
        coordinators: CoordinatorParts,
    ) -> None:
        self._categories = categories
        c = coordinators
        self._dashboards = Dashboards(
            wall=wall,
            stats=c.stats,
            reports=c.reports,
            wishes=wishes,
            communities=communities,
            branches=branches,
            directory=directory,
            groups=c.groups,
            records=c.records,
            zone=settings.zone,
        )
        # The coordinators' actions that are more than one lifecycle call (bot/wall/desk.py).
        self.desk = Desk(
            wishes=wishes,
            balancer=c.balancer,
            groups=c.groups,
            branches=branches,
            people=c.people,
            records=c.records,
        )
        self._records = c.records
        self._settings = settings
        self._clock = clock
        self._db = db
        self._wall = wall
        self._media = media
        self._wishes = wishes
        self._communities = communities
        self._branches = branches
        self._directory = directory

    # --- who is asking ----------------------------------------------------------------------

    def authenticate(self, header: str | None) -> WallUser:
        """The user Telegram's signed initData names (bot/wall/auth.py), or Unauthorized."""
        return authenticate(header, self._settings.bot_token, self._clock.now())

    def lang(self, user: WallUser) -> str:
        return pick_lang(user.language_code, self._settings.default_lang)

    async def actor(self, user: WallUser) -> Actor:
        """Their roles as the database has them now: nothing the client says counts."""
        return await self._directory.actor(user.id, self.lang(user))

    async def me(self, user: WallUser, actor: Actor) -> Me:
        member = None
        membership = actor.membership
        if membership is not None and membership.status is not MembershipStatus.REMOVED:
            community = await self._communities.get(membership.community_id)
            if community is not None:
                member = Membership(
                    community, await self._branches.get(membership.branch_id), membership.status
                )
        coordinates = [c for c in await self._communities.all() if actor.coordinates(c.id)]
        name = actor.member.full_name if actor.member is not None else user.full_name
        return Me(user, name, actor.lang, member, coordinates, actor.is_admin)

    async def community_of(self, actor: Actor) -> Community:
        """The community whose wall they see: a coordinator's current one (/use), else the one
        they are a member of, if the policy lets them see it (not while suspended)."""
        if actor.is_coordinator:
            community_id = actor.current_community
        else:
            community_id = actor.membership.community_id if actor.membership is not None else None
        if community_id is None:
            raise NotAllowed("err.register_first" if actor.member is None else "err.no_membership")
        community = await self._communities.get(community_id)
        if community is None:
            raise NotFound("err.no_community")
        check(actor, Action.BROWSE, None, community.id)
        return community

    # --- reading the wall -------------------------------------------------------------------

    async def browse(self, actor: Actor, query: WallQuery) -> Page:
        """The community's wishes open for claiming, as its groups show them."""
        community = await self.community_of(actor)
        branches = await self._branches.for_community(community.id)
        if query.branch_id is not None and query.branch_id not in {b.id for b in branches}:
            raise InvalidInput("wall.bad_branch")
        due_by = None
        if query.due_within is not None:
            due_by = self._today(community) + timedelta(days=query.due_within)
        total, wishes = await self._wall.claimable(
            WallFilter(
                community_id=community.id,
                category=query.category,
                branch_id=query.branch_id,
                min_fen=query.min_fen,
                max_fen=query.max_fen,
                due_by=due_by,
                text=query.text,
                newest_first=query.sort is Sort.NEW,
                limit=query.limit,
                offset=query.offset,
            )
        )
        return Page(total, wishes, branches, await self._categories.choices(community.id, actor.lang))

    async def held(self, actor: Actor) -> list[Held]:
        """The wishes they hold, each with its details exactly while the policy shows them."""
        found: list[Held] = []
        communities: dict[int, tuple[Community, list[Branch]]] = {}
        for wish in await self._wishes.held_by(actor):
            try:
                # The Mini App is the user's own screen, as private as their chat with the bot.
                shown = await self._wishes.details(actor, wish.id, in_private=True)
            except NotAllowed:
                continue  # released between the two reads: no longer theirs to see
            if shown.community_id not in communities:
                community = await self._wishes.community(shown.community_id)
                communities[shown.community_id] = (
                    community,
                    await self._branches.for_community(community.id),
                )
            community, branches = communities[shown.community_id]
            window, hours = None, None
            if shown.status is WishStatus.CLAIMED:
                window = extension_window(
                    shown.due_date, self._today(community), community.max_extension_days, by_coordinator=False
                )
                hours = community.hours_default * 10
            found.append(Held(shown, branches, window, hours))
        return found

    async def record(self, actor: Actor) -> MemberRecord | None:
        """Their service record for the current half year, as /myrecord gives it: in the
        community they are a member of (None for someone who is nobody's member)."""
        membership = actor.membership
        if membership is None or membership.status is MembershipStatus.REMOVED:
            return None
        community = await self._communities.get(membership.community_id)
        if community is None:
            return None
        span = default_record_period(self._today(community))
        return await self._records.member_record(community.id, actor.user_id, span)

    async def branches_of(self, community_id: int) -> list[Branch]:
        return await self._branches.for_community(community_id)

    # --- changes: the lifecycle's, nothing of their own -------------------------------------

    async def claim(self, actor: Actor, wish_id: int) -> Wish:
        """The group button's claim, from no group: the card is edited and the details sent
        to their private chat through the outbox, as for a tap."""
        return await self._wishes.claim(actor, wish_id)

    async def release(
        self, actor: Actor, wish_id: int, reason: str = "", kind: ReleaseReason | None = None
    ) -> Wish:
        """The chat's release with a reason: one of its choices (`kind`), with words for
        "other"; words alone are "other" too, so the branch report counts them as the chat's."""
        if kind is None and reason.strip():
            kind = ReleaseReason.OTHER
        return await self._wishes.release(actor, wish_id, reason, kind)

    async def extend(self, actor: Actor, wish_id: int, new_due: date) -> Wish:
        wish = await self._wishes.get(wish_id)
        community = await self._wishes.community(wish.community_id)
        return await self._wishes.extend(actor, wish_id, new_due, community=community)

    async def deliver(
        self, actor: Actor, wish_id: int, note: str | None, photo: bytes | None, hours: str | None = None
    ) -> Wish:
        """Delivered, with an optional note, photo and service hours (as typed; without, the
        community's default). An uploaded photo is kept like the bot's own pictures
        (storage/media.py) and reaches the coordinators with the delivery report through the
        outbox, which uploads it to Telegram once."""
        if note is not None and len(note.strip()) > MAX_NOTE:
            raise InvalidInput("val.too_long", max=MAX_NOTE)
        tenths = parse_hours(hours) if hours is not None else None
        reference = None
        if photo is not None:
            mime = picture_type(photo)
            if mime is None:
                raise InvalidInput("wall.photo_type")
            if len(photo) > PHOTO_MAX_BYTES:
                raise InvalidInput("wall.photo_size", max=PHOTO_MAX_BYTES // (1024 * 1024))
            # Refused before the bytes are kept: only the holder of a claimed wish gets this far.
            await self._wishes.precheck(actor, Action.DELIVER, wish_id)
            async with self._db.transaction() as conn:
                key = await self._media.put(conn, photo, mime, self._clock.now())
            reference = media_ref(key)
        return await self._wishes.deliver(actor, wish_id, note, reference, tenths)

    # --- coordinators ---------------------------------------------------------------------------

    async def dashboard(self, actor: Actor, community_id: int | None) -> Dashboard:
        """A community's figures and lists, for its coordinators (bot/wall/dashboard.py)."""
        return await self._dashboards.build(actor, community_id, self._clock.now())

    def _today(self, community: Community) -> date:
        return local_today(self._clock.now(), community_zone(community, self._settings.zone))

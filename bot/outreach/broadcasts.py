"""A coordinator's message to every active member of a branch, privately.

Choose the branch, send the text (or a photo with it as caption), see the preview, Send. Each
member's copy is an outbox row written in one transaction with the broadcast and its audit
entry, so it goes out within Telegram's limits and survives a restart; in the community's quiet
hours the rows wait for their end. Members the bot knows it cannot reach are not queued and
count as unreachable; a 403 on the way out counts them too. Once no copy waits any more, the
report pass tells the sender how many arrived (and who could not be reached); /broadcasts shows
the same counts at any time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo

from bot.clock import Clock
from bot.drafts import DraftService
from bot.errors import DomainError, InvalidInput, NotAllowed
from bot.models import Action, Branch, Community, Frozen, MembershipStatus, NewOutbox, OutboxKind
from bot.outreach import cards
from bot.outreach.buttons import BroadcastDraft, new_token
from bot.people.audit import Audit
from bot.people.directory import Directory
from bot.people.policies import Actor, check
from bot.settings import Settings
from bot.timing import at_local, community_zone, in_quiet_hours
from bot.validation import visible
from storage.broadcasts import BroadcastRepo, BroadcastStatus
from storage.db import Database
from storage.members import MemberRepo
from storage.organisation import BranchRepo, CommunityRepo, MembershipRepo
from storage.outbox import OutboxRepo

RECENT = 5  # broadcasts /broadcasts lists


class Target(Frozen):
    """A branch chosen for a broadcast, and who is in it."""

    branch: Branch
    community: Community
    recipients: tuple[int, ...]  # its active members but the sender
    unreachable: int  # of them, known to be unreachable already


class Preview(Frozen):
    target: Target
    draft: BroadcastDraft
    sender: str
    held_until: datetime | None  # quiet hours now: when the messages will go


class Sent(Frozen):
    broadcast_id: int
    branch: str
    queued: int
    skipped: int
    held_until: datetime | None


def held_until(now: datetime, community: Community, zone: tzinfo) -> datetime | None:
    """The end of the quiet hours `now` falls in (local time), or None outside them."""
    local = now.astimezone(zone)
    if not in_quiet_hours(local.hour, community):
        return None
    end = at_local(local.date(), community.quiet_end, zone)
    return end if end > local else at_local(local.date() + timedelta(days=1), community.quiet_end, zone)


def clean_message(text: str | None, *, caption: bool) -> str:
    """The message as it will go: its lines kept, format characters and outer blanks dropped."""
    cleaned = visible(text or "").strip()
    limit = cards.MAX_CAPTION if caption else cards.MAX_TEXT
    if not cleaned:
        raise InvalidInput("bc.caption_needed" if caption else "val.empty", max=limit)
    if len(cleaned) > limit:
        raise InvalidInput("bc.too_long", max=limit, length=len(cleaned))
    return cleaned


class BroadcastService:
    def __init__(
        self,
        *,
        db: Database,
        repo: BroadcastRepo,
        communities: CommunityRepo,
        branches: BranchRepo,
        memberships: MembershipRepo,
        members: MemberRepo,
        directory: Directory,
        outbox: OutboxRepo,
        drafts: DraftService,
        audit: Audit,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self._db = db
        self._repo = repo
        self._communities = communities
        self._branches = branches
        self._memberships = memberships
        self._members = members
        self._directory = directory
        self._outbox = outbox
        self._drafts = drafts
        self._audit = audit
        self._settings = settings
        self._clock = clock
        # The sender's wake-up, once there is one (bot/services.py): the copies go at once.
        self.on_outbox: Callable[[], None] = lambda: None

    async def _allowed(self, actor: Actor, community_id: int, what: str) -> None:
        try:
            check(actor, Action.BROADCAST, None, community_id)
        except NotAllowed:
            await self._audit.record(
                "refused.broadcast", actor_id=actor.user_id, community_id=community_id, details={"at": what}
            )
            raise

    async def branches(self, actor: Actor) -> list[Branch]:
        """The branches of the community the coordinator works in now."""
        community_id = actor.working_community()
        await self._allowed(actor, community_id, "start")
        found = await self._branches.for_community(community_id)
        if not found:
            raise DomainError("org.no_branches")
        return found

    async def target(self, actor: Actor, branch_id: int) -> Target:
        branch = await self._branches.get(branch_id)
        if branch is None:
            raise DomainError("err.no_branch")
        await self._allowed(actor, branch.community_id, "branch")
        community = await self._communities.get(branch.community_id)
        assert community is not None
        members = await self._memberships.of_branch(branch.id, MembershipStatus.ACTIVE)
        recipients = tuple(m.user_id for m in members if m.user_id != actor.user_id)
        known = await self._members.get_many(list(recipients))
        unreachable = sum(
            1 for uid in recipients if uid not in known or known[uid].unreachable_at is not None
        )
        return Target(branch=branch, community=community, recipients=recipients, unreachable=unreachable)

    async def choose(self, actor: Actor, branch_id: int) -> Target:
        """Start a draft for this branch (any earlier draft of the coordinator's is replaced)."""
        target = await self.target(actor, branch_id)
        if not target.recipients:
            raise DomainError("bc.no_members", branch=target.branch.name)
        await self._drafts.save(actor.user_id, BroadcastDraft(branch_id=branch_id))
        return target

    async def draft(self, actor: Actor) -> BroadcastDraft | None:
        return await self._drafts.load(actor.user_id, BroadcastDraft)

    async def compose(self, actor: Actor, text: str | None, photo_file_id: str | None = None) -> Preview:
        """The message typed (or a photo's caption): checked, kept in the draft, previewed. A new
        message makes new buttons: Send under an earlier preview no longer sends anything."""
        draft = await self.draft(actor)
        if draft is None:
            raise DomainError("bc.restart")
        cleaned = clean_message(text, caption=photo_file_id is not None)
        target = await self.target(actor, draft.branch_id)
        draft = BroadcastDraft(
            branch_id=draft.branch_id, token=new_token(), text=cleaned, photo_file_id=photo_file_id
        )
        await self._drafts.save(actor.user_id, draft)
        zone = community_zone(target.community, self._settings.zone)
        return Preview(
            target=target,
            draft=draft,
            sender=actor.display_name,
            held_until=held_until(self._clock.now(), target.community, zone),
        )

    async def cancel(self, actor: Actor, token: str) -> None:
        draft = await self.draft(actor)
        if draft is None or draft.token != token:
            raise DomainError("err.stale_button")
        await self._drafts.delete(actor.user_id, BroadcastDraft)

    async def send(self, actor: Actor, token: str) -> Sent:
        """Queue one copy per active member of the branch, once per draft however often Send is
        tapped; checked again now (the sender may have lost their role since the preview)."""
        draft = await self.draft(actor)
        if draft is None or draft.token != token or draft.text is None:
            raise DomainError("err.stale_button")
        target = await self.target(actor, draft.branch_id)
        community, branch = target.community, target.branch
        now = self._clock.now()
        zone = community_zone(community, self._settings.zone)
        until = held_until(now, community, zone)
        delay = (until - now).total_seconds() if until is not None else 0.0
        known = await self._members.get_many(list(target.recipients))
        queued = skipped = 0
        async with self._db.transaction() as conn:
            broadcast_id = await self._repo.create(
                conn,
                community_id=community.id,
                branch_id=branch.id,
                sender_id=actor.user_id,
                token=draft.token,
                text=draft.text,
                photo_file_id=draft.photo_file_id,
                now=now,
            )
            if broadcast_id is None:
                raise DomainError("bc.already_sent")
            for user_id in target.recipients:
                member = known.get(user_id)
                item = None
                if member is not None and member.unreachable_at is None:
                    rendered = cards.message(
                        member.lang, branch.name, actor.display_name, draft.text, draft.photo_file_id
                    )
                    item = NewOutbox(
                        kind=OutboxKind.MESSAGE, chat_id=user_id, payload=rendered, delay_seconds=delay
                    )
                    queued += 1
                else:
                    skipped += 1
                await self._repo.add_recipient(conn, broadcast_id, user_id, item, now)
            await self._audit.change(
                conn,
                actor,
                "broadcast",
                community.id,
                {
                    "broadcast": broadcast_id,
                    "branch": branch.id,
                    "recipients": len(target.recipients),
                    "queued": queued,
                    "photo": draft.photo_file_id is not None,
                },
            )
        await self._drafts.delete(actor.user_id, BroadcastDraft)
        self.on_outbox()
        return Sent(
            broadcast_id=broadcast_id, branch=branch.name, queued=queued, skipped=skipped, held_until=until
        )

    # --- afterwards -------------------------------------------------------------------------

    async def statuses(self, actor: Actor) -> list[tuple[BroadcastStatus, str, str]]:
        """The community's latest broadcasts with their counts, branch and local time."""
        community_id = actor.working_community()
        await self._allowed(actor, community_id, "status")
        community = await self._communities.get(community_id)
        assert community is not None
        found = []
        for status in await self._repo.recent(community.id, RECENT):
            found.append((status, *await self._labels(community, status.broadcast.branch_id, status)))
        return found

    async def _labels(self, community: Community, branch_id: int, status: BroadcastStatus) -> tuple[str, str]:
        branch = await self._branches.get(branch_id)
        zone = community_zone(community, self._settings.zone)
        when = status.broadcast.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        return (branch.name if branch else "?"), when

    async def report_pass(self, now: datetime) -> int:
        """Tell each sender, once, how their broadcast went: when no copy waits any more and it
        is not quiet hours in the community. Returns how many reports were queued."""
        queued = 0
        for broadcast in await self._repo.unreported():
            status = BroadcastStatus(broadcast=broadcast, counts=await self._repo.counts(broadcast.id))
            community = await self._communities.get(broadcast.community_id)
            if status.counts.waiting or community is None:
                continue
            zone = community_zone(community, self._settings.zone)
            if in_quiet_hours(now.astimezone(zone).hour, community):
                continue
            branch, when = await self._labels(community, broadcast.branch_id, status)
            names = [await self._directory.name_of(uid) for uid in status.counts.unreachable_ids]
            lang = await self._directory.lang_of(broadcast.sender_id)
            rendered = cards.report(lang, status, branch, when, names)
            item = NewOutbox(kind=OutboxKind.MESSAGE, chat_id=broadcast.sender_id, payload=rendered)
            async with self._db.transaction() as conn:
                if await self._repo.mark_reported(conn, broadcast.id, now):
                    queued += await self._outbox.enqueue(conn, [item], now)
        return queued

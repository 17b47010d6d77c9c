"""Who may do what to a wish. The one place these rules live; the tests enumerate them."""

from __future__ import annotations

from enum import StrEnum

from bot.errors import NotAllowed
from bot.models import Action, Frozen, Member, Membership, MembershipStatus, Wish


class Actor(Frozen):
    """A user as the core sees them for one request, resolved from the database."""

    user_id: int
    lang: str = "zh"
    member: Member | None = None
    membership: Membership | None = None
    is_admin: bool = False
    coordinator_of: frozenset[int] = frozenset()
    current_community: int | None = None

    def coordinates(self, community_id: int) -> bool:
        return self.is_admin or community_id in self.coordinator_of

    @property
    def is_coordinator(self) -> bool:
        return self.is_admin or bool(self.coordinator_of)

    @property
    def display_name(self) -> str:
        return self.member.full_name if self.member else str(self.user_id)


# Actions only a coordinator of the community concerned (or a super-admin) may take.
COORDINATOR_ACTIONS = frozenset(
    {
        Action.CREATE,
        Action.VERIFY,
        Action.REJECT,
        Action.POST,
        Action.CONFIRM,
        Action.DISPUTE,
        Action.CANCEL,
        Action.HISTORY,
        Action.EXPORT,
        Action.INVITE,
        Action.BIND,
        Action.MANAGE_MEMBERS,
    }
)


def check(actor: Actor, action: Action, wish: Wish | None, community_id: int) -> None:
    """Raise NotAllowed (with the key of the reason) unless actor may take action.

    Decided from the database (the actor is resolved from it per request), never from what a
    message or button claims: a button's wish id only names the wish to look at.
    """
    if action is Action.ADMINISTER:
        if not actor.is_admin:
            raise NotAllowed("err.admins_only")
        return
    if action in COORDINATOR_ACTIONS:
        if not actor.coordinates(community_id):
            raise NotAllowed("err.coordinators_only" if not actor.is_coordinator else "err.other_community")
        return
    if action in (Action.CLAIM, Action.JOIN):
        _check_member_of(actor, community_id)
        return
    holds = wish is not None and actor.user_id in wish.holders
    if action is Action.RELEASE:
        # A coordinator may take a wish back from a holder who cannot deliver it.
        if holds or actor.coordinates(community_id):
            return
        raise NotAllowed("err.not_holder", code=wish.code if wish else "")
    if action is Action.DELIVER:
        if holds:
            return
        raise NotAllowed("err.not_holder", code=wish.code if wish else "")
    if action is Action.EXTEND:
        # The holder asks for more time; a coordinator may grant it from an escalation.
        if holds or actor.coordinates(community_id):
            return
        raise NotAllowed("err.not_holder", code=wish.code if wish else "")
    raise NotAllowed()


def _check_member_of(actor: Actor, community_id: int) -> None:
    if actor.member is None:
        raise NotAllowed("err.register_first")
    membership = actor.membership
    if membership is None:
        raise NotAllowed("err.no_membership")
    if membership.status is not MembershipStatus.ACTIVE:
        raise NotAllowed("err.suspended")
    if membership.community_id != community_id:
        raise NotAllowed("err.other_community")


def allowed(actor: Actor, action: Action, wish: Wish | None, community_id: int) -> bool:
    try:
        check(actor, action, wish, community_id)
    except NotAllowed:
        return False
    return True


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    ANY = "any"


class Need(StrEnum):
    ANYONE = "anyone"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    MEMBER = "member"  # registered (/start) members, and coordinators


class CommandRule(Frozen):
    chat: ChatKind
    need: Need
    # In a group, only a group bound to a branch takes this command.
    bound_group: bool = False


# Every command the bot knows, where it may be used and by whom. The guard applies this table
# before any feature handler runs; tests enumerate it.
COMMAND_RULES: dict[str, CommandRule] = {
    "start": CommandRule(chat=ChatKind.PRIVATE, need=Need.ANYONE),
    "help": CommandRule(chat=ChatKind.ANY, need=Need.ANYONE),
    "cancel": CommandRule(chat=ChatKind.ANY, need=Need.ANYONE),
    "mywishes": CommandRule(chat=ChatKind.PRIVATE, need=Need.ANYONE),
    "newwish": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "pending": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "wish": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "cancelwish": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "post": CommandRule(chat=ChatKind.ANY, need=Need.COORDINATOR, bound_group=True),
    "bind": CommandRule(chat=ChatKind.GROUP, need=Need.COORDINATOR),
    "unbind": CommandRule(chat=ChatKind.GROUP, need=Need.COORDINATOR),
    "history": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "joint": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "invite": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "members": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "suspend": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "reinstate": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "removemember": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "branch": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "use": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "settings": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "set": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "community": CommandRule(chat=ChatKind.PRIVATE, need=Need.ADMIN),
    "coordinator": CommandRule(chat=ChatKind.PRIVATE, need=Need.ADMIN),
    # In private, or in a bound group (the report then goes to that group); groups get it weekly anyway.
    "report": CommandRule(chat=ChatKind.ANY, need=Need.COORDINATOR, bound_group=True),
    # Issue 5: records in and out. "import" also governs spreadsheets sent as documents.
    "template": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "import": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "export": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "branchreport": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "forget": CommandRule(chat=ChatKind.PRIVATE, need=Need.COORDINATOR),
    "myrecord": CommandRule(chat=ChatKind.PRIVATE, need=Need.MEMBER),
    "stats": CommandRule(chat=ChatKind.PRIVATE, need=Need.MEMBER),
}


def command_refusal(command: str, actor: Actor, in_private: bool) -> str | None:
    """The text key explaining why this command may not run here, or None when it may."""
    rule = COMMAND_RULES.get(command)
    if rule is None:
        return None  # unknown commands are answered by the fallback handler
    if rule.chat is ChatKind.PRIVATE and not in_private:
        return "err.private_only"
    if rule.chat is ChatKind.GROUP and in_private:
        return "err.group_only"
    if rule.need is Need.COORDINATOR and not actor.is_coordinator:
        return "err.coordinators_only"
    if rule.need is Need.ADMIN and not actor.is_admin:
        return "err.admins_only"
    if rule.need is Need.MEMBER and actor.member is None and not actor.is_coordinator:
        return "err.members_only"
    return None

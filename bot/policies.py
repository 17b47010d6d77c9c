"""Who may do what to a wish. The one place these rules live; the tests enumerate them."""

from __future__ import annotations

from enum import StrEnum

from bot.errors import NotAllowed
from bot.models import Action, Frozen, Member, Membership, Wish


class Actor(Frozen):
    """A user as the core sees them for one request, resolved from the database."""

    user_id: int
    lang: str = "zh"
    member: Member | None = None
    membership: Membership | None = None
    is_admin: bool = False
    coordinator_of: frozenset[int] = frozenset()

    def coordinates(self, community_id: int) -> bool:
        return self.is_admin or community_id in self.coordinator_of

    @property
    def is_coordinator(self) -> bool:
        return self.is_admin or bool(self.coordinator_of)

    @property
    def display_name(self) -> str:
        return self.member.full_name if self.member else str(self.user_id)


# Actions only a coordinator of the wish's community may take.
COORDINATOR_ACTIONS = frozenset(
    {
        Action.CREATE,
        Action.VERIFY,
        Action.REJECT,
        Action.POST,
        Action.CONFIRM,
        Action.DISPUTE,
        Action.CANCEL,
    }
)


def check(actor: Actor, action: Action, wish: Wish | None, community_id: int) -> None:
    """Raise NotAllowed (with the key of the reason) unless actor may take action."""
    if action in COORDINATOR_ACTIONS:
        if not actor.coordinates(community_id):
            raise NotAllowed("err.coordinators_only")
        return
    if action is Action.CLAIM:
        if actor.member is None:
            raise NotAllowed("err.register_first")
        return
    if action is Action.RELEASE:
        # A coordinator may take a wish back from a holder who cannot deliver it.
        if wish is not None and (wish.holder_id == actor.user_id or actor.coordinates(community_id)):
            return
        raise NotAllowed("err.not_holder", code=wish.code if wish else "")
    if action is Action.DELIVER:
        if wish is not None and wish.holder_id == actor.user_id:
            return
        raise NotAllowed("err.not_holder", code=wish.code if wish else "")
    raise NotAllowed()


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
    MEMBER = "member"  # registered (/start) members, and coordinators


class CommandRule(Frozen):
    chat: ChatKind
    need: Need


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
    "post": CommandRule(chat=ChatKind.ANY, need=Need.COORDINATOR),
    "bind": CommandRule(chat=ChatKind.GROUP, need=Need.COORDINATOR),
    "unbind": CommandRule(chat=ChatKind.GROUP, need=Need.COORDINATOR),
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
    if rule.need is Need.MEMBER and actor.member is None and not actor.is_coordinator:
        return "err.members_only"
    return None

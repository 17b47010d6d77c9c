"""Who may do what to a wish. The one place these rules live; the tests enumerate them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.callbacks import (
    BalanceCallback,
    BranchCallback,
    BranchPurpose,
    WishButton,
    WishCallback,
)
from bot.errors import DomainError, NotAllowed
from bot.models import Action, Frozen, Member, Membership, MembershipStatus, Wish, WishStatus
from bot.texts import FALLBACK


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """A user as the core sees them for one request, resolved from the database.

    A plain frozen dataclass, not a model: one is made for nearly every update from parts
    already validated (bot/people/directory.py), where pydantic checked them all again."""

    user_id: int
    lang: str = FALLBACK
    member: Member | None = None
    membership: Membership | None = None
    is_admin: bool = False
    coordinator_of: frozenset[int] = frozenset()
    visitor_of: frozenset[int] = frozenset()  # communities whose follow-ups they may record
    current_community: int | None = None

    def coordinates(self, community_id: int) -> bool:
        return self.is_admin or community_id in self.coordinator_of

    @property
    def is_coordinator(self) -> bool:
        return self.is_admin or bool(self.coordinator_of)

    @property
    def display_name(self) -> str:
        return self.member.full_name if self.member else str(self.user_id)

    def working_community(self) -> int:
        """The community what they ask acts in: the one they work in now (a coordinator's
        choice with /use, else their own; a member's branch's community)."""
        if self.current_community is None:
            raise DomainError("err.no_community")
        return self.current_community


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
        Action.REOPEN,
        Action.REASSIGN,
        Action.HISTORY,
        Action.EXPORT,
        Action.MANAGE_CATEGORIES,
        Action.BROADCAST,
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
    if action in (Action.CLAIM, Action.JOIN, Action.SUBSCRIBE):
        _check_member_of(actor, community_id)
        return
    if action is Action.BROWSE:
        # The wall shows what the community's group cards show, to whoever could claim there.
        if not actor.coordinates(community_id):
            _check_member_of(actor, community_id)
        return
    if action is Action.FOLLOW_UP:
        # A visitor follows up only while an active member of the community that appointed them.
        if actor.coordinates(community_id):
            return
        if community_id in actor.visitor_of:
            _check_member_of(actor, community_id)
            return
        elsewhere = actor.is_coordinator or bool(actor.visitor_of)
        raise NotAllowed("err.other_community" if elsewhere else "fu.visitors_only")
    holds = wish is not None and actor.user_id in wish.holders
    if action is Action.VIEW_DETAILS:
        if actor.coordinates(community_id) or (holds and wish is not None and wish.status in _HELD):
            return
        why = "err.other_community" if actor.is_coordinator else "err.not_holder"
        raise NotAllowed(why, code=_code(wish))
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
    if action is Action.HANDOVER:
        # Only the holder offers their own claim; a coordinator who wants it elsewhere releases it.
        if holds:
            return
        raise NotAllowed("err.not_holder", code=_code(wish))
    if action is Action.TAKE_OVER:
        # Whoever takes a claim over must be able to claim in that community themselves (the
        # offer itself decides whether it is meant for them).
        _check_member_of(actor, community_id)
        return
    raise NotAllowed()


_HELD = frozenset({WishStatus.CLAIMED, WishStatus.DELIVERED})


def _code(wish: Wish | None) -> str:
    return wish.code if wish else ""


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
    # Listed in the command menus Telegram shows (its text is the catalog's "cmd.<name>").
    menu: bool = True


_P, _G, _A = ChatKind.PRIVATE, ChatKind.GROUP, ChatKind.ANY
_ANYONE, _COORD, _ADMIN, _MEMBER = Need.ANYONE, Need.COORDINATOR, Need.ADMIN, Need.MEMBER

# Every command the bot knows: where it may be used, by whom, and whether menus list it. The
# guard applies it before any feature handler runs and refuses every command it does not list;
# the menus are published from it; registration fails if a handler's command is missing here.
COMMAND_RULES: dict[str, CommandRule] = {
    "start": CommandRule(chat=_P, need=_ANYONE, menu=False),
    "help": CommandRule(chat=_A, need=_ANYONE),
    "cancel": CommandRule(chat=_A, need=_ANYONE),
    "mywishes": CommandRule(chat=_P, need=_ANYONE),
    "newwish": CommandRule(chat=_P, need=_COORD),
    "pending": CommandRule(chat=_P, need=_COORD),
    "wish": CommandRule(chat=_P, need=_COORD),
    "cancelwish": CommandRule(chat=_P, need=_COORD, menu=False),
    "post": CommandRule(chat=_A, need=_COORD, bound_group=True),
    "bind": CommandRule(chat=_G, need=_COORD),
    "unbind": CommandRule(chat=_G, need=_COORD),
    "history": CommandRule(chat=_P, need=_COORD),
    "joint": CommandRule(chat=_P, need=_COORD, menu=False),
    "invite": CommandRule(chat=_P, need=_COORD),
    "members": CommandRule(chat=_P, need=_COORD),
    "suspend": CommandRule(chat=_P, need=_COORD, menu=False),
    "reinstate": CommandRule(chat=_P, need=_COORD, menu=False),
    "removemember": CommandRule(chat=_P, need=_COORD, menu=False),
    "branch": CommandRule(chat=_P, need=_COORD),
    "use": CommandRule(chat=_P, need=_COORD, menu=False),
    "settings": CommandRule(chat=_P, need=_COORD),
    "set": CommandRule(chat=_P, need=_COORD, menu=False),
    "community": CommandRule(chat=_P, need=_ADMIN, menu=False),
    "coordinator": CommandRule(chat=_P, need=_ADMIN, menu=False),
    # In private, or in a bound group (the report then goes to that group); groups get it weekly anyway.
    "report": CommandRule(chat=_A, need=_COORD, bound_group=True),
    # "import" also governs spreadsheets sent as documents.
    "template": CommandRule(chat=_P, need=_COORD),
    "import": CommandRule(chat=_P, need=_COORD),
    "export": CommandRule(chat=_P, need=_COORD),
    "branchreport": CommandRule(chat=_P, need=_COORD),
    "forget": CommandRule(chat=_P, need=_COORD, menu=False),
    "myrecord": CommandRule(chat=_P, need=_MEMBER),
    "stats": CommandRule(chat=_P, need=_MEMBER),
    # The community's open wishes, as its group cards show them (Action.BROWSE decides whose).
    "wishes": CommandRule(chat=_P, need=_MEMBER),
    # Its own categories: coordinators (Action.MANAGE_CATEGORIES).
    "categories": CommandRule(chat=_P, need=_COORD),
    # Service hours and points (bot/points/). A leaderboard names members (or "a volunteer"),
    # never a wish: a bound group may see its own; who may see which is Action.BROWSE's rule.
    "leaderboard": CommandRule(chat=_A, need=_MEMBER, bound_group=True),
    "set_privacy": CommandRule(chat=_P, need=_MEMBER),
    # A delivery's hours: its holder until confirmed, its coordinators (Action.DELIVER / CONFIRM).
    "hours": CommandRule(chat=_P, need=_MEMBER, menu=False),
    "points": CommandRule(chat=_P, need=_COORD),
    # Follow-up visits: coordinators and the members they appoint as visitors (the policy's
    # Action.FOLLOW_UP decides, from the database), so not in members' menus; /visitor appoints.
    "followups": CommandRule(chat=_P, need=_MEMBER, menu=False),
    "followup": CommandRule(chat=_P, need=_MEMBER, menu=False),
    "visitor": CommandRule(chat=_P, need=_COORD, menu=False),
    # The daily digest of new wishes in one's branch; a coordinator's message to a branch.
    "subscribe": CommandRule(chat=_P, need=_MEMBER),
    "unsubscribe": CommandRule(chat=_P, need=_MEMBER),
    "broadcast": CommandRule(chat=_P, need=_COORD),
    "broadcasts": CommandRule(chat=_P, need=_COORD, menu=False),
}


# Where each kind of button may be pressed. Buttons carry their own data, which anyone can forge
# and press under any message of the bot's: a Verify pressed under a group card would put the
# coordinator's view, details and all, into the group. Only these may be pressed in a group.
def button_chat(data: object) -> ChatKind:
    """Where a button may be pressed: Claim under group cards and nudges, a branch for binding
    in the group being bound, batch posting where /post was sent; everything else in private."""
    if (wish := WishCallback.unpack(data)) is not None:
        return ChatKind.ANY if wish.action is WishButton.CLAIM else ChatKind.PRIVATE
    if (branch := BranchCallback.unpack(data)) is not None:
        return ChatKind.GROUP if branch.purpose is BranchPurpose.BIND else ChatKind.PRIVATE
    if BalanceCallback.unpack(data) is not None:
        return ChatKind.ANY
    return ChatKind.PRIVATE


def button_refusal(data: object, in_private: bool) -> str | None:
    """The text key explaining why a button may not be pressed in this chat, or None."""
    chat = button_chat(data)
    if chat is ChatKind.PRIVATE and not in_private:
        return "err.private_only"
    if chat is ChatKind.GROUP and in_private:
        return "err.group_only"
    return None


_ROLE_ORDER = (Need.ANYONE, Need.MEMBER, Need.COORDINATOR, Need.ADMIN)


def menu_for_role(need: Need) -> list[str]:
    """A private chat's menu for someone whose highest role is `need` (member, coordinator,
    super-admin): the listed commands they may use there, in the table's order."""
    allowed = set(_ROLE_ORDER[: _ROLE_ORDER.index(need) + 1])
    return [
        name
        for name, rule in COMMAND_RULES.items()
        if rule.menu and rule.chat in (ChatKind.PRIVATE, ChatKind.ANY) and rule.need in allowed
    ]


def role_of(actor: Actor) -> Need:
    if actor.is_admin:
        return Need.ADMIN
    if actor.is_coordinator:
        return Need.COORDINATOR
    return Need.MEMBER


def group_menu(*, administrators: bool) -> list[str]:
    """A group's menu: everyone sees what anyone may send there; its administrators (who are
    the coordinators who bind and post) also see the coordinators' group commands."""
    needs = {Need.ANYONE, Need.MEMBER} | ({Need.COORDINATOR, Need.ADMIN} if administrators else set())
    return [
        name
        for name, rule in COMMAND_RULES.items()
        if rule.menu and rule.chat in (ChatKind.GROUP, ChatKind.ANY) and rule.need in needs
    ]


def menu_commands(chat: ChatKind) -> list[str]:
    """The commands a menu for this kind of chat lists, in the table's order."""
    return [name for name, rule in COMMAND_RULES.items() if rule.menu and rule.chat in (chat, ChatKind.ANY)]


def command_refusal(command: str, actor: Actor | None, in_private: bool) -> str | None:
    """The text key explaining why this command may not run here, or None when it may.

    Fails closed: a command the table does not list is refused for everyone, and so is every
    command from a sender the bot cannot identify (actor None: an anonymous group admin or a
    channel), whatever the command.
    """
    rule = COMMAND_RULES.get(command)
    if rule is None:
        return "help.unknown_command"
    if actor is None:
        return "err.anonymous"
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

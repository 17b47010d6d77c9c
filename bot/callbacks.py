"""Typed callback data: small models that pack into <= 64 bytes with a version prefix.

Buttons come back from clients we do not control, so unpacking validates every field and
returns None for anything it did not produce itself; handlers then answer with an alert.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import ClassVar, Self, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.arguments import YEAR_MAX, YEAR_MIN

MAX_CALLBACK_BYTES = 64
_SEP = ":"
_REMEMBER = 4096  # unpacked data kept (then forgotten all at once)


class CallbackData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    prefix: ClassVar[str]

    def pack(self) -> str:
        parts = [self.prefix]
        for name in type(self).model_fields:
            value = getattr(self, name)
            text = value.value if isinstance(value, StrEnum) else str(value)
            if _SEP in text or not text:
                raise ValueError(f"callback field {name}={text!r} is empty or contains {_SEP!r}")
            parts.append(text)
        data = _SEP.join(parts)
        if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data {data!r} is over {MAX_CALLBACK_BYTES} bytes")
        return data

    @classmethod
    def unpack(cls, data: object) -> Self | None:
        """The model `data` packs, or None. Remembered: one tap's data is unpacked by every
        handler pattern it is tried against and again by its handler, and a storm of taps
        carries the same data (bench/, scenario 1: ~8% of the CPU). The models are frozen."""
        if not isinstance(data, str):
            return None
        key = (cls, data)
        if key in _UNPACKED:
            return cast("Self | None", _UNPACKED[key])
        if len(_UNPACKED) >= _REMEMBER:
            _UNPACKED.clear()
        found = _UNPACKED[key] = cls._parse(data)
        return found

    @classmethod
    def _parse(cls, data: str) -> Self | None:
        if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            return None
        parts = data.split(_SEP)
        names = list(cls.model_fields)
        if len(parts) != len(names) + 1 or parts[0] != cls.prefix:
            return None
        try:
            return cls.model_validate(dict(zip(names, parts[1:], strict=True)))
        except ValidationError:
            return None

    @classmethod
    def matches(cls, data: object) -> bool:
        """Use as CallbackQueryHandler(pattern=...): only well-formed data reaches a handler."""
        return cls.unpack(data) is not None

    @classmethod
    def matching(cls, test: Callable[[Self], bool]) -> Callable[[object], bool]:
        """Like `matches`, for only some of the model's buttons: well-formed data that `test`
        accepts (`WishCallback.matching(lambda d: d.action is WishButton.CLAIM)`)."""

        def match(data: object) -> bool:
            parsed = cls.unpack(data)
            return parsed is not None and test(parsed)

        return match


_UNPACKED: dict[tuple[type[CallbackData], str], CallbackData | None] = {}


class WishButton(StrEnum):
    CLAIM = "cl"
    RELEASE = "rl"
    DELIVER = "dv"
    CONFIRM = "cf"
    DISPUTE = "dp"
    VERIFY = "vf"
    REJECT = "rj"
    POST = "ps"
    REOPEN = "ro"
    HANDOVER = "ho"  # the holder offers their claim to another member (bot/wishes/handover.py)


class WishCallback(CallbackData):
    """A button acting on one wish; the server re-checks everything it implies."""

    prefix: ClassVar[str] = "w1"
    action: WishButton
    wish_id: int = Field(gt=0, lt=10**12)


class DraftChoice(StrEnum):
    """Buttons inside a conversation (category, skip, due date, submit, cancel)."""

    CATEGORY = "cat"
    SKIP = "skip"
    DUE = "due"
    SUBMIT = "ok"
    CANCEL = "no"
    SOURCE = "src"  # where the wish came from, chosen on the summary


class ChoiceCallback(CallbackData):
    prefix: ClassVar[str] = "c1"
    choice: DraftChoice
    value: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")


class RequestButton(StrEnum):
    APPROVE = "ok"
    DECLINE = "no"


class RequestCallback(CallbackData):
    """Approve (into a branch) or decline a join request."""

    prefix: ClassVar[str] = "r1"
    action: RequestButton
    request_id: int = Field(gt=0, lt=10**12)
    branch_id: int = Field(ge=0, lt=10**12)  # 0: not chosen yet


class BranchPurpose(StrEnum):
    BIND = "bind"
    INVITE = "inv"


class BranchCallback(CallbackData):
    """A branch chosen from buttons, for binding a group or making an invite."""

    prefix: ClassVar[str] = "b1"
    purpose: BranchPurpose
    branch_id: int = Field(gt=0, lt=10**12)


class CommunityCallback(CallbackData):
    """A community chosen from buttons by someone filing a join request."""

    prefix: ClassVar[str] = "k1"
    community_id: int = Field(gt=0, lt=10**12)


class BalanceButton(StrEnum):
    PLAN = "plan"
    POST = "post"
    CANCEL = "no"


class BalanceCallback(CallbackData):
    """Batch posting: make the auto-balance plan, post it, or drop it."""

    prefix: ClassVar[str] = "p1"
    action: BalanceButton
    community_id: int = Field(gt=0, lt=10**12)


class ReminderButton(StrEnum):
    """Buttons under reminders (holder) and escalations (coordinators)."""

    MORE_TIME = "mt"
    # Need more time under the holder's details message (bot/wishes/cards.py): the same flow, but
    # that message is brought up to date afterwards instead of losing its buttons like a reminder.
    MORE_TIME_DETAILS = "md"
    RELEASE = "rl"
    EXTEND = "ex"
    REASSIGN = "ra"
    KEEP = "kc"


class ReminderCallback(CallbackData):
    prefix: ClassVar[str] = "m1"
    action: ReminderButton
    wish_id: int = Field(gt=0, lt=10**12)


class ExtendCallback(CallbackData):
    """A proposed new due date (YYYYMMDD) for one wish, offered while asking for more time."""

    prefix: ClassVar[str] = "x1"
    wish_id: int = Field(gt=0, lt=10**12)
    day: str = Field(pattern=r"^[0-9]{8}$")

    @field_validator("day")
    @classmethod
    def _a_real_day(cls, value: str) -> str:
        # A forged 20260230 must fail here, as a stale button, not later as a crash.
        day = date(int(value[:4]), int(value[4:6]), int(value[6:]))
        if not YEAR_MIN <= day.year <= YEAR_MAX:
            raise ValueError("year out of range")
        return value

    @property
    def as_date(self) -> date:
        return date(int(self.day[:4]), int(self.day[4:6]), int(self.day[6:]))


class BranchReportCallback(CallbackData):
    """/branchreport's branch choice: the branch and the period asked for (e.g. 2026H1)."""

    prefix: ClassVar[str] = "br1"
    branch_id: int = Field(gt=0, lt=10**12)
    period: str = Field(min_length=4, max_length=21, pattern=r"^[0-9H_-]+$")


class ForgetCallback(CallbackData):
    """/forget's confirmation: erase (y) or keep (n) the beneficiary of this wish."""

    prefix: ClassVar[str] = "fg1"
    wish_id: int = Field(gt=0, lt=10**12)
    erase: str = Field(pattern=r"^[yn]$")


class HandoverButton(StrEnum):
    """The holder's handover list: offer to a member (value: their id), another page (value:
    the page), or make a link to forward (value 0)."""

    PICK = "pk"
    PAGE = "pg"
    LINK = "ln"


class HandoverCallback(CallbackData):
    prefix: ClassVar[str] = "ho1"
    action: HandoverButton
    wish_id: int = Field(gt=0, lt=10**12)
    value: int = Field(ge=0, lt=10**15)


class HandoverAnswerCallback(CallbackData):
    """Accept (y) or decline (n) a handover offer, named by its token (never guessable, unlike
    an id: a link offer is for whoever holds the link)."""

    prefix: ClassVar[str] = "ha1"
    token: str = Field(pattern=r"^[A-Za-z0-9_-]{16}$")
    answer: str = Field(pattern=r"^[yn]$")


class ReleaseChoice(StrEnum):
    """Why a holder gives a wish back (bot/wishes/releases.py), or keep it after all."""

    UNREACHABLE = "ur"
    NO_TIME = "nt"
    CHANGED = "ch"
    OTHER = "ot"
    KEEP = "kp"


class ReleaseCallback(CallbackData):
    prefix: ClassVar[str] = "rr1"
    wish_id: int = Field(gt=0, lt=10**12)
    choice: ReleaseChoice


class HoursBy(StrEnum):
    MEMBER = "m"  # the holder states the hours they served (while delivering, or after)
    COORDINATOR = "c"  # a coordinator confirms the delivery with these hours instead


class HoursCallback(CallbackData):
    """Service hours for one wish, in tenths of an hour (25: 2.5 h); bot/points/hours.py."""

    prefix: ClassVar[str] = "h1"
    by: HoursBy
    wish_id: int = Field(gt=0, lt=10**12)
    tenths: int = Field(ge=0, le=240)


class PrivacyCallback(CallbackData):
    """/set_privacy: hide (y) from the leaderboards or show (n) one's name there."""

    prefix: ClassVar[str] = "pv1"
    hide: str = Field(pattern=r"^[yn]$")


class FollowupButton(StrEnum):
    """/followup: start from the /followups list, the beneficiary's answer, skip the step asked."""

    START = "go"
    SATISFIED = "sat"
    PARTLY = "par"
    NOT = "not"
    SKIP = "skip"


class FollowupCallback(CallbackData):
    """A follow-up visit's button; the wish is checked again against the draft and the policy."""

    prefix: ClassVar[str] = "fu1"
    action: FollowupButton
    wish_id: int = Field(gt=0, lt=10**12)

"""Half-finished conversations as typed drafts: one model per conversation, saved after each
step so that a restart resumes where it was, and read back through one small service.

A stored draft the model cannot read (an older shape, a hand-edited row) is dropped, and the
conversation starts that draft afresh: a lost step is better than a crash.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.clock import Clock
from bot.models import Beneficiary, CategoryKey, Rendered, SourceKind, WishDraft, WishSource
from storage.drafts import DraftRepo
from storage.followups import Outcome

log = logging.getLogger(__name__)


class Draft(BaseModel):
    """One conversation's saved state; `conversation` names its row (and its conversation)."""

    # Extra keys are ignored so that a draft written by another version still loads.
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    conversation: ClassVar[str]


D = TypeVar("D", bound=Draft)


class StartDraft(Draft):
    """/start: the link's payload (an invite, a wish), kept while the name or phone is asked."""

    conversation: ClassVar[str] = "start"
    payload: str = ""


class NewWishDraft(Draft):
    """/newwish: what the coordinator has typed so far, and the step now being asked."""

    conversation: ClassVar[str] = "newwish"
    # The steps in order with the field each fills; the names are the conversation's states.
    STEPS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("name", "name"),
        ("phone", "phone"),
        ("address", "address"),
        ("category", "category"),
        ("wish", "description"),
        ("value", "value_fen"),
        ("due", "due_date"),
        ("photo", "photo_file_id"),
    )
    CONFIRM: ClassVar[str] = "confirm"
    # Asked from the summary, optionally: who recommended the wish (a kind's button was tapped).
    SOURCE_NAME: ClassVar[str] = "source_name"

    step: str = "name"
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    category: CategoryKey | None = None
    description: str | None = None
    value_fen: int | None = None
    due_date: date | None = None
    photo_file_id: str | None = None
    source_kind: SourceKind | None = None
    source_name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _step_of_older_drafts(cls, data: Any) -> Any:
        """Drafts saved before the step was stored: the step is the first field not yet given
        (a skipped value or photo was stored as null, so its key is there)."""
        if isinstance(data, dict) and "step" not in data:
            missing = [step for step, field in cls.STEPS if field not in data]
            data = {**data, "step": missing[0] if missing else cls.CONFIRM}
        return data

    @field_validator("step")
    @classmethod
    def _known_step(cls, step: str) -> str:
        if step not in {s for s, _ in cls.STEPS} | {cls.CONFIRM, cls.SOURCE_NAME}:
            raise ValueError(f"unknown step {step!r}")
        return step

    def complete(self) -> WishDraft | None:
        """The wish as typed, or None while (or because) a required answer is missing."""
        if (
            self.name is None
            or self.phone is None
            or self.address is None
            or self.category is None
            or self.description is None
            or self.due_date is None
        ):
            return None
        return WishDraft(
            beneficiary=Beneficiary(name=self.name, phone=self.phone, address=self.address),
            category=self.category,
            description=self.description,
            value_fen=self.value_fen,
            due_date=self.due_date,
            photo_file_id=self.photo_file_id,
            source=WishSource(kind=self.source_kind, name=self.source_name) if self.source_kind else None,
        )


ReasonAction = Literal["reject", "dispute", "cancel"]


class ReasonDraft(Draft):
    """Reject, Dispute or /cancelwish: which action on which wish waits for its reason."""

    conversation: ClassVar[str] = "reason"
    action: ReasonAction
    wish_id: int = Field(gt=0)


class DeliveryDraft(Draft):
    """Mark delivered: the wish whose photo or note is being asked for."""

    conversation: ClassVar[str] = "deliver"
    wish_id: int = Field(gt=0)
    hours: int | None = Field(default=None, ge=0, le=240)  # tenths the member tapped; None: default


class ExtendDraft(Draft):
    """Need more time / Extend: the wish, and the reminder tapped (to edit it once done)."""

    conversation: ClassVar[str] = "extend"
    wish_id: int = Field(gt=0)
    chat_id: int | None = None
    message_id: int | None = None
    message: Rendered | None = None
    details: bool = False  # tapped under the holder's details message: re-rendered once done


class ReleaseDraft(Draft):
    """Release: the wish whose reason is asked, and the reminder tapped (to edit it once done)."""

    conversation: ClassVar[str] = "release"
    wish_id: int = Field(gt=0)
    chat_id: int | None = None
    message_id: int | None = None
    message: Rendered | None = None


FollowupStep = Literal["outcome", "note", "photo"]


class FollowupDraft(Draft):
    """/followup: the wish being followed up, the step asked now and the answers so far."""

    conversation: ClassVar[str] = "followup"
    wish_id: int = Field(gt=0)
    step: FollowupStep = "outcome"
    outcome: Outcome | None = None
    note: str | None = None


class CategoryDraft(Draft):
    """/categories: the names being asked for a new category (number 0) or for renaming one."""

    conversation: ClassVar[str] = "categories"
    community_id: int = Field(gt=0)
    number: int = Field(ge=0)


# What /cancel drops: every conversation's draft.
CONVERSATION_DRAFTS: tuple[type[Draft], ...] = (
    CategoryDraft,
    StartDraft,
    NewWishDraft,
    ReasonDraft,
    DeliveryDraft,
    ExtendDraft,
    FollowupDraft,
    ReleaseDraft,
)


class DraftService:
    def __init__(self, repo: DraftRepo, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock

    async def load(self, user_id: int, model: type[D]) -> D | None:
        """The saved draft, or None if there is none or it no longer reads as `model`."""
        try:
            data = await self._repo.load(user_id, model.conversation)
            return None if data is None else model.model_validate(data)
        except ValueError as exc:  # not JSON, or not this model (ValidationError is one too)
            # Logged without the values: a draft holds a beneficiary's name and phone.
            problems = exc.error_count() if isinstance(exc, ValidationError) else 1
            log.warning(
                "dropped an unreadable %s draft of user %s (%d problems)",
                model.conversation,
                user_id,
                problems,
            )
            await self._repo.delete(user_id, model.conversation)
            return None

    async def save(self, user_id: int, draft: Draft) -> None:
        await self._repo.save(user_id, draft.conversation, draft.model_dump(mode="json"), self._clock.now())

    async def delete(self, user_id: int, *models: type[Draft]) -> None:
        await self._repo.delete(user_id, *(m.conversation for m in models))

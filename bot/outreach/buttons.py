"""A broadcast's buttons (branch choice, Send / Cancel) and its draft, kept between the steps."""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from bot.callbacks import CallbackData
from bot.drafts import Draft


class BroadcastBranchCallback(CallbackData):
    """/broadcast's branch choice."""

    prefix: ClassVar[str] = "bb1"
    branch_id: int = Field(gt=0, lt=10**12)


class BroadcastButton(StrEnum):
    SEND = "ok"
    CANCEL = "no"


class BroadcastConfirmCallback(CallbackData):
    """Send or Cancel under a broadcast's preview. The token is the draft's: a button from an
    earlier draft, or one made up, names no draft and sends nothing."""

    prefix: ClassVar[str] = "bs1"
    action: BroadcastButton
    token: str = Field(pattern=r"^[0-9a-f]{16}$")


def new_token() -> str:
    return secrets.token_hex(8)


class BroadcastDraft(Draft):
    """What the coordinator has chosen and typed so far; the token ties the preview's buttons
    to this draft, and makes sending it twice impossible (storage/broadcasts.py)."""

    conversation: ClassVar[str] = "broadcast"
    branch_id: int = Field(gt=0)
    token: str = Field(default_factory=new_token, pattern=r"^[0-9a-f]{16}$")
    text: str | None = None
    photo_file_id: str | None = None

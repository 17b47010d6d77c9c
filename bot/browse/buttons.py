"""The list's buttons: another page, or claim (join) one wish, each carrying the filters so that
no state is kept between taps. The server checks everything again on every tap."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from bot.callbacks import CallbackData
from bot.validation import DUE_MAX_DAYS, VALUE_MAX_YUAN

PAGES_MAX = 1000  # pages a button may name: 5,000 wishes deep is further than anyone pages


class ListAction(StrEnum):
    PAGE = "p"
    CLAIM = "c"


class ListCallback(CallbackData):
    """At most 53 bytes: ls1:c:<12 digits>:<3>:left_behind_child:10000000:366."""

    prefix: ClassVar[str] = "ls1"
    action: ListAction
    wish_id: int = Field(ge=0, lt=10**12)  # 0 on page buttons
    page: int = Field(ge=0, lt=PAGES_MAX)
    category: str = Field(pattern=r"^(-|[a-z_]{1,20}|c[1-9][0-9]{0,11})$")  # "-": any
    max_fen: int = Field(ge=-1, le=VALUE_MAX_YUAN * 100)  # -1: any value
    due_within: int = Field(ge=-1, le=DUE_MAX_DAYS)  # -1: any due date

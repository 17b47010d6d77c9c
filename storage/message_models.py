"""Records of what the bot sends: outbox rows (new and queued), the messages they carry with their
buttons, and pictures the bot made to send."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from storage.frozen import Frozen


class OutboxKind(StrEnum):
    MESSAGE = "message"  # content fixed when the change happened
    CARD = "card"  # a wish's group card: rendered from the wish's state when sent
    REDACT = "redact"  # take a beneficiary's details back from a member's chat
    MENU = "menu"  # a person's command menu, worked out from their roles when sent
    # A holder's own card with the beneficiary's details, rendered from the wish when sent, for
    # whoever still holds it then.
    DETAILS = "details"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SUPERSEDED = "superseded"
    UNREACHABLE = "unreachable"
    FAILED = "failed"


class Button(Frozen):
    text: str
    callback_data: str | None = None
    url: str | None = None
    # A Mini App's https address, opened inside Telegram (private chats only: groups refuse it).
    web_app: str | None = None


class Rendered(Frozen):
    """A message as the core wants it shown: plain text (no parse mode) and inline buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    photo_file_id: str | None = None
    # A picture the bot made (storage/media.py key); the outbox uploads it, text becomes its caption.
    photo_media: str | None = None


class NewOutbox(Frozen):
    kind: OutboxKind
    chat_id: int
    wish_id: int | None = None
    payload: Rendered | None = None
    # Pending rows sharing a key collapse into the newest one: several edits of one card, one send.
    coalesce_key: str | None = None
    tracks_details: bool = False  # remember the sent message so its details can be redacted
    delay_seconds: float = 0.0  # not to go before this long after it was queued


class OutboxItem(Frozen):
    id: int
    kind: OutboxKind
    chat_id: int
    wish_id: int | None
    payload: Rendered | None
    coalesce_key: str | None
    tracks_details: bool = False
    attempts: int
    not_before: datetime
    status: OutboxStatus


class QueuedRef(NamedTuple):
    """Just enough of a pending outbox row to decide whether it may go now.

    A plain tuple, not a model: the sender looks at hundreds of these per pass and sends a few,
    so it must not pay for parsing payloads it will not send (see OutboxSender._pass).
    """

    id: int
    chat_id: int
    coalesce_key: str | None


class Media(Frozen):
    """A picture the bot made (a report chart), kept until sent; file_id once Telegram has it."""

    key: str
    content: bytes
    mime_type: str
    file_id: str | None = None

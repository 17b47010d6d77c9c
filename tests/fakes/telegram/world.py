"""The fake world's things: users, chats, messages as Telegram stores them, buttons, files,
and the records tests read back (calls made, callback answers given)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from tests.fakes.telegram.wire import JSONDict

# The service accounts Telegram names as the sender of messages nobody can be identified for.
GROUP_ANONYMOUS_BOT: JSONDict = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL_BOT: JSONDict = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}


@dataclass
class FakeUser:
    id: int
    first_name: str
    language_code: str = "zh-hans"
    last_name: str | None = None
    username: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    @property
    def private_chat(self) -> FakeChat:
        return FakeChat(
            id=self.id,
            type="private",
            first_name=self.first_name,
            last_name=self.last_name,
            username=self.username,
        )

    def to_api(self) -> JSONDict:
        data: JSONDict = {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class FakeChat:
    id: int
    type: str  # "private" | "group" | "supergroup"
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None

    @property
    def is_private(self) -> bool:
        return self.type == "private"

    def to_api(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None
    raw: JSONDict = field(default_factory=dict, compare=False, repr=False)


def buttons_of(markup: JSONDict | None) -> list[list[Button]]:
    if not markup:
        return []
    return [
        [Button(text=b["text"], callback_data=b.get("callback_data"), url=b.get("url"), raw=b) for b in row]
        for row in markup.get("inline_keyboard", [])
    ]


def find_button(markup: JSONDict | None, label: str, where: str) -> Button:
    flat = [b for row in buttons_of(markup) for b in row]
    exact = [b for b in flat if b.text == label]
    if len(exact) == 1:
        return exact[0]
    partial = [b for b in flat if label in b.text]
    if len(partial) == 1:
        return partial[0]
    labels = [b.text for b in flat]
    if not partial:
        raise AssertionError(f"no button matching {label!r} in {where}; buttons: {labels}")
    raise AssertionError(
        f"{len(partial)} buttons match {label!r} in {where}; be more specific. buttons: {labels}"
    )


@dataclass(frozen=True)
class MessageVersion:
    """A message as it looked before one of its edits."""

    text: str | None
    entities: list[JSONDict]
    reply_markup: JSONDict | None
    edit_date: int | None

    @property
    def buttons(self) -> list[list[Button]]:
        return buttons_of(self.reply_markup)


@dataclass(frozen=True)
class StoredDocument:
    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    file_size: int

    def to_api(self) -> JSONDict:
        data: JSONDict = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
        }
        if self.file_name is not None:
            data["file_name"] = self.file_name
        if self.mime_type is not None:
            data["mime_type"] = self.mime_type
        return data


@dataclass(eq=False)
class StoredMessage:
    """One message in the fake world, always in its current state (edits mutate it)."""

    chat_id: int
    message_id: int
    chat: JSONDict
    sender: JSONDict
    from_bot: bool
    date: int
    content_type: str  # "text" | "photo" | "document" | "contact"
    text: str | None = None  # the text, or the caption of a photo/document
    entities: list[JSONDict] = field(default_factory=list)
    photo_sizes: list[JSONDict] = field(default_factory=list)
    document: StoredDocument | None = None
    contact: JSONDict | None = None
    reply_markup: JSONDict | None = None  # inline keyboard only, as Telegram echoes it
    reply_keyboard: JSONDict | None = None  # reply keyboard / remove / force_reply sent with it
    reply_to: StoredMessage | None = None
    edit_date: int | None = None
    edits: list[MessageVersion] = field(default_factory=list)
    deleted: bool = False
    # Set when a user writes "as" a chat: an anonymous admin (the group itself) or a channel.
    sender_chat: JSONDict | None = None

    @property
    def sender_id(self) -> int:
        return int(self.sender["id"])

    @property
    def caption(self) -> str | None:
        return None if self.content_type == "text" else self.text

    @property
    def photo(self) -> str | None:
        """file_id of the largest size, which is what a bot should keep."""
        return self.photo_sizes[-1]["file_id"] if self.photo_sizes else None

    @property
    def buttons(self) -> list[list[Button]]:
        return buttons_of(self.reply_markup)

    @property
    def button_labels(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]

    def button(self, label: str) -> Button:
        """The button whose label is ``label`` or, failing that, uniquely contains it."""
        return find_button(self.reply_markup, label, f"message {self.message_id}")

    def versions(self) -> list[MessageVersion]:
        """Every version, oldest first, ending with the current one."""
        current = MessageVersion(self.text, self.entities, self.reply_markup, self.edit_date)
        return [*self.edits, current]

    def to_api(self, *, with_reply: bool = True) -> JSONDict:
        data: JSONDict = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        text_key, entities_key = "caption", "caption_entities"
        if self.content_type == "text":
            text_key, entities_key = "text", "entities"
        elif self.content_type == "photo":
            data["photo"] = self.photo_sizes
        elif self.content_type == "document" and self.document:
            data["document"] = self.document.to_api()
        elif self.content_type == "contact":
            data["contact"] = self.contact
        if self.text:
            data[text_key] = self.text
            if self.entities:
                data[entities_key] = self.entities
        if self.reply_markup:
            data["reply_markup"] = self.reply_markup
        if with_reply and self.reply_to is not None:
            data["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        if self.sender_chat is not None:
            data["sender_chat"] = self.sender_chat
        return copy.deepcopy(data)


@dataclass(frozen=True)
class UploadedFile:
    filename: str | None
    content: bytes
    mime_type: str | None


@dataclass
class ApiCall:
    method: str
    params: JSONDict
    ok: bool
    error_code: int | None
    description: str | None
    at: float
    uploads: dict[str, UploadedFile] = field(default_factory=dict)


@dataclass(frozen=True)
class CallbackAnswer:
    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    at: float


@dataclass
class FakeFile:
    """A file as the server keeps it: its bytes and the path getFile hands out."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo" | "document"
    content: bytes
    file_path: str
    width: int = 0
    height: int = 0


@dataclass
class CallbackQuery:
    """A tap the server still expects the bot to answer (once)."""

    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    answered: bool = False


@dataclass
class Fault:
    """An error a test scheduled for the next calls of one method (fail_next)."""

    code: int
    description: str
    parameters: JSONDict | None
    remaining: int

"""An in-process fake of the Telegram Bot API, plus a driver that plays users against a bot.

``FakeTelegram`` plugs into PTB as its ``BaseRequest``: every Bot API call a real
``telegram.Bot`` makes lands in :meth:`FakeTelegram.do_request`, which answers with the same
JSON (and HTTP status) the real server would. Because the answers are real JSON, PTB parses
them with its own code and raises its own exceptions (``BadRequest``, ``Forbidden``,
``RetryAfter``, ``ChatMigrated``), so the bot under test runs its real error paths.

The fake is deliberately strict: it refuses what Telegram refuses, with Telegram's own error
descriptions, because a lenient fake hides exactly the bugs that only show up in production
(64-byte callback data, "message is not modified", users who never pressed Start, ...).

``Driver`` feeds updates into a running ``Application`` (no Updater) and waits for the bot to
finish reacting before it returns, so tests read like a conversation.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import math
import re
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, ClassVar, Final
from urllib.parse import unquote

from telegram import Update
from telegram.ext import Application, ExtBot
from telegram.request import BaseRequest, RequestData

__all__ = [
    "ApiCall",
    "Button",
    "CallbackAnswer",
    "Driver",
    "FakeChat",
    "FakeTelegram",
    "FakeUser",
    "MessageVersion",
    "StoredDocument",
    "StoredMessage",
    "UploadedFile",
]

JSONDict = dict[str, Any]

MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_CALLBACK_ANSWER_LENGTH: Final = 200
MAX_INLINE_BUTTONS: Final = 100
MAX_DOWNLOAD_BYTES: Final = 20 * 1024 * 1024

# Telegram trims these from both ends of every text and caption.
_TRIM_CHARS: Final = " \t\r\n"

# Parameters that carry JSON objects; callers may pass them pre-serialised (api_kwargs).
_JSON_PARAMS: Final = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "reply_parameters",
        "link_preview_options",
        "commands",
        "scope",
    }
)
_BUTTON_ACTIONS: Final = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")

_MSG_NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD: Final = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class _ApiError(Exception):
    """An error answer, carried out of the method implementations to ``do_request``."""

    def __init__(self, code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> _ApiError:
    return _ApiError(HTTPStatus.BAD_REQUEST, f"Bad Request: {description}")


def _forbidden(description: str) -> _ApiError:
    return _ApiError(HTTPStatus.FORBIDDEN, f"Forbidden: {description}")


def _json_value(value: Any) -> Any:
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise _bad("can't parse JSON object") from exc
    return value


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------
# Formatted text. Telegram parses parse_mode markup server-side and answers with plain text
# plus entities; broken markup is a 400. These parsers follow tdlib's (the code behind the Bot
# API server) closely enough to reject the same inputs with the same descriptions.
# --------------------------------------------------------------------------------------------


def _entities_error(reason: str) -> _ApiError:
    return _bad(f"can't parse entities: {reason}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def _is_space(char: str) -> bool:
    # tdlib counts NUL as space; "\0" is also our end-of-input sentinel.
    return char in " \t\r\n\0\v"


def _make_entity(kind: str, offset: int, length: int, argument: str = "") -> JSONDict | None:
    entity: JSONDict = {"type": kind, "offset": offset, "length": length}
    if kind == "text_link":
        if not argument:
            return None
        entity["url"] = argument
    elif kind == "pre" and argument:
        entity["language"] = argument
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = argument
    return entity


_HTML_TAGS: Final = {
    "a": "text_link",
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
    "pre": "pre",
    "code": "code",
    "blockquote": "blockquote",
}
_HTML_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_html_entity(text: str, index: int) -> tuple[str, int] | None:
    """Decode the entity at ``text[index] == '&'``; return (char, index after ';')."""
    end = text.find(";", index + 1)
    if end == -1 or end - index > 12:
        return None
    name = text[index + 1 : end]
    if name.startswith("#"):
        try:
            code = int(name[2:], 16) if name[1:2] in ("x", "X") else int(name[1:])
        except ValueError:
            return None
        if not 0 < code <= 0x10FFFF or 0xD800 <= code < 0xE000:
            return None
        return chr(code), end + 1
    char = _HTML_NAMED_ENTITIES.get(name)
    return (char, end + 1) if char else None


def _parse_html(text: str) -> tuple[str, list[JSONDict]]:
    size = len(text)

    def at(k: int) -> str:
        return text[k] if k < size else "\0"

    def offset(k: int) -> int:
        return _byte_offset(text, k)

    out: list[str] = []
    units = 0
    entities: list[JSONDict] = []
    stack: list[tuple[str, str, int]] = []  # tag, argument, utf-16 offset of the content
    i = 0
    while i < size:
        char = text[i]
        if char == "&":
            decoded = _decode_html_entity(text, i)
            if decoded:
                out.append(decoded[0])
                units += _utf16_len(decoded[0])
                i = decoded[1]
                continue
        if char != "<":
            out.append(char)
            units += _utf16_len(char)
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != "/":
            while not _is_space(at(i)) and at(i) != ">":
                i += 1
            if i >= size:
                raise _entities_error(f"Unclosed start tag at byte offset {offset(begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise _entities_error(f'Unsupported start tag "{tag}" at byte offset {offset(begin)}')
            argument = ""
            while at(i) != ">":
                while i < size and _is_space(at(i)):
                    i += 1
                if at(i) == ">":
                    break
                attribute_begin = i
                while not _is_space(at(i)) and at(i) not in "=>":
                    i += 1
                attribute = text[attribute_begin:i]
                if not attribute:
                    raise _entities_error(
                        f'Empty attribute name in the tag "{tag}" at byte offset {offset(begin)}'
                    )
                while i < size and _is_space(at(i)):
                    i += 1
                if at(i) != "=":
                    if tag == "blockquote" and attribute == "expandable":
                        argument = "expandable"
                        continue
                    raise _entities_error(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {offset(begin)}'
                    )
                i += 1
                while i < size and _is_space(at(i)):
                    i += 1
                if i >= size:
                    raise _entities_error(f'Unclosed start tag "{tag}" at byte offset {offset(begin)}')
                if at(i) not in "'\"":
                    token_begin = i
                    while (at(i).isascii() and at(i).isalnum()) or at(i) in ".-":
                        i += 1
                    value = text[token_begin:i].lower()
                    if not _is_space(at(i)) and at(i) != ">":
                        raise _entities_error(
                            f"Unexpected end of name token at byte offset {offset(token_begin)}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    chars: list[str] = []
                    while i < size and at(i) != quote:
                        if at(i) == "&" and (decoded := _decode_html_entity(text, i)):
                            chars.append(decoded[0])
                            i = decoded[1]
                            continue
                        chars.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = "".join(chars)
                if i >= size:
                    raise _entities_error(f"Unclosed start tag at byte offset {offset(begin)}")
                if (tag == "a" and attribute == "href") or (tag == "tg-emoji" and attribute == "emoji-id"):
                    argument = value
                elif tag == "code" and attribute == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attribute == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
            if tag == "span" and argument != "spoiler":
                raise _entities_error(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {offset(begin)}'
                )
            stack.append((tag, argument, units))
            i += 1
        else:
            if not stack:
                raise _entities_error(f"Unexpected end tag at byte offset {offset(begin)}")
            while not _is_space(at(i)) and at(i) != ">":
                i += 1
            end_tag = text[begin + 2 : i]
            while i < size and _is_space(at(i)):
                i += 1
            if at(i) != ">":
                raise _entities_error(f"Unclosed end tag at byte offset {offset(begin)}")
            tag, argument, start = stack.pop()
            if end_tag and end_tag != tag:
                raise _entities_error(
                    f"Unmatched end tag at byte offset {offset(begin)}, "
                    f'expected "</{tag}>", found "</{end_tag}>"'
                )
            i += 1
            if units > start:
                kind = _HTML_TAGS[tag]
                if tag == "blockquote" and argument == "expandable":
                    kind = "expandable_blockquote"
                if tag == "code" and argument:
                    # <pre><code class="language-x"> is how HTML names a pre block's language.
                    kind = "pre"
                entity = _make_entity(kind, start, units - start, argument)
                previous = entities[-1] if entities else {}
                if (
                    tag == "pre"
                    and previous.get("type") == "pre"
                    and (previous["offset"], previous["length"]) == (start, units - start)
                ):
                    # The inner <code class="language-x"> already made this pre block.
                    entity = None
                if entity:
                    entities.append(entity)
    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(out), entities


_MDV2_RESERVED: Final = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES: Final = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def _parse_markdown_v2(text: str) -> tuple[str, list[JSONDict]]:
    size = len(text)

    def at(k: int) -> str:
        return text[k] if k < size else "\0"

    def escapable(k: int) -> bool:
        return k < size and 0 < ord(text[k]) <= 126

    out: list[str] = []
    units = 0
    entities: list[JSONDict] = []
    # kind, argument, utf-16 offset, index into `out`, index into `text` where it began
    stack: list[tuple[str, str, int, int, int]] = []
    i = 0
    while i < size:
        char = text[i]
        if char == "\\" and escapable(i + 1):
            out.append(text[i + 1])
            units += 1
            i += 2
            continue
        inside_code = bool(stack) and stack[-1][0] in ("code", "pre")
        if (inside_code and char != "`") or char not in _MDV2_RESERVED:
            out.append(char)
            units += _utf16_len(char)
            i += 1
            continue

        closing = False
        if stack:
            kind = stack[-1][0]
            closing = {
                "bold": char == "*",
                "italic": char == "_" and at(i + 1) != "_",
                "underline": text.startswith("__", i),
                "strikethrough": char == "~",
                "spoiler": text.startswith("||", i),
                "code": char == "`",
                "pre": text.startswith("```", i),
                "text_link": char == "]",
                "custom_emoji": char == "]",
            }[kind]

        if not closing:
            begin = i
            argument = ""
            if char == "_":
                if at(i + 1) == "_":
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif char == "*":
                kind = "bold"
            elif char == "~":
                kind = "strikethrough"
            elif char == "|" and at(i + 1) == "|":
                kind = "spoiler"
                i += 1
            elif char == "[":
                kind = "text_link"
            elif char == "!" and at(i + 1) == "[":
                kind = "custom_emoji"
                i += 1
            elif char == "`":
                if text.startswith("```", i):
                    kind = "pre"
                    i += 3
                    language_end = i
                    while not _is_space(at(language_end)) and at(language_end) != "`":
                        language_end += 1
                    if i != language_end and language_end < size and at(language_end) != "`":
                        argument = text[i:language_end]
                        i = language_end
                    if at(i) in "\r\n":
                        if at(i + 1) in "\r\n" and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "code"
            elif char == ">" and (begin == 0 or text[begin - 1] == "\n"):
                # A quote marker at the start of a line; the fake keeps no blockquote entity.
                i += 1
                continue
            else:
                raise _entities_error(
                    f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
                )
            stack.append((kind, argument, units, len(out), begin))
            i += 1
            continue

        kind, argument, start, out_start, _ = stack.pop()
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind == "pre":
            i += 2
        elif kind in ("text_link", "custom_emoji"):
            if at(i + 1) != "(":
                argument = "".join(out[out_start:])
            else:
                i += 2
                url_begin = i
                url: list[str] = []
                while i < size and text[i] != ")":
                    if text[i] == "\\" and escapable(i + 1):
                        url.append(text[i + 1])
                        i += 2
                        continue
                    url.append(text[i])
                    i += 1
                if at(i) != ")":
                    raise _entities_error(
                        f"Can't find end of a URL at byte offset {_byte_offset(text, url_begin)}"
                    )
                argument = "".join(url)
                if kind == "custom_emoji":
                    argument = argument.rpartition("id=")[2]
        i += 1
        if units > start:
            entity = _make_entity(kind, start, units - start, argument)
            if entity:
                entities.append(entity)
    if stack:
        kind, _, _, _, begin = stack[-1]
        raise _entities_error(
            f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {_byte_offset(text, begin)}"
        )
    return "".join(out), entities


def _parse_markdown(text: str) -> tuple[str, list[JSONDict]]:
    size = len(text)

    def at(k: int) -> str:
        return text[k] if k < size else "\0"

    out: list[str] = []
    units = 0
    entities: list[JSONDict] = []
    i = 0
    while i < size:
        char = text[i]
        if char == "\\" and at(i + 1) in "_*`[":
            out.append(text[i + 1])
            units += 1
            i += 2
            continue
        if char not in "_*`[":
            out.append(char)
            units += _utf16_len(char)
            i += 1
            continue
        begin = i
        end_char = "]" if char == "[" else char
        is_pre = False
        language = ""
        i += 1
        if char == "`" and text.startswith("``", i):
            i += 2
            is_pre = True
            language_end = i
            while not _is_space(at(language_end)) and at(language_end) != "`":
                language_end += 1
            if i != language_end and language_end < size and at(language_end) != "`":
                language = text[i:language_end]
                i = language_end
            if at(i) in "\r\n":
                i += 2 if at(i + 1) in "\r\n" and at(i) != at(i + 1) else 1
        start = units
        while i < size and (text[i] != end_char or (is_pre and not text.startswith("``", i + 1))):
            out.append(text[i])
            units += _utf16_len(text[i])
            i += 1
        if i >= size:
            raise _entities_error(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
            )
        argument = language
        if char == "[":
            argument = ""
            if at(i + 1) == "(":
                close = text.find(")", i + 2)
                close = size if close == -1 else close
                argument = text[i + 2 : close]
                i = close
        elif is_pre:
            i += 2
        i += 1
        if units > start:
            kind = {"_": "italic", "*": "bold", "`": "pre" if is_pre else "code"}.get(char, "text_link")
            entity = _make_entity(kind, start, units - start, argument)
            if entity:
                entities.append(entity)
    return "".join(out), entities


def _formatted_text(raw: Any, parse_mode: Any, explicit_entities: Any) -> tuple[str, list[JSONDict]]:
    """What Telegram stores for a text/caption: trimmed plain text plus entities."""
    text = "" if raw is None else str(raw)
    entities: list[JSONDict]
    if explicit_entities:
        entities = [dict(e) for e in _json_value(explicit_entities)]
    else:
        mode = (str(parse_mode) if parse_mode else "").lower()
        if mode == "html":
            text, entities = _parse_html(text)
        elif mode == "markdownv2":
            text, entities = _parse_markdown_v2(text)
        elif mode == "markdown":
            text, entities = _parse_markdown(text)
        elif mode:
            raise _bad(f"unsupported parse_mode {parse_mode!r}")
        else:
            entities = []
    left = len(text) - len(text.lstrip(_TRIM_CHARS))
    trimmed = text.strip(_TRIM_CHARS)
    total = _utf16_len(trimmed)
    kept: list[JSONDict] = []
    for entity in entities:
        begin = max(entity["offset"] - left, 0)
        end = min(entity["offset"] - left + entity["length"], total)
        if end > begin:
            kept.append({**entity, "offset": begin, "length": end - begin})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return trimmed, kept


# --------------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------------


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


def _buttons_of(markup: JSONDict | None) -> list[list[Button]]:
    if not markup:
        return []
    return [
        [Button(text=b["text"], callback_data=b.get("callback_data"), url=b.get("url"), raw=b) for b in row]
        for row in markup.get("inline_keyboard", [])
    ]


def _find_button(markup: JSONDict | None, label: str, where: str) -> Button:
    flat = [b for row in _buttons_of(markup) for b in row]
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
        return _buttons_of(self.reply_markup)


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
        return _buttons_of(self.reply_markup)

    @property
    def button_labels(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]

    def button(self, label: str) -> Button:
        """The button whose label is ``label`` or, failing that, uniquely contains it."""
        return _find_button(self.reply_markup, label, f"message {self.message_id}")

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
class _FakeFile:
    file_id: str
    file_unique_id: str
    kind: str  # "photo" | "document"
    content: bytes
    file_path: str
    width: int = 0
    height: int = 0


@dataclass
class _CallbackQuery:
    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    answered: bool = False


@dataclass
class _Fault:
    code: int
    description: str
    parameters: JSONDict | None
    remaining: int


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeTelegram(BaseRequest):
    """A strict in-memory Bot API server, used as both of a Bot's request objects."""

    # Seconds of tolerance in rolling rate windows: the bot's pacing clock and ours stamp a
    # message at slightly different moments, and a scheduler hiccup must not look like a burst.
    RATE_SLACK: ClassVar[float] = 0.02
    GLOBAL_PER_SECOND: ClassVar[int] = 30
    PRIVATE_PER_SECOND: ClassVar[int] = 1
    GROUP_PER_MINUTE: ClassVar[int] = 20
    GET_UPDATES_PAUSE: ClassVar[float] = 0.05

    def __init__(
        self,
        *,
        bot_id: int = 7000001,
        bot_username: str = "wishwall_test_bot",
        latency: float = 0.0,
        enforce_rate_limits: bool = False,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = "Wishwall Test Bot"
        self.latency = latency
        self.enforce_rate_limits = enforce_rate_limits
        # Replaceable so a test can drive rate windows without sleeping.
        self.clock: Callable[[], float] = time.monotonic

        self.calls: list[ApiCall] = []
        self.unknown_methods: list[str] = []
        self.internal_errors: list[Exception] = []
        self.rate_limited: list[tuple[str, int | None]] = []
        self._answers: list[CallbackAnswer] = []

        self._users: dict[int, FakeUser] = {}
        self._chats: dict[int, FakeChat] = {}
        self._opened: set[int] = set()
        self._blocked: set[int] = set()
        self._kicked: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._statuses: dict[int, dict[int, str]] = defaultdict(dict)
        self._messages: dict[int, dict[int, StoredMessage]] = defaultdict(dict)
        self._last_message_id: dict[int, int] = defaultdict(int)
        self._reply_keyboards: dict[int, JSONDict | None] = {}
        self._files: dict[str, _FakeFile] = {}
        self._files_by_path: dict[str, _FakeFile] = {}
        self._file_seq = itertools.count(1)
        self._queries: dict[str, _CallbackQuery] = {}
        self._query_seq = itertools.count(1)
        self._faults: dict[str, list[_Fault]] = defaultdict(list)
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._global_window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = defaultdict(deque)
        self._initialized = False

        self._methods: dict[str, Callable[[JSONDict, dict[str, UploadedFile]], Any]] = {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "deleteWebhook": self._true,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "getChat": self._get_chat,
            "sendChatAction": self._send_chat_action,
            "getChatMember": self._get_chat_member,
        }

    # ---- BaseRequest ---------------------------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        self._initialized = True

    async def shutdown(self) -> None:
        self._initialized = False

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if method == "GET":
            await self._network_delay()
            status, body = self._download(url)
            await self._network_delay()
            return status, body

        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        params: JSONDict = {}
        uploads: dict[str, UploadedFile] = {}
        if request_data is not None:
            params = dict(request_data.parameters)
            uploads = self._read_uploads(request_data)

        if api_method == "getUpdates":
            # Nothing ever arrives by polling: the Driver feeds update_queue directly.
            await asyncio.sleep(self.GET_UPDATES_PAUSE)
            self._record(api_method, params, uploads, ok=True)
            return self._ok([])

        # The server acts halfway through the round trip, like a real one would.
        await self._network_delay()
        status, body = self._dispatch(api_method, params, uploads)
        await self._network_delay()
        return status, body

    async def _network_delay(self) -> None:
        if self.latency > 0:
            await asyncio.sleep(self.latency / 2)

    @staticmethod
    def _read_uploads(request_data: RequestData) -> dict[str, UploadedFile]:
        uploads: dict[str, UploadedFile] = {}
        for name, field_tuple in request_data.multipart_data.items():
            filename, content, *rest = field_tuple
            if not isinstance(content, bytes):
                content = content.read()
            uploads[name] = UploadedFile(filename, bytes(content), rest[0] if rest else None)
        return uploads

    @staticmethod
    def _ok(result: Any) -> tuple[int, bytes]:
        return HTTPStatus.OK, json.dumps({"ok": True, "result": result}).encode()

    def _dispatch(self, method: str, params: JSONDict, uploads: dict[str, UploadedFile]) -> tuple[int, bytes]:
        try:
            for key in _JSON_PARAMS & params.keys():
                params[key] = _json_value(params[key])
            self._raise_injected_fault(method)
            implementation = self._methods.get(method)
            if implementation is None:
                self.unknown_methods.append(method)
                raise _bad("method not found")
            result = implementation(params, uploads)
        except _ApiError as error:
            self._record(method, params, uploads, ok=False, code=error.code, description=error.description)
            if error.code == HTTPStatus.TOO_MANY_REQUESTS:
                self.rate_limited.append((method, self._loose_chat_id(params)))
            payload: JSONDict = {
                "ok": False,
                "error_code": error.code,
                "description": error.description,
            }
            if error.parameters:
                payload["parameters"] = error.parameters
            return error.code, json.dumps(payload).encode()
        except Exception as exc:
            # A bug in the fake must fail the test, not look like a flaky network to the bot.
            self.internal_errors.append(exc)
            self._record(method, params, uploads, ok=False, code=500, description=repr(exc))
            raise
        self._record(method, params, uploads, ok=True)
        return self._ok(result)

    def _record(
        self,
        method: str,
        params: JSONDict,
        uploads: dict[str, UploadedFile],
        *,
        ok: bool,
        code: int | None = None,
        description: str | None = None,
    ) -> None:
        self.calls.append(ApiCall(method, params, ok, code, description, self.clock(), dict(uploads)))

    def _raise_injected_fault(self, method: str) -> None:
        faults = self._faults.get(method)
        if not faults:
            return
        fault = faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            faults.pop(0)
        raise _ApiError(fault.code, fault.description, fault.parameters)

    def _download(self, url: str) -> tuple[int, bytes]:
        _, _, after = url.partition("/file/bot")
        path = unquote(after.partition("/")[2])
        stored = self._files_by_path.get(path)
        self._record("downloadFile", {"file_path": path}, {}, ok=stored is not None)
        if stored is None:
            body = {"ok": False, "error_code": 404, "description": "Not Found"}
            return HTTPStatus.NOT_FOUND, json.dumps(body).encode()
        return HTTPStatus.OK, stored.content

    # ---- test controls and world helpers ------------------------------------------------

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        parameters: JSONDict | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with exactly this answer."""
        self._faults[method].append(_Fault(error_code, description, parameters, times))

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        language_code: str = "zh-hans",
        last_name: str | None = None,
        username: str | None = None,
    ) -> FakeUser:
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = FakeUser(user_id, first_name, language_code, last_name, username)
        self._users[user_id] = user
        self._chats[user_id] = user.private_chat
        return user

    def group(self, chat_id: int, title: str, *, type: str = "group") -> FakeChat:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if type not in ("group", "supergroup"):
            raise ValueError("type must be 'group' or 'supergroup'")
        chat = FakeChat(chat_id, type, title=title)
        self._chats[chat_id] = chat
        return chat

    def make_admin(self, chat_id: int, user_id: int) -> None:
        self.set_member_status(chat_id, user_id, "administrator")

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """Status getChatMember reports: creator, administrator, member, left or kicked."""
        if status not in ("creator", "administrator", "member", "left", "kicked"):
            raise ValueError(f"unsupported status {status!r}")
        self._statuses[chat_id][user_id] = status

    def block(self, user_id: int) -> None:
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    def kick_bot(self, chat_id: int) -> None:
        self._kicked.add(chat_id)

    def bot_joined(self, chat_id: int) -> None:
        self._kicked.discard(chat_id)

    def migrate(self, chat_id: int, new_chat_id: int) -> FakeChat:
        """Upgrade a group to a supergroup; the old id answers with migrate_to_chat_id."""
        old = self._chat(chat_id)
        new = self.group(new_chat_id, old.title or "", type="supergroup")
        self._migrated[chat_id] = new_chat_id
        self._statuses[new_chat_id] = dict(self._statuses.get(chat_id, {}))
        return new

    def open_private(self, user_id: int) -> None:
        """The user pressed Start / wrote to the bot; writing to a bot also unblocks it."""
        self._require_user(user_id)
        self._opened.add(user_id)
        self._blocked.discard(user_id)

    def chat(self, chat_id: int) -> FakeChat:
        return self._chat(chat_id)

    def assert_bot_receives(self, chat_id: int) -> None:
        """Fail the test if Telegram would never deliver an update from this chat."""
        if chat_id in self._migrated:
            raise AssertionError(
                f"chat {chat_id} was upgraded to {self._migrated[chat_id]}; it gets no updates"
            )
        if chat_id in self._kicked:
            raise AssertionError(f"the bot is not in chat {chat_id}; it would get no updates")
        self._chat(chat_id)

    def note_member(self, chat_id: int, user_id: int) -> None:
        self._statuses[chat_id].setdefault(user_id, "member")

    def user_message(
        self,
        chat_id: int,
        user: FakeUser,
        *,
        content_type: str,
        text: str | None = None,
        entities: list[JSONDict] | None = None,
        photo_sizes: list[JSONDict] | None = None,
        document: StoredDocument | None = None,
        contact: JSONDict | None = None,
    ) -> StoredMessage:
        """Store a message a user sent; the Driver builds the update from it."""
        self._require_user(user.id)
        return self._store(
            self._chat(chat_id),
            from_bot=False,
            sender=user.to_api(),
            content_type=content_type,
            text=text,
            entities=entities or [],
            photo_sizes=photo_sizes or [],
            document=document,
            contact=contact,
        )

    def user_message_as(
        self,
        chat_id: int,
        sender: JSONDict,
        sender_chat: JSONDict,
        *,
        text: str,
        entities: list[JSONDict] | None = None,
    ) -> StoredMessage:
        """Store a text message sent on behalf of a chat (anonymous admin or channel)."""
        message = self._store(
            self._chat(chat_id),
            from_bot=False,
            sender=sender,
            content_type="text",
            text=text,
            entities=entities or [],
        )
        message.sender_chat = sender_chat
        return message

    def channel(self, chat_id: int, title: str) -> FakeChat:
        if chat_id >= 0:
            raise ValueError("channel chat ids are negative")
        return FakeChat(chat_id, "channel", title=title)

    def register_photo(self, *, file_id: str | None = None, content: bytes | None = None) -> list[JSONDict]:
        """Create a photo as Telegram stores it: a small and a large PhotoSize."""
        data = content if content is not None else b"\xff\xd8\xff\xe0fake-jpeg"
        small = self._new_file("photo", data[:64] or data, "jpg", width=90, height=67)
        large = self._new_file("photo", data, "jpg", width=1280, height=960, file_id=file_id)
        return [self._photo_size(small), self._photo_size(large)]

    def register_document(
        self, file_name: str | None, content: bytes, mime_type: str | None
    ) -> StoredDocument:
        extension = file_name.rpartition(".")[2] if file_name and "." in file_name else "bin"
        stored = self._new_file("document", content, extension)
        return StoredDocument(stored.file_id, stored.file_unique_id, file_name, mime_type, len(content))

    def file_content(self, file_id: str) -> bytes:
        return self._files[file_id].content

    def new_callback_query(self, user_id: int, chat_id: int, message_id: int, data: str | None) -> str:
        query_id = f"{self.bot_id}{next(self._query_seq):08d}"
        self._queries[query_id] = _CallbackQuery(query_id, user_id, chat_id, message_id, data)
        return query_id

    def bot_user(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # ---- assertions helpers -------------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    @property
    def answers(self) -> list[CallbackAnswer]:
        return list(self._answers)

    def answer_for(self, query_id: str) -> CallbackAnswer | None:
        return next((a for a in self._answers if a.query_id == query_id), None)

    def messages_in(self, chat_id: int) -> list[StoredMessage]:
        """The bot's messages still in the chat, in their current (edited) state."""
        return [m for m in self._all_in(chat_id) if m.from_bot and not m.deleted]

    def last_in(self, chat_id: int) -> StoredMessage:
        messages = self.messages_in(chat_id)
        if not messages:
            raise AssertionError(f"the bot has no messages in chat {chat_id}")
        return messages[-1]

    def user_messages_in(self, chat_id: int) -> list[StoredMessage]:
        return [m for m in self._all_in(chat_id) if not m.from_bot]

    def all_texts_in(self, chat_id: int) -> list[str]:
        """Every text/caption the bot ever showed there: all edit versions, deleted ones too."""
        return [
            version.text
            for message in self._all_in(chat_id)
            if message.from_bot
            for version in message.versions()
            if version.text
        ]

    def chats_with_messages(self) -> list[int]:
        """Every chat that holds at least one message, the bot's or a user's."""
        return [chat_id for chat_id, messages in self._messages.items() if messages]

    def everything_shown_in(self, chat_id: int) -> list[str]:
        """Like all_texts_in, plus button labels, button URLs and document file names."""
        shown: list[str] = []
        for message in self._all_in(chat_id):
            if not message.from_bot:
                continue
            for version in message.versions():
                if version.text:
                    shown.append(version.text)
                for button in (b for row in version.buttons for b in row):
                    shown.append(button.text)
                    if button.url:
                        shown.append(button.url)
            if message.document and message.document.file_name:
                shown.append(message.document.file_name)
        return shown

    def reply_keyboard_in(self, chat_id: int) -> JSONDict | None:
        """The reply keyboard the user currently sees in that chat, if any."""
        return self._reply_keyboards.get(chat_id)

    def assert_no_unknown_methods(self) -> None:
        if self.unknown_methods:
            raise AssertionError(
                f"the bot called Bot API methods the fake does not know: {self.unknown_methods}"
            )

    def assert_clean(self) -> None:
        """For fixture teardown: the bot used only known methods and never crashed the fake."""
        self.assert_no_unknown_methods()
        if self.internal_errors:
            raise AssertionError(f"the fake itself failed: {self.internal_errors!r}")

    def _all_in(self, chat_id: int) -> list[StoredMessage]:
        return [self._messages[chat_id][k] for k in sorted(self._messages.get(chat_id, {}))]

    # ---- internals: world ---------------------------------------------------------------

    def _require_user(self, user_id: int) -> FakeUser:
        user = self._users.get(user_id)
        if user is None:
            raise AssertionError(f"user {user_id} is unknown; create it with api.user(...)")
        return user

    def _chat(self, chat_id: int) -> FakeChat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise AssertionError(f"chat {chat_id} is unknown; create it with api.group(...)")
        return chat

    def _new_file(
        self,
        kind: str,
        content: bytes,
        extension: str,
        *,
        width: int = 0,
        height: int = 0,
        file_id: str | None = None,
    ) -> _FakeFile:
        seq = next(self._file_seq)
        folder = "photos" if kind == "photo" else "documents"
        stored = _FakeFile(
            file_id=file_id or f"FAKE-{kind.upper()}-{seq:06d}",
            file_unique_id=f"U{seq:06d}",
            kind=kind,
            content=content,
            file_path=f"{folder}/file_{seq}.{extension}",
            width=width,
            height=height,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    @staticmethod
    def _photo_size(stored: _FakeFile) -> JSONDict:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": stored.width,
            "height": stored.height,
            "file_size": len(stored.content),
        }

    def _store(
        self,
        chat: FakeChat,
        *,
        from_bot: bool,
        sender: JSONDict,
        content_type: str,
        text: str | None = None,
        entities: list[JSONDict] | None = None,
        photo_sizes: list[JSONDict] | None = None,
        document: StoredDocument | None = None,
        contact: JSONDict | None = None,
        reply_markup: JSONDict | None = None,
        reply_keyboard: JSONDict | None = None,
        reply_to: StoredMessage | None = None,
    ) -> StoredMessage:
        self._last_message_id[chat.id] += 1
        message = StoredMessage(
            chat_id=chat.id,
            message_id=self._last_message_id[chat.id],
            chat=chat.to_api(),
            sender=sender,
            from_bot=from_bot,
            date=int(time.time()),
            content_type=content_type,
            text=text or None,
            entities=entities or [],
            photo_sizes=photo_sizes or [],
            document=document,
            contact=contact,
            reply_markup=reply_markup,
            reply_keyboard=reply_keyboard,
            reply_to=reply_to,
        )
        self._messages[chat.id][message.message_id] = message
        return message

    # ---- internals: validation ----------------------------------------------------------

    @staticmethod
    def _loose_chat_id(params: JSONDict) -> int | None:
        try:
            return int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            return None

    def _resolve_chat(self, params: JSONDict) -> FakeChat:
        """The chat a call targets, refusing chats that are gone (migrated, kicked)."""
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        chat_id: int | None = None
        if isinstance(raw, int):
            chat_id = raw
        else:
            text = str(raw)
            if text.lstrip("-").isdigit():
                chat_id = int(text)
            else:
                name = text.removeprefix("@").lower()
                match = next((c for c in self._chats.values() if (c.username or "").lower() == name), None)
                chat_id = match.id if match else None
        if chat_id in self._migrated:
            raise _ApiError(
                HTTPStatus.BAD_REQUEST,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise _bad("chat not found")
        if chat.id in self._kicked:
            kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
            raise _forbidden(f"bot was kicked from the {kind}")
        return chat

    def _writable_chat(self, params: JSONDict) -> FakeChat:
        chat = self._resolve_chat(params)
        if chat.is_private:
            if chat.id in self._blocked:
                raise _forbidden("bot was blocked by the user")
            if chat.id not in self._opened:
                raise _forbidden("bot can't initiate conversation with a user")
        return chat

    def _check_rate(self, chat: FakeChat, *, is_edit: bool) -> None:
        if not self.enforce_rate_limits:
            return
        now = self.clock()
        waits = [self._wait_for_slot(self._global_window, now, 1.0, self.GLOBAL_PER_SECOND)]
        if not chat.is_private:
            waits.append(self._wait_for_slot(self._chat_windows[chat.id], now, 60.0, self.GROUP_PER_MINUTE))
        elif not is_edit:
            waits.append(self._wait_for_slot(self._chat_windows[chat.id], now, 1.0, self.PRIVATE_PER_SECOND))
        wait = max(waits)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise _ApiError(
                HTTPStatus.TOO_MANY_REQUESTS,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )

    def _count_rate(self, chat: FakeChat, *, is_edit: bool) -> None:
        if not self.enforce_rate_limits:
            return
        now = self.clock()
        self._global_window.append(now)
        if not (chat.is_private and is_edit):
            self._chat_windows[chat.id].append(now)

    def _wait_for_slot(self, stamps: deque[float], now: float, window: float, limit: int) -> float:
        horizon = now - window + self.RATE_SLACK
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        if len(stamps) < limit:
            return 0.0
        # A slot frees when the oldest message that keeps the window full leaves it.
        return stamps[len(stamps) - limit] + window - self.RATE_SLACK - now

    def _inline_markup(self, raw: Any) -> JSONDict | None:
        """Validate an inline keyboard and return it as Telegram would echo it back."""
        markup = _json_value(raw)
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad("can't parse reply keyboard markup JSON object")
        clean_rows: list[list[JSONDict]] = []
        count = 0
        for row in rows:
            clean_row: list[JSONDict] = []
            for button in row:
                if not isinstance(button, dict):
                    raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
                if not isinstance(button.get("text"), str):
                    raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not data or len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
                        raise _bad("BUTTON_DATA_INVALID")
                if not any(button.get(key) is not None for key in _BUTTON_ACTIONS):
                    raise _bad(
                        "can't parse inline keyboard button: Text buttons are unallowed in the "
                        "inline keyboard"
                    )
                clean_row.append({k: v for k, v in button.items() if v is not None})
                count += 1
            if clean_row:
                clean_rows.append(clean_row)
        if count > MAX_INLINE_BUTTONS:
            raise _bad("reply markup is too long")
        return {"inline_keyboard": clean_rows} if clean_rows else None

    def _any_markup(self, params: JSONDict) -> tuple[JSONDict | None, JSONDict | None]:
        """(inline keyboard, other reply markup) of a send call."""
        raw = params.get("reply_markup")
        if raw is None:
            return None, None
        markup = _json_value(raw)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            return self._inline_markup(markup), None
        if not isinstance(markup, dict) or not (
            {"keyboard", "remove_keyboard", "force_reply"} & markup.keys()
        ):
            raise _bad("can't parse reply keyboard markup JSON object")
        return None, markup

    def _edit_markup(self, params: JSONDict) -> JSONDict | None:
        raw = params.get("reply_markup")
        if raw is None:
            # Telegram drops the keyboard when an edit does not repeat it.
            return None
        markup = _json_value(raw)
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            raise _bad("inline keyboard expected")
        return self._inline_markup(markup)

    def _checked_text(self, params: JSONDict) -> tuple[str, list[JSONDict]]:
        text, entities = _formatted_text(params.get("text"), params.get("parse_mode"), params.get("entities"))
        if not text:
            raise _bad("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        return text, entities

    def _checked_caption(self, params: JSONDict) -> tuple[str, list[JSONDict]]:
        caption, entities = _formatted_text(
            params.get("caption"), params.get("parse_mode"), params.get("caption_entities")
        )
        if len(caption) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        return caption, entities

    def _reply_target(self, chat: FakeChat, params: JSONDict) -> StoredMessage | None:
        reply_parameters = params.get("reply_parameters") or {}
        message_id = params.get("reply_to_message_id") or reply_parameters.get("message_id")
        if not message_id:
            return None
        allow_missing = bool(
            params.get("allow_sending_without_reply") or reply_parameters.get("allow_sending_without_reply")
        )
        target = self._messages[chat.id].get(int(message_id))
        if target is None or target.deleted:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        return target

    def _input_file(
        self, params: JSONDict, uploads: dict[str, UploadedFile], name: str, kind: str
    ) -> tuple[_FakeFile | None, UploadedFile | None]:
        """Either an already stored file (file_id / URL) or a fresh upload."""
        value = params.get(name)
        upload: UploadedFile | None = None
        if value is None:
            upload = uploads.get(name)
        elif isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
        elif isinstance(value, str):
            if value.startswith(("http://", "https://")):
                return self._new_file(kind, f"fetched {value}".encode(), "bin"), None
            stored = self._files.get(value)
            if stored is None:
                raise _bad("wrong file identifier/HTTP URL specified")
            if stored.kind != kind:
                raise _bad("type of file mismatch")
            return stored, None
        if upload is None:
            raise _bad(f"there is no {name} in the request")
        if not upload.content:
            raise _bad("file must be non-empty")
        return None, upload

    def _bot_message(self, chat: FakeChat, params: JSONDict) -> StoredMessage:
        if params.get("inline_message_id"):
            self.unknown_methods.append("inline_message_id edits")
            raise _bad("the fake does not support inline_message_id")
        raw_id = params.get("message_id")
        if raw_id is None:
            raise _bad("message identifier is not specified")
        message = self._messages[chat.id].get(int(raw_id))
        if message is None or message.deleted or not message.from_bot:
            raise _bad("message to edit not found")
        return message

    # ---- internals: methods -------------------------------------------------------------

    def _true(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> bool:
        return True

    def _get_me(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> JSONDict:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        for command in commands:
            if not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise _bad("command description must be non-empty")
        self._commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _delete_my_commands(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _get_my_commands(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> list[JSONDict]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _deliver(
        self,
        chat: FakeChat,
        params: JSONDict,
        *,
        content_type: str,
        text: str,
        entities: list[JSONDict],
        photo_sizes: list[JSONDict] | None = None,
        document: StoredDocument | None = None,
    ) -> JSONDict:
        inline, other = self._any_markup(params)
        reply_to = self._reply_target(chat, params)
        self._check_rate(chat, is_edit=False)
        self._count_rate(chat, is_edit=False)
        message = self._store(
            chat,
            from_bot=True,
            sender=self.bot_user(),
            content_type=content_type,
            text=text,
            entities=entities,
            photo_sizes=photo_sizes,
            document=document,
            reply_markup=inline,
            reply_keyboard=other,
            reply_to=reply_to,
        )
        if other is not None:
            self._reply_keyboards[chat.id] = None if other.get("remove_keyboard") else other
        return message.to_api()

    def _send_message(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> JSONDict:
        chat = self._writable_chat(params)
        text, entities = self._checked_text(params)
        return self._deliver(chat, params, content_type="text", text=text, entities=entities)

    def _send_photo(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> JSONDict:
        chat = self._writable_chat(params)
        stored, upload = self._input_file(params, uploads, "photo", "photo")
        caption, entities = self._checked_caption(params)
        if upload is not None:
            sizes = self.register_photo(content=upload.content)
        else:
            assert stored is not None
            sizes = [self._photo_size(stored)]
        return self._deliver(
            chat, params, content_type="photo", text=caption, entities=entities, photo_sizes=sizes
        )

    def _send_document(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> JSONDict:
        chat = self._writable_chat(params)
        stored, upload = self._input_file(params, uploads, "document", "document")
        caption, entities = self._checked_caption(params)
        if upload is not None:
            document = self.register_document(upload.filename, upload.content, upload.mime_type)
        else:
            assert stored is not None
            previous = next(
                (
                    m.document
                    for messages in self._messages.values()
                    for m in messages.values()
                    if m.document and m.document.file_id == stored.file_id
                ),
                None,
            )
            document = previous or StoredDocument(
                stored.file_id, stored.file_unique_id, None, None, len(stored.content)
            )
        return self._deliver(
            chat,
            params,
            content_type="document",
            text=caption,
            entities=entities,
            document=document,
        )

    def _apply_edit(
        self,
        chat: FakeChat,
        message: StoredMessage,
        text: str | None,
        entities: list[JSONDict],
        markup: JSONDict | None,
    ) -> JSONDict:
        if (text or None, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise _ApiError(HTTPStatus.BAD_REQUEST, _MSG_NOT_MODIFIED)
        self._check_rate(chat, is_edit=True)
        self._count_rate(chat, is_edit=True)
        message.edits.append(
            MessageVersion(message.text, message.entities, message.reply_markup, message.edit_date)
        )
        message.text = text or None
        message.entities = entities
        message.reply_markup = markup
        message.edit_date = int(time.time())
        return message.to_api()

    def _edit_message_text(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> JSONDict:
        chat = self._writable_chat(params)
        message = self._bot_message(chat, params)
        if message.content_type != "text":
            raise _bad("there is no text in the message to edit")
        text, entities = self._checked_text(params)
        markup = self._edit_markup(params)
        return self._apply_edit(chat, message, text, entities, markup)

    def _edit_message_caption(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> JSONDict:
        chat = self._writable_chat(params)
        message = self._bot_message(chat, params)
        if message.content_type not in ("photo", "document"):
            raise _bad("there is no caption in the message to edit")
        caption, entities = self._checked_caption(params)
        markup = self._edit_markup(params)
        return self._apply_edit(chat, message, caption, entities, markup)

    def _edit_message_reply_markup(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> JSONDict:
        chat = self._writable_chat(params)
        message = self._bot_message(chat, params)
        markup = self._edit_markup(params)
        return self._apply_edit(chat, message, message.text, message.entities, markup)

    def _delete_message(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> bool:
        chat = self._writable_chat(params)
        raw_id = params.get("message_id")
        message = self._messages[chat.id].get(int(raw_id)) if raw_id is not None else None
        if message is None or message.deleted:
            raise _bad("message to delete not found")
        bot_is_admin = self._statuses.get(chat.id, {}).get(self.bot_id) in (
            "administrator",
            "creator",
        )
        if not chat.is_private and not message.from_bot and not bot_is_admin:
            raise _bad("message can't be deleted")
        message.deleted = True
        return True

    def _answer_callback_query(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> bool:
        query = self._queries.get(str(params.get("callback_query_id", "")))
        if query is None or query.answered:
            raise _ApiError(HTTPStatus.BAD_REQUEST, _QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        query.answered = True
        self._answers.append(
            CallbackAnswer(
                query_id=query.query_id,
                text=None if text is None else str(text),
                show_alert=bool(params.get("show_alert", False)),
                url=params.get("url"),
                at=self.clock(),
            )
        )
        return True

    def _get_file(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> JSONDict:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _bad("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_BYTES:
            raise _bad("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _get_chat(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> JSONDict:
        chat = self._resolve_chat(params)
        return {
            **chat.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _send_chat_action(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> bool:
        self._writable_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _get_chat_member(self, params: JSONDict, uploads: dict[str, UploadedFile]) -> JSONDict:
        chat = self._resolve_chat(params)
        try:
            user_id = int(params.get("user_id", 0))
        except (TypeError, ValueError) as exc:
            raise _bad("user not found") from exc
        if user_id == self.bot_id:
            user_json = self.bot_user()
        elif user_id in self._users:
            user_json = self._users[user_id].to_api()
        else:
            raise _bad("user not found")
        if chat.is_private and user_id not in (chat.id, self.bot_id):
            raise _bad("user not found")
        status = self._statuses.get(chat.id, {}).get(user_id, "member")
        member: JSONDict = {"status": status, "user": user_json}
        if status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_pin_messages=True,
            )
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        return member


# --------------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------------


def _command_entities(text: str) -> list[JSONDict]:
    if not text.startswith("/"):
        return []
    token = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(token)}]


class Driver:
    """Plays users against a started ``Application`` and waits for the bot to react."""

    MAX_SETTLE_ROUNDS: ClassVar[int] = 50

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        api: FakeTelegram,
        *,
        settle_hooks: list[Callable[[], Awaitable[None]]] | None = None,
    ) -> None:
        self.app = app
        self.api = api
        self.settle_hooks: list[Callable[[], Awaitable[None]]] = list(settle_hooks or [])
        self.settle_timeout = 10.0
        self._update_ids = itertools.count(10_001)

    # ---- what users do ------------------------------------------------------------------

    async def send(self, user: FakeUser, text: str, chat: FakeChat | None = None) -> None:
        target = self._source_chat(user, chat)
        message = self.api.user_message(
            target.id, user, content_type="text", text=text, entities=_command_entities(text)
        )
        await self._feed({"message": message.to_api()})
        await self.settle()

    async def send_as_chat(self, text: str, chat: FakeChat, *, channel: FakeChat | None = None) -> None:
        """A message in a group written as the group by an anonymous admin, or (with channel) on
        behalf of a channel: Telegram then names a service bot as the sender, never the person."""
        self.api.assert_bot_receives(chat.id)
        if channel is None:
            sender, sender_chat = dict(GROUP_ANONYMOUS_BOT), chat.to_api()
        else:
            sender, sender_chat = dict(CHANNEL_BOT), channel.to_api()
        message = self.api.user_message_as(
            chat.id, sender, sender_chat, text=text, entities=_command_entities(text)
        )
        await self._feed({"message": message.to_api()})
        await self.settle()

    async def send_many(self, messages: list[tuple[FakeUser, str]]) -> None:
        """Several users (or one user, several times) write at once: all enqueued, then settled."""
        for user, text in messages:
            target = self._source_chat(user, None)
            message = self.api.user_message(
                target.id, user, content_type="text", text=text, entities=_command_entities(text)
            )
            await self._feed({"message": message.to_api()})
        await self.settle()

    async def send_photo(
        self,
        user: FakeUser,
        *,
        file_id: str | None = None,
        caption: str | None = None,
        chat: FakeChat | None = None,
        content: bytes | None = None,
    ) -> StoredMessage:
        target = self._source_chat(user, chat)
        sizes = self.api.register_photo(file_id=file_id, content=content)
        message = self.api.user_message(
            target.id, user, content_type="photo", text=caption, photo_sizes=sizes
        )
        await self._feed({"message": message.to_api()})
        await self.settle()
        return message

    async def send_document(
        self,
        user: FakeUser,
        file_name: str,
        content: bytes,
        mime_type: str,
        *,
        chat: FakeChat | None = None,
    ) -> StoredMessage:
        target = self._source_chat(user, chat)
        document = self.api.register_document(file_name, content, mime_type)
        message = self.api.user_message(target.id, user, content_type="document", document=document)
        await self._feed({"message": message.to_api()})
        await self.settle()
        return message

    async def send_contact(
        self, user: FakeUser, phone_number: str, chat: FakeChat | None = None
    ) -> StoredMessage:
        target = self._source_chat(user, chat)
        contact: JSONDict = {
            "phone_number": phone_number,
            "first_name": user.first_name,
            "user_id": user.id,
        }
        if user.last_name:
            contact["last_name"] = user.last_name
        message = self.api.user_message(target.id, user, content_type="contact", contact=contact)
        await self._feed({"message": message.to_api()})
        await self.settle()
        return message

    async def tap(
        self,
        user: FakeUser,
        message: StoredMessage,
        label: str | None = None,
        *,
        data: str | None = None,
        chat: FakeChat | None = None,
    ) -> CallbackAnswer | None:
        """Press a button; returns the bot's answerCallbackQuery for this tap, if it made one."""
        query_id = await self._enqueue_tap(user, message, label, data=data, chat=chat)
        await self.settle()
        return self.api.answer_for(query_id)

    async def tap_all(self, taps: list[tuple[FakeUser, StoredMessage, str]]) -> list[CallbackAnswer | None]:
        """Taps that arrive together: all are queued before the bot handles any of them."""
        query_ids = [await self._enqueue_tap(user, msg, label) for user, msg, label in taps]
        await self.settle()
        return [self.api.answer_for(query_id) for query_id in query_ids]

    async def bot_added(self, chat: FakeChat, by_user: FakeUser) -> None:
        """by_user adds the bot; as in most real groups, the one adding bots administers it."""
        self.api.bot_joined(chat.id)
        self.api.make_admin(chat.id, by_user.id)
        await self._chat_member_update(chat, by_user, {"status": "left"}, {"status": "member"})

    async def bot_removed(self, chat: FakeChat, by_user: FakeUser) -> None:
        current = self.api.chat(chat.id)
        # Removing a member bans it in a supergroup but only makes it leave a basic group.
        new: JSONDict = (
            {"status": "kicked", "until_date": 0} if current.type == "supergroup" else {"status": "left"}
        )
        self.api.kick_bot(chat.id)
        await self._chat_member_update(chat, by_user, {"status": "member"}, new)

    async def user_blocked_bot(self, user: FakeUser) -> None:
        """The user pressed Block; Telegram tells the bot with a my_chat_member update."""
        self.api.block(user.id)
        await self._chat_member_update(
            user.private_chat, user, {"status": "member"}, {"status": "kicked", "until_date": 0}
        )

    # ---- what the bot showed ------------------------------------------------------------

    def private(self, user: FakeUser) -> list[StoredMessage]:
        return self.api.messages_in(user.id)

    def last_private(self, user: FakeUser) -> StoredMessage:
        return self.api.last_in(user.id)

    # ---- plumbing -----------------------------------------------------------------------

    async def settle(self) -> None:
        """Wait until the bot has handled everything and its settle hooks have nothing left."""
        if not self.app.running:
            raise AssertionError("the Application is not running; await app.start() first")
        try:
            async with asyncio.timeout(self.settle_timeout):
                for _ in range(self.MAX_SETTLE_ROUNDS):
                    before = len(self.api.calls)
                    await self.app.update_queue.join()
                    await self._wait_for_handler_tasks()
                    for hook in self.settle_hooks:
                        await hook()
                    await asyncio.sleep(0)
                    if self.app.update_queue.empty() and len(self.api.calls) == before:
                        return
        except TimeoutError:
            raise AssertionError(
                f"the bot did not settle within {self.settle_timeout}s "
                f"({self.app.update_queue.qsize()} updates still queued)"
            ) from None
        raise AssertionError(f"the bot kept calling the API through {self.MAX_SETTLE_ROUNDS} settle rounds")

    async def _wait_for_handler_tasks(self) -> None:
        # Handlers with block=False run as tasks update_queue.join() does not cover; PTB names
        # them after the application, which separates them from the bot's long-lived tasks.
        prefix = f"Application:{self.app.bot.id}:process_"
        current = asyncio.current_task()
        pending = [
            task
            for task in asyncio.all_tasks()
            if task is not current and not task.done() and task.get_name().startswith(prefix)
        ]
        if pending:
            await asyncio.wait(pending)

    async def _feed(self, payload: JSONDict) -> None:
        data = {"update_id": next(self._update_ids), **payload}
        update = Update.de_json(data, self.app.bot)
        if isinstance(self.app.bot, ExtBot):
            # PTB resolves arbitrary callback data while fetching updates, which we bypass.
            self.app.bot.insert_callback_data(update)
        await self.app.update_queue.put(update)

    def _source_chat(self, user: FakeUser, chat: FakeChat | None) -> FakeChat:
        if chat is None or chat.is_private:
            if chat is not None and chat.id != user.id:
                raise AssertionError("a user can only write in their own private chat")
            self.api.open_private(user.id)
            return self.api.chat(user.id)
        self.api.assert_bot_receives(chat.id)
        self.api.note_member(chat.id, user.id)
        return self.api.chat(chat.id)

    async def _enqueue_tap(
        self,
        user: FakeUser,
        message: StoredMessage,
        label: str | None,
        *,
        data: str | None = None,
        chat: FakeChat | None = None,
    ) -> str:
        if not message.from_bot:
            raise AssertionError("only the bot's messages carry inline buttons")
        if message.deleted:
            raise AssertionError(f"message {message.message_id} was deleted; nothing to tap")
        if chat is not None and chat.id != message.chat_id:
            raise AssertionError(f"message {message.message_id} is not in chat {chat.id}")
        if message.chat_id > 0 and user.id != message.chat_id:
            raise AssertionError(f"user {user.id} cannot see user {message.chat_id}'s chat")
        if message.chat_id < 0:
            self.api.assert_bot_receives(message.chat_id)
            self.api.note_member(message.chat_id, user.id)
        if label is None and data is None:
            raise AssertionError("tap() needs a button label or forged data")
        payload = data
        if label is not None:
            button = message.button(label)
            if button.callback_data is None:
                raise AssertionError(
                    f"button {button.text!r} sends no callback (it is not a callback_data button)"
                )
            payload = data if data is not None else button.callback_data
        query_id = self.api.new_callback_query(user.id, message.chat_id, message.message_id, payload)
        await self._feed(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_api(),
                    "message": message.to_api(),
                    "chat_instance": f"ci{message.chat_id}",
                    "data": payload,
                }
            }
        )
        return query_id

    async def _chat_member_update(
        self, chat: FakeChat, by_user: FakeUser, old: JSONDict, new: JSONDict
    ) -> None:
        bot = self.api.bot_user()
        current = self.api.chat(chat.id) if chat.id < 0 else chat
        await self._feed(
            {
                "my_chat_member": {
                    "chat": current.to_api(),
                    "from": by_user.to_api(),
                    "date": int(time.time()),
                    "old_chat_member": {**old, "user": bot},
                    "new_chat_member": {**new, "user": bot},
                }
            }
        )
        await self.settle()

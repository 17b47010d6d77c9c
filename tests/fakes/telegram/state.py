"""The server's memory: every table of the fake world, and the lookups all method families share."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict, deque
from collections.abc import Callable
from http import HTTPStatus

from tests.fakes.telegram.wire import ApiError, JSONDict, bad, forbidden
from tests.fakes.telegram.world import (
    ApiCall,
    CallbackAnswer,
    CallbackQuery,
    FakeChat,
    FakeFile,
    FakeUser,
    Fault,
    StoredDocument,
    StoredMessage,
    UploadedFile,
)


class Core:
    """World state plus the chat, user, file and message bookkeeping under every Bot API method.

    ``FakeTelegram`` is this plus one mixin per family of methods; each mixin subclasses Core so
    that what it reads and writes here is visible to a type checker.
    """

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
        self._files: dict[str, FakeFile] = {}
        self._files_by_path: dict[str, FakeFile] = {}
        self._file_seq = itertools.count(1)
        self._queries: dict[str, CallbackQuery] = {}
        self._query_seq = itertools.count(1)
        self._faults: dict[str, list[Fault]] = defaultdict(list)
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        # What setWebhook was last told (an empty url: no webhook, updates by getUpdates).
        self.webhook: JSONDict = {"url": "", "secret_token": None, "allowed_updates": None}
        # The menu button of private chats: by chat id, None for the bot's default one.
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self._global_window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = defaultdict(deque)
        self._initialized = False

    def bot_user(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

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

    def _unsupported(self, feature: str) -> ApiError:
        """A call the fake cannot answer faithfully: refused, and noted so the test fails loudly
        (``assert_clean``) even if the bot swallows the error."""
        self.unknown_methods.append(feature)
        return bad(f"the fake does not support {feature}")

    # ---- users, chats, messages, files ----------------------------------------------------

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

    def _all_in(self, chat_id: int) -> list[StoredMessage]:
        return [self._messages[chat_id][k] for k in sorted(self._messages.get(chat_id, {}))]

    def _new_file(
        self,
        kind: str,
        content: bytes,
        extension: str,
        *,
        width: int = 0,
        height: int = 0,
        file_id: str | None = None,
    ) -> FakeFile:
        seq = next(self._file_seq)
        folder = "photos" if kind == "photo" else "documents"
        stored = FakeFile(
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
    def _photo_size(stored: FakeFile) -> JSONDict:
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

    # ---- which chat a call targets --------------------------------------------------------

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
            raise bad("chat_id is empty")
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
            raise ApiError(
                HTTPStatus.BAD_REQUEST,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise bad("chat not found")
        if chat.id in self._kicked:
            kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
            raise forbidden(f"bot was kicked from the {kind}")
        return chat

    def _writable_chat(self, params: JSONDict) -> FakeChat:
        chat = self._resolve_chat(params)
        if chat.is_private:
            if chat.id in self._blocked:
                raise forbidden("bot was blocked by the user")
            if chat.id not in self._opened:
                raise forbidden("bot can't initiate conversation with a user")
        return chat

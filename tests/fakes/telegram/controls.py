"""What a test does to the fake world: people and groups, blocks and kicks, upgrades, files,
and faults to inject into the next calls."""

from __future__ import annotations

from tests.fakes.telegram.state import Core
from tests.fakes.telegram.wire import JSONDict
from tests.fakes.telegram.world import CallbackQuery, FakeChat, FakeUser, Fault, StoredDocument, StoredMessage


class WorldControls(Core):
    """Building and changing the world outside any Bot API call (the Driver uses these too)."""

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        parameters: JSONDict | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with exactly this answer."""
        self._faults[method].append(Fault(error_code, description, parameters, times))

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
        self._queries[query_id] = CallbackQuery(query_id, user_id, chat_id, message_id, data)
        return query_id

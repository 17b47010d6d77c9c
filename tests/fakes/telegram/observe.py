"""What a test reads back: the bot's messages as users see them, the calls it made, its answers."""

from __future__ import annotations

from tests.fakes.telegram.state import Core
from tests.fakes.telegram.wire import JSONDict
from tests.fakes.telegram.world import ApiCall, CallbackAnswer, StoredMessage


class Observations(Core):
    """Read-only views for assertions, and the checks a fixture runs at teardown."""

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

"""``Driver``: plays users against a running ``Application`` and waits for the bot to react.

It feeds updates into ``app.update_queue`` (no Updater) and returns only when the bot has
finished reacting, so tests read like a conversation.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from telegram import Update
from telegram.ext import Application, ExtBot

from tests.fakes.telegram.server import FakeTelegram
from tests.fakes.telegram.wire import JSONDict, utf16_len
from tests.fakes.telegram.world import (
    CHANNEL_BOT,
    GROUP_ANONYMOUS_BOT,
    CallbackAnswer,
    FakeChat,
    FakeUser,
    StoredMessage,
)


def _command_entities(text: str) -> list[JSONDict]:
    if not text.startswith("/"):
        return []
    token = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(token)}]


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

"""People who talk to the bot in their private chat: they read what it answers before going on.

``Inbox`` follows the bot's messages to private chats through the fake server's feed (one poll
every 200 ms for everyone, so following many chats costs the bot's process next to nothing).
``Coordinator`` enters wishes with /newwish step by step, as a person would: it waits for each
question, thinks a while, answers. An impatient one types name, phone and address in one go
without waiting, which only works if the bot keeps that person's updates in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.harness import BotUnderTest, FakeServer
from bot.callbacks import ChoiceCallback, DraftChoice
from bot.models import Category
from bot.texts import t

JSON = dict[str, Any]
Predicate = Callable[[JSON], bool]


class Inbox:
    EVERY = 0.2  # a person notices a new message within a fraction of a second, not at once

    def __init__(self, server: FakeServer, chats: list[int]) -> None:
        self._server = server
        self._chats = chats
        self._by_chat: dict[int, list[JSON]] = defaultdict(list)
        self._arrived = asyncio.Event()
        self._next = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._poll(), name="bench-inbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _poll(self) -> None:
        while True:
            page = await self._server.feed(self._next, self._chats)
            self._next = page["next"]
            for message in page["messages"]:
                self._by_chat[message["chat_id"]].append(message)
            if page["messages"]:
                self._arrived.set()
                self._arrived = asyncio.Event()
            await asyncio.sleep(self.EVERY)

    def cursor(self, chat_id: int) -> int:
        return len(self._by_chat[chat_id])

    async def wait_for(self, chat_id: int, since: int, match: Predicate, within: float) -> JSON | None:
        """The first message to this chat from position ``since`` on that matches; None on timeout."""
        seen = since
        try:
            async with asyncio.timeout(within):
                while True:
                    messages = self._by_chat[chat_id]
                    for message in messages[seen:]:
                        if match(message):
                            return message
                    seen = len(messages)
                    await self._arrived.wait()
        except TimeoutError:
            return None


def text_is(text: str) -> Predicate:
    return lambda m: m["text"] == text


def has_button(data: str) -> Predicate:
    return lambda m: data in m["data"]


@dataclass
class Entered:
    """What a coordinator typed for one wish, to compare with what the bot stored."""

    name: str
    phone: str
    address: str
    description: str
    value_fen: int


class Coordinator:
    PROMPT_TIMEOUT = 15.0

    def __init__(
        self,
        bot: BotUnderTest,
        inbox: Inbox,
        user_id: int,
        *,
        think: float,
        impatient: bool,
        rng: random.Random,
    ) -> None:
        self.bot = bot
        self.inbox = inbox
        self.user_id = user_id
        self.think = think
        self.impatient = impatient
        self.rng = rng
        self.entered: list[Entered] = []
        self.started = 0
        self.stuck: list[str] = []  # the step at which a conversation got no expected answer

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.started += 1
            if not await self._one_wish(self.started):
                return  # a person whose bot stopped answering gives up

    async def _pause(self) -> None:
        await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))

    def _say(self, text: str) -> None:
        self.bot.feed([self.bot.text(self.user_id, text)])

    def _tap(self, message: JSON, data: str) -> None:
        self.bot.feed([self.bot.tap(self.user_id, self.user_id, message["message_id"], data)])

    async def _expect(self, step: str, since: int, match: Predicate) -> JSON | None:
        found = await self.inbox.wait_for(self.user_id, since, match, self.PROMPT_TIMEOUT)
        if found is None:
            self.stuck.append(step)
        return found

    async def _ask(self, step: str, text: str, match: Predicate) -> JSON | None:
        since = self.inbox.cursor(self.user_id)
        self._say(text)
        return await self._expect(step, since, match)

    async def _press(self, step: str, message: JSON, data: str, match: Predicate) -> JSON | None:
        since = self.inbox.cursor(self.user_id)
        self._tap(message, data)
        return await self._expect(step, since, match)

    async def _one_wish(self, n: int) -> bool:
        wish = Entered(
            name=f"李{self.user_id}号{n}",
            phone=f"139{self.user_id % 10000:04d}{n % 10000:04d}",
            address=f"和平路 {self.user_id} 号 {n} 室",
            description=f"暖风机 {self.user_id}-{n}",
            value_fen=5000,
        )
        zh = "zh"
        category = ChoiceCallback(choice=DraftChoice.CATEGORY, value=Category.ELDERLY_ALONE.value).pack()
        if await self._ask("start", "/newwish", text_is(t(zh, "newwish.ask_name"))) is None:
            return False
        await self._pause()
        if self.impatient:
            since = self.inbox.cursor(self.user_id)
            for text in (wish.name, wish.phone, wish.address):
                self._say(text)
                await asyncio.sleep(0.02)
            prompt = await self._expect("name+phone+address", since, has_button(category))
        else:
            if await self._ask("name", wish.name, text_is(t(zh, "newwish.ask_phone"))) is None:
                return False
            await self._pause()
            if await self._ask("phone", wish.phone, text_is(t(zh, "newwish.ask_address"))) is None:
                return False
            await self._pause()
            prompt = await self._ask("address", wish.address, has_button(category))
        if prompt is None:
            return False
        await self._pause()
        if await self._press("category", prompt, category, text_is(t(zh, "newwish.ask_wish"))) is None:
            return False
        await self._pause()
        skip_value = ChoiceCallback(choice=DraftChoice.SKIP, value="value").pack()
        if await self._ask("wish", wish.description, has_button(skip_value)) is None:
            return False
        await self._pause()
        due = ChoiceCallback(choice=DraftChoice.DUE, value="14").pack()
        prompt = await self._ask("value", str(wish.value_fen // 100), has_button(due))
        if prompt is None:
            return False
        await self._pause()
        skip_photo = ChoiceCallback(choice=DraftChoice.SKIP, value="photo").pack()
        prompt = await self._press("due", prompt, due, has_button(skip_photo))
        if prompt is None:
            return False
        await self._pause()
        submit = ChoiceCallback(choice=DraftChoice.SUBMIT, value="wish").pack()
        summary = await self._press("photo", prompt, skip_photo, has_button(submit))
        if summary is None:
            return False
        await self._pause()
        done = await self._press("submit", summary, submit, lambda m: wish.description in m["text"])
        if done is None:
            return False
        self.entered.append(wish)
        await self._pause()
        return True

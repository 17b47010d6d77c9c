"""An in-process fake of the Telegram Bot API, plus a driver that plays users against a bot.

``FakeTelegram`` plugs into PTB as its ``BaseRequest``: every Bot API call a real
``telegram.Bot`` makes lands in ``FakeTelegram.do_request``, which answers with the same JSON
(and HTTP status) the real server would. Because the answers are real JSON, PTB parses them with
its own code and raises its own exceptions (``BadRequest``, ``Forbidden``, ``RetryAfter``,
``ChatMigrated``), so the bot under test runs its real error paths.

The fake is deliberately strict: it refuses what Telegram refuses, with Telegram's own error
descriptions, because a lenient fake hides exactly the bugs that only show up in production
(64-byte callback data, "message is not modified", users who never pressed Start, ...). What it
cannot check (parse_mode markup, inline_message_id) it refuses too, and notes in
``unknown_methods`` so the test fails.

``Driver`` feeds updates into a running ``Application`` (no Updater) and waits for the bot to
finish reacting before it returns, so tests read like a conversation.

Modules: wire (limits, errors, JSON), world (users, chats, messages, buttons, files, records),
content (texts, captions, keyboards), state (the server's tables and shared lookups), rates
(flood limits), controls (what tests do to the world), observe (what tests read back),
messages and methods (the Bot API methods), server (``FakeTelegram``), driver (``Driver``).
"""

from tests.fakes.telegram.driver import Driver
from tests.fakes.telegram.server import FakeTelegram
from tests.fakes.telegram.world import (
    CHANNEL_BOT,
    GROUP_ANONYMOUS_BOT,
    ApiCall,
    Button,
    CallbackAnswer,
    FakeChat,
    FakeUser,
    MessageVersion,
    StoredDocument,
    StoredMessage,
    UploadedFile,
)

__all__ = [
    "CHANNEL_BOT",
    "GROUP_ANONYMOUS_BOT",
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

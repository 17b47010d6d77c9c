"""The fake Bot API's public names, where tests have always imported them from.

The fake itself lives in the package tests/fakes/telegram/ (see its __init__ for a map).
"""

from tests.fakes.telegram import (
    CHANNEL_BOT,
    GROUP_ANONYMOUS_BOT,
    ApiCall,
    Button,
    CallbackAnswer,
    Driver,
    FakeChat,
    FakeTelegram,
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

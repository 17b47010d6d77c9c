"""A Bot API that answers itself, for the demo: the bot runs as it would, and nothing leaves
the computer.

The outbox sender delivers the cards and notices that the demo's claims cause, exactly as in
production, and this answers like Telegram would (a message with an id, a photo with a file id,
True for the rest), so queued rows are marked sent and cards remember their messages.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_ID = 8_000_000_001
BOT_USERNAME = "wishwall_demo_bot"
# Methods whose answer is the message they sent or changed; every other method answers True.
_MESSAGES = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)


class OfflineBotApi(BaseRequest):
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.calls: dict[str, int] = {}  # how many of each method: what the demo "sent"

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

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
        name = url.rsplit("/", 1)[-1]
        self.calls[name] = self.calls.get(name, 0) + 1
        params = request_data.parameters if request_data is not None else {}
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> object:
        if name == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Wishwall demo",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if name not in _MESSAGES:
            return True
        chat_id = int(params.get("chat_id", 0) or 0)
        message: dict[str, Any] = {
            "message_id": int(params.get("message_id") or next(self._ids)),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Wishwall demo"},
        }
        if name in ("sendPhoto", "editMessageCaption"):
            number = next(self._ids)
            photo = {"file_id": f"demo-photo-{number}", "file_unique_id": f"demo{number}"}
            message["photo"] = [{**photo, "width": 640, "height": 480}]
            message["caption"] = str(params.get("caption", ""))
        elif name == "sendDocument":
            number = next(self._ids)
            message["document"] = {"file_id": f"demo-file-{number}", "file_unique_id": f"demof{number}"}
        else:
            message["text"] = str(params.get("text", ""))
        return message

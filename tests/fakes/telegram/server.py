"""``FakeTelegram``: the method families put together behind PTB's ``BaseRequest``."""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Any, ClassVar

from telegram.request import BaseRequest, RequestData

from tests.fakes.telegram.messages import EditMethods, SendMethods
from tests.fakes.telegram.methods import BotMethods, CallbackMethods, ChatMethods, FileMethods
from tests.fakes.telegram.observe import Observations
from tests.fakes.telegram.wire import JSON_PARAMS, ApiError, JSONDict, bad, json_value, ok
from tests.fakes.telegram.world import UploadedFile


class FakeTelegram(
    SendMethods,
    EditMethods,
    BotMethods,
    CallbackMethods,
    ChatMethods,
    FileMethods,
    Observations,
    BaseRequest,
):
    """A strict in-memory Bot API server, used as both of a Bot's request objects."""

    GET_UPDATES_PAUSE: ClassVar[float] = 0.05

    # Bot API method -> the implementation's attribute name (looked up per call, so a subclass
    # or a test may replace one).
    METHODS: ClassVar[dict[str, str]] = {
        "getMe": "_get_me",
        "logOut": "_true",
        "close": "_true",
        "deleteWebhook": "_delete_webhook",
        "setWebhook": "_set_webhook",
        "getWebhookInfo": "_get_webhook_info",
        "setMyCommands": "_set_my_commands",
        "deleteMyCommands": "_delete_my_commands",
        "getMyCommands": "_get_my_commands",
        "setChatMenuButton": "_set_chat_menu_button",
        "getChatMenuButton": "_get_chat_menu_button",
        "sendMessage": "_send_message",
        "sendPhoto": "_send_photo",
        "sendDocument": "_send_document",
        "editMessageText": "_edit_message_text",
        "editMessageCaption": "_edit_message_caption",
        "editMessageReplyMarkup": "_edit_message_reply_markup",
        "deleteMessage": "_delete_message",
        "answerCallbackQuery": "_answer_callback_query",
        "getFile": "_get_file",
        "getChat": "_get_chat",
        "sendChatAction": "_send_chat_action",
        "getChatMember": "_get_chat_member",
    }

    # ---- BaseRequest ----------------------------------------------------------------------

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
            return ok([])

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

    # ---- one call -------------------------------------------------------------------------

    def _dispatch(self, method: str, params: JSONDict, uploads: dict[str, UploadedFile]) -> tuple[int, bytes]:
        try:
            for key in JSON_PARAMS & params.keys():
                params[key] = json_value(params[key])
            self._refuse_parse_mode(method, params)
            self._raise_injected_fault(method)
            name = self.METHODS.get(method)
            if name is None:
                self.unknown_methods.append(method)
                raise bad("method not found")
            result = getattr(self, name)(params, uploads)
        except ApiError as error:
            self._record(method, params, uploads, ok=False, code=error.code, description=error.description)
            if error.code == HTTPStatus.TOO_MANY_REQUESTS:
                self.rate_limited.append((method, self._loose_chat_id(params)))
            return error.code, json.dumps(error.payload()).encode()
        except Exception as exc:
            # A bug in the fake must fail the test, not look like a flaky network to the bot.
            self.internal_errors.append(exc)
            self._record(method, params, uploads, ok=False, code=500, description=repr(exc))
            raise
        self._record(method, params, uploads, ok=True)
        return ok(result)

    def _refuse_parse_mode(self, method: str, params: JSONDict) -> None:
        """The fake has no HTML or Markdown parser (the bot sends plain text). Markup it cannot
        check must not pass as if Telegram had accepted it: Telegram refuses broken markup with
        this same "can't parse entities", and the note in unknown_methods fails the test at
        teardown even if the bot swallows the error."""
        mode = params.get("parse_mode")
        if not mode:
            return
        self.unknown_methods.append(f"{method} with parse_mode={mode}")
        raise bad(
            f"can't parse entities: the fake Bot API does not check parse_mode {mode} markup; "
            "send plain text, with explicit entities if needed"
        )

    def _raise_injected_fault(self, method: str) -> None:
        faults = self._faults.get(method)
        if not faults:
            return
        fault = faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            faults.pop(0)
        raise ApiError(fault.code, fault.description, fault.parameters)

"""The Bot API methods besides the bot's messages (messages.py): the bot itself and its command
menus, callback answers, chats and their members, files."""

from __future__ import annotations

import copy
import json
import re
from http import HTTPStatus
from typing import Final
from urllib.parse import unquote

from tests.fakes.telegram.state import Core
from tests.fakes.telegram.wire import (
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_DOWNLOAD_BYTES,
    QUERY_TOO_OLD,
    ApiError,
    JSONDict,
    bad,
)
from tests.fakes.telegram.world import CallbackAnswer, UploadedFile

Uploads = dict[str, UploadedFile]

_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")
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


class BotMethods(Core):
    """getMe, the command menus, and the webhook/session calls PTB makes on start and stop."""

    def _true(self, params: JSONDict, uploads: Uploads) -> bool:
        return True

    def _get_me(self, params: JSONDict, uploads: Uploads) -> JSONDict:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _set_webhook(self, params: JSONDict, uploads: Uploads) -> bool:
        url = str(params.get("url", ""))
        if url and not url.startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad("bad webhook: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret, "allowed_updates": params.get("allowed_updates")}
        return True

    def _delete_webhook(self, params: JSONDict, uploads: Uploads) -> bool:
        self.webhook = {"url": "", "secret_token": None, "allowed_updates": None}
        return True

    def _get_webhook_info(self, params: JSONDict, uploads: Uploads) -> JSONDict:
        return {"url": self.webhook["url"], "has_custom_certificate": False, "pending_update_count": 0}

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: JSONDict, uploads: Uploads) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        for command in commands:
            if not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad("command description must be non-empty")
        self._commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _delete_my_commands(self, params: JSONDict, uploads: Uploads) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _get_my_commands(self, params: JSONDict, uploads: Uploads) -> list[JSONDict]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _set_chat_menu_button(self, params: JSONDict, uploads: Uploads) -> bool:
        """The default menu button (no chat_id) or one private chat's; a Mini App's over HTTPS."""
        button = params.get("menu_button") or {"type": "default"}
        kind = button.get("type") if isinstance(button, dict) else None
        if kind not in ("default", "commands", "web_app"):
            raise bad("can't parse menu button JSON object")
        if kind == "web_app":
            text = str(button.get("text") or "").strip()
            url = str((button.get("web_app") or {}).get("url") or "")
            if not text:
                raise bad("menu button text must be non-empty")
            if not url.startswith("https://"):
                raise bad("BUTTON_URL_INVALID: the Web App URL must use HTTPS")
        key = None
        if params.get("chat_id") is not None:
            chat = self._resolve_chat(params)
            if not chat.is_private:
                raise bad("chat not found: menu buttons exist in private chats only")
            key = chat.id
        self.menu_buttons[key] = dict(button)
        return True

    def _get_chat_menu_button(self, params: JSONDict, uploads: Uploads) -> JSONDict:
        chat_id = params.get("chat_id")
        found = self.menu_buttons.get(None if chat_id is None else int(chat_id))
        if found is None or found.get("type") == "default":
            found = self.menu_buttons.get(None)
        if found is None or found.get("type") == "default":
            return {"type": "commands"}
        return copy.deepcopy(found)


class CallbackMethods(Core):
    """answerCallbackQuery: once per tap, in time, with a short text."""

    def _answer_callback_query(self, params: JSONDict, uploads: Uploads) -> bool:
        query = self._queries.get(str(params.get("callback_query_id", "")))
        if query is None or query.answered:
            raise ApiError(HTTPStatus.BAD_REQUEST, QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad("MESSAGE_TOO_LONG")
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


class ChatMethods(Core):
    """getChat, sendChatAction and getChatMember."""

    def _get_chat(self, params: JSONDict, uploads: Uploads) -> JSONDict:
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

    def _send_chat_action(self, params: JSONDict, uploads: Uploads) -> bool:
        self._writable_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True

    def _get_chat_member(self, params: JSONDict, uploads: Uploads) -> JSONDict:
        chat = self._resolve_chat(params)
        try:
            user_id = int(params.get("user_id", 0))
        except (TypeError, ValueError) as exc:
            raise bad("user not found") from exc
        if user_id == self.bot_id:
            user_json = self.bot_user()
        elif user_id in self._users:
            user_json = self._users[user_id].to_api()
        else:
            raise bad("user not found")
        if chat.is_private and user_id not in (chat.id, self.bot_id):
            raise bad("user not found")
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


class FileMethods(Core):
    """getFile, and the download of its file_path (a GET outside the Bot API methods)."""

    def _get_file(self, params: JSONDict, uploads: Uploads) -> JSONDict:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise bad("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_BYTES:
            raise bad("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _download(self, url: str) -> tuple[int, bytes]:
        _, _, after = url.partition("/file/bot")
        path = unquote(after.partition("/")[2])
        stored = self._files_by_path.get(path)
        self._record("downloadFile", {"file_path": path}, {}, ok=stored is not None)
        if stored is None:
            body = {"ok": False, "error_code": 404, "description": "Not Found"}
            return HTTPStatus.NOT_FOUND, json.dumps(body).encode()
        return HTTPStatus.OK, stored.content

"""The bot's messages: sendMessage, sendPhoto, sendDocument; their edits; deleteMessage."""

from __future__ import annotations

import time
from http import HTTPStatus

from tests.fakes.telegram.content import (
    check_placement,
    checked_caption,
    checked_text,
    edit_markup,
    send_markup,
)
from tests.fakes.telegram.controls import WorldControls
from tests.fakes.telegram.rates import RateLimits
from tests.fakes.telegram.wire import MSG_NOT_MODIFIED, ApiError, JSONDict, bad
from tests.fakes.telegram.world import (
    FakeChat,
    FakeFile,
    MessageVersion,
    StoredDocument,
    StoredMessage,
    UploadedFile,
)

Uploads = dict[str, UploadedFile]


class SendMethods(RateLimits, WorldControls):
    """New messages from the bot: text, photo or document, with a keyboard or a reply."""

    def _send_message(self, params: JSONDict, uploads: Uploads) -> JSONDict:
        chat = self._writable_chat(params)
        text, entities = checked_text(params)
        return self._deliver(chat, params, content_type="text", text=text, entities=entities)

    def _send_photo(self, params: JSONDict, uploads: Uploads) -> JSONDict:
        chat = self._writable_chat(params)
        stored, upload = self._input_file(params, uploads, "photo", "photo")
        caption, entities = checked_caption(params)
        if upload is not None:
            sizes = self.register_photo(content=upload.content)
        else:
            assert stored is not None
            sizes = [self._photo_size(stored)]
        return self._deliver(
            chat, params, content_type="photo", text=caption, entities=entities, photo_sizes=sizes
        )

    def _send_document(self, params: JSONDict, uploads: Uploads) -> JSONDict:
        chat = self._writable_chat(params)
        stored, upload = self._input_file(params, uploads, "document", "document")
        caption, entities = checked_caption(params)
        if upload is not None:
            document = self.register_document(upload.filename, upload.content, upload.mime_type)
        else:
            assert stored is not None
            previous = next(
                (
                    m.document
                    for messages in self._messages.values()
                    for m in messages.values()
                    if m.document and m.document.file_id == stored.file_id
                ),
                None,
            )
            document = previous or StoredDocument(
                stored.file_id, stored.file_unique_id, None, None, len(stored.content)
            )
        return self._deliver(
            chat, params, content_type="document", text=caption, entities=entities, document=document
        )

    def _deliver(
        self,
        chat: FakeChat,
        params: JSONDict,
        *,
        content_type: str,
        text: str,
        entities: list[JSONDict],
        photo_sizes: list[JSONDict] | None = None,
        document: StoredDocument | None = None,
    ) -> JSONDict:
        inline, other = send_markup(params)
        check_placement(inline, private=chat.is_private)
        reply_to = self._reply_target(chat, params)
        self._check_rate(chat, is_edit=False)
        self._count_rate(chat, is_edit=False)
        message = self._store(
            chat,
            from_bot=True,
            sender=self.bot_user(),
            content_type=content_type,
            text=text,
            entities=entities,
            photo_sizes=photo_sizes,
            document=document,
            reply_markup=inline,
            reply_keyboard=other,
            reply_to=reply_to,
        )
        if other is not None:
            self._reply_keyboards[chat.id] = None if other.get("remove_keyboard") else other
        return message.to_api()

    def _reply_target(self, chat: FakeChat, params: JSONDict) -> StoredMessage | None:
        reply_parameters = params.get("reply_parameters") or {}
        message_id = params.get("reply_to_message_id") or reply_parameters.get("message_id")
        if not message_id:
            return None
        allow_missing = bool(
            params.get("allow_sending_without_reply") or reply_parameters.get("allow_sending_without_reply")
        )
        target = self._messages[chat.id].get(int(message_id))
        if target is None or target.deleted:
            if allow_missing:
                return None
            raise bad("message to be replied not found")
        return target

    def _input_file(
        self, params: JSONDict, uploads: Uploads, name: str, kind: str
    ) -> tuple[FakeFile | None, UploadedFile | None]:
        """Either an already stored file (file_id / URL) or a fresh upload."""
        value = params.get(name)
        upload: UploadedFile | None = None
        if value is None:
            upload = uploads.get(name)
        elif isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
        elif isinstance(value, str):
            if value.startswith(("http://", "https://")):
                return self._new_file(kind, f"fetched {value}".encode(), "bin"), None
            stored = self._files.get(value)
            if stored is None:
                raise bad("wrong file identifier/HTTP URL specified")
            if stored.kind != kind:
                raise bad("type of file mismatch")
            return stored, None
        if upload is None:
            raise bad(f"there is no {name} in the request")
        if not upload.content:
            raise bad("file must be non-empty")
        return None, upload


class EditMethods(RateLimits):
    """Changes to the bot's own messages: text, caption, keyboard; and deletions."""

    def _edit_message_text(self, params: JSONDict, uploads: Uploads) -> JSONDict:
        chat = self._writable_chat(params)
        message = self._bot_message(chat, params)
        if message.content_type != "text":
            raise bad("there is no text in the message to edit")
        text, entities = checked_text(params)
        markup = edit_markup(params)
        return self._apply_edit(chat, message, text, entities, markup)

    def _edit_message_caption(self, params: JSONDict, uploads: Uploads) -> JSONDict:
        chat = self._writable_chat(params)
        message = self._bot_message(chat, params)
        if message.content_type not in ("photo", "document"):
            raise bad("there is no caption in the message to edit")
        caption, entities = checked_caption(params)
        markup = edit_markup(params)
        return self._apply_edit(chat, message, caption, entities, markup)

    def _edit_message_reply_markup(self, params: JSONDict, uploads: Uploads) -> JSONDict:
        chat = self._writable_chat(params)
        message = self._bot_message(chat, params)
        markup = edit_markup(params)
        return self._apply_edit(chat, message, message.text, message.entities, markup)

    def _delete_message(self, params: JSONDict, uploads: Uploads) -> bool:
        chat = self._writable_chat(params)
        raw_id = params.get("message_id")
        message = self._messages[chat.id].get(int(raw_id)) if raw_id is not None else None
        if message is None or message.deleted:
            raise bad("message to delete not found")
        bot_is_admin = self._statuses.get(chat.id, {}).get(self.bot_id) in ("administrator", "creator")
        if not chat.is_private and not message.from_bot and not bot_is_admin:
            raise bad("message can't be deleted")
        message.deleted = True
        return True

    def _bot_message(self, chat: FakeChat, params: JSONDict) -> StoredMessage:
        if params.get("inline_message_id"):
            raise self._unsupported("inline_message_id")
        raw_id = params.get("message_id")
        if raw_id is None:
            raise bad("message identifier is not specified")
        message = self._messages[chat.id].get(int(raw_id))
        if message is None or message.deleted or not message.from_bot:
            raise bad("message to edit not found")
        return message

    def _apply_edit(
        self,
        chat: FakeChat,
        message: StoredMessage,
        text: str | None,
        entities: list[JSONDict],
        markup: JSONDict | None,
    ) -> JSONDict:
        check_placement(markup, private=chat.is_private)
        if (text or None, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise ApiError(HTTPStatus.BAD_REQUEST, MSG_NOT_MODIFIED)
        self._check_rate(chat, is_edit=True)
        self._count_rate(chat, is_edit=True)
        message.edits.append(
            MessageVersion(message.text, message.entities, message.reply_markup, message.edit_date)
        )
        message.text = text or None
        message.entities = entities
        message.reply_markup = markup
        message.edit_date = int(time.time())
        return message.to_api()

"""What a message may carry, checked as Telegram checks it: texts, captions, entities, keyboards."""

from __future__ import annotations

import re
from typing import Any, Final

from tests.fakes.telegram.wire import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_INLINE_BUTTONS,
    MAX_TEXT_LENGTH,
    JSONDict,
    bad,
    json_value,
    utf16_len,
)

# What a link button may open (Telegram also takes tg:// links).
_LINK: Final = re.compile(r"(https?|tg)://[^\s]{1,2048}")

# Telegram trims these from both ends of every text and caption.
_TRIM_CHARS: Final = " \t\r\n"

_BUTTON_ACTIONS: Final = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def formatted_text(raw: Any, explicit_entities: Any) -> tuple[str, list[JSONDict]]:
    """What Telegram stores for a text/caption: trimmed plain text plus entities.

    Entities come only from an explicit list (the server refuses parse_mode before any method
    runs), shifted and cut to fit the trimmed text as Telegram does.
    """
    text = "" if raw is None else str(raw)
    entities = [dict(e) for e in json_value(explicit_entities)] if explicit_entities else []
    left = len(text) - len(text.lstrip(_TRIM_CHARS))
    trimmed = text.strip(_TRIM_CHARS)
    total = utf16_len(trimmed)
    kept: list[JSONDict] = []
    for entity in entities:
        begin = max(entity["offset"] - left, 0)
        end = min(entity["offset"] - left + entity["length"], total)
        if end > begin:
            kept.append({**entity, "offset": begin, "length": end - begin})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return trimmed, kept


def checked_text(params: JSONDict) -> tuple[str, list[JSONDict]]:
    text, entities = formatted_text(params.get("text"), params.get("entities"))
    if not text:
        raise bad("message text is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise bad("message is too long")
    return text, entities


def checked_caption(params: JSONDict) -> tuple[str, list[JSONDict]]:
    caption, entities = formatted_text(params.get("caption"), params.get("caption_entities"))
    if len(caption) > MAX_CAPTION_LENGTH:
        raise bad("message caption is too long")
    return caption, entities


def inline_markup(raw: Any) -> JSONDict | None:
    """Validate an inline keyboard and return it as Telegram would echo it back."""
    markup = json_value(raw)
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad("can't parse reply keyboard markup JSON object")
    clean_rows: list[list[JSONDict]] = []
    count = 0
    for row in rows:
        clean_row: list[JSONDict] = []
        for button in row:
            if not isinstance(button, dict):
                raise bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
            if not isinstance(button.get("text"), str):
                raise bad('can\'t parse inline keyboard button: Field "text" must be of type String')
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not data or len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
                    raise bad("BUTTON_DATA_INVALID")
            if not any(button.get(key) is not None for key in _BUTTON_ACTIONS):
                raise bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            clean_row.append({k: v for k, v in button.items() if v is not None})
            count += 1
        if clean_row:
            clean_rows.append(clean_row)
    if count > MAX_INLINE_BUTTONS:
        raise bad("reply markup is too long")
    return {"inline_keyboard": clean_rows} if clean_rows else None


def check_placement(markup: JSONDict | None, *, private: bool) -> None:
    """What Telegram refuses of a keyboard in this chat: a Mini App (web_app) button outside a
    private chat, a Mini App not on HTTPS, a link button whose URL is no link."""
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            if "web_app" in button:
                if not private:
                    raise bad("BUTTON_TYPE_INVALID")
                url = button["web_app"].get("url") if isinstance(button["web_app"], dict) else None
                if not isinstance(url, str) or not url.startswith("https://"):
                    raise bad("BUTTON_URL_INVALID")
            if "url" in button and not _LINK.fullmatch(str(button["url"])):
                raise bad("BUTTON_URL_INVALID")


def send_markup(params: JSONDict) -> tuple[JSONDict | None, JSONDict | None]:
    """(inline keyboard, other reply markup) of a send call."""
    raw = params.get("reply_markup")
    if raw is None:
        return None, None
    markup = json_value(raw)
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return inline_markup(markup), None
    if not isinstance(markup, dict) or not ({"keyboard", "remove_keyboard", "force_reply"} & markup.keys()):
        raise bad("can't parse reply keyboard markup JSON object")
    return None, markup


def edit_markup(params: JSONDict) -> JSONDict | None:
    raw = params.get("reply_markup")
    if raw is None:
        # Telegram drops the keyboard when an edit does not repeat it.
        return None
    markup = json_value(raw)
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        raise bad("inline keyboard expected")
    return inline_markup(markup)

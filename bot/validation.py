"""Checks for what people type. Each raises InvalidInput with the reason's text key."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from bot.errors import InvalidInput

BENEFICIARY_NAME_MAX = 40
ADDRESS_MAX = 200
DESCRIPTION_MAX = 200
VALUE_MAX_YUAN = 100_000
DUE_MAX_DAYS = 366

# Mainland mobiles (1[3-9]x, 11 digits) or landlines with an area code (010-12345678).
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def visible(value: str) -> str:
    """Without format characters (zero-width spaces and joiners, direction marks, BOMs): a
    name made only of them looks empty to every reader of a list or a sheet."""
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf")


def text(value: str | None, max_len: int, min_len: int = 1) -> str:
    cleaned = " ".join(visible(value or "").split())
    if len(cleaned) < min_len:
        raise InvalidInput("val.empty")
    if len(cleaned) > max_len:
        raise InvalidInput("val.too_long", max=max_len)
    return cleaned


def phone(value: str | None) -> str:
    raw = (value or "").strip()
    if not raw:
        raise InvalidInput("val.empty")
    compact = re.sub(r"[\s()]", "", raw)
    compact = re.sub(r"^(\+86|0086)-?", "", compact)
    if _MOBILE.match(compact.replace("-", "")):
        return compact.replace("-", "")
    if _LANDLINE.match(compact):
        return compact
    raise InvalidInput("val.phone")


def value_fen(value: str | None, max_yuan: int = VALUE_MAX_YUAN) -> int:
    raw = (value or "").strip().replace("¥", "").replace("元", "").replace(",", "").strip()
    try:
        amount = Decimal(raw)
    except InvalidOperation as exc:
        raise InvalidInput("val.value") from exc
    if not amount.is_finite():
        raise InvalidInput("val.value")
    if amount < 0 or amount > max_yuan:
        raise InvalidInput("val.value_range", max=max_yuan)
    return int((amount * 100).quantize(Decimal(1)))


def due_date(value: str | None, today: date) -> date:
    raw = (value or "").strip()
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput("val.date", example=(today + timedelta(days=14)).isoformat()) from exc
    if day < today:
        raise InvalidInput("val.date_past")
    if day > today + timedelta(days=DUE_MAX_DAYS):
        raise InvalidInput("val.date_far")
    return day

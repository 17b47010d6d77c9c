"""Short human codes for wishes (W-0042) used in every message and command."""

from __future__ import annotations

import re

from storage.models import format_code

__all__ = ["format_code", "parse_code"]

_CODE = re.compile(r"^\s*[Ww]\s*-?\s*0*(\d{1,9})\s*$")


def parse_code(text: str) -> int | None:
    """Accept W-0042, w42, W 42 or a bare 42: people type codes from paper lists."""
    match = _CODE.match(text) or re.match(r"^\s*0*(\d{1,9})\s*$", text)
    if not match:
        return None
    value = int(match.group(1))
    return value if value > 0 else None

"""How the bot logs: one line per event, as text for a terminal or JSON for a collector, and
never the content of a message (see handlers/errors.py for what an error line may name)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# Libraries whose debug lines carry what the bot's own lines never may: python-telegram-bot logs
# whole updates and every request's parameters (a coordinator's /newwish answers, the details a
# holder is sent), aiosqlite every statement's parameters; httpx logs URLs with the token at INFO.
_CHATTY = {"telegram": logging.INFO, "aiosqlite": logging.INFO, "httpx": logging.WARNING}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_level: str, log_format: str = "text") -> None:
    level = getattr(logging, str(log_level).upper(), logging.INFO)
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    for name, floor in _CHATTY.items():
        logging.getLogger(name).setLevel(max(level, floor))

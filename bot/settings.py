from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.languages import LANGS, Lang

DEFAULT_API_URL = "https://api.telegram.org"


class Settings(BaseSettings):
    """Everything the bot reads from the environment (prefix ``WISHWALL_``) or a ``.env`` file."""

    model_config = SettingsConfigDict(env_prefix="WISHWALL_", env_file=".env", extra="ignore")

    bot_token: str = ""
    db: str = "./wishwall.db"
    # Comma-separated in the environment because that is how operators write lists in .env files.
    admins: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    tz: str = "Asia/Shanghai"
    bot_api_url: str = DEFAULT_API_URL
    default_lang: Lang = "zh"
    # Below Telegram's ~30/s so that replies to users' own taps still have headroom.
    outbox_rate_per_second: float = 25.0
    # Direct replies may go this much above the outbox's share (25 + 3 stays under ~30/s).
    reply_headroom_per_second: float = 3.0
    private_interval_seconds: float = 1.0
    group_messages_per_minute: int = 20
    # A posted card's edit waits this long, so changes in quick succession go out as one edit
    # (a group allows one message per 3 s on average).
    card_settle_seconds: float = 3.0
    # Updates in hand at once. Each holds its slot through its answer's round trip, so 64 let
    # a 500-tap storm through ~1,300 a second at a 50 ms round trip (bench/, scenario 1).
    max_concurrent_updates: int = 256
    # How often the scheduler looks for due reminders and reports; 0 turns it off (cron instead).
    job_tick_seconds: int = Field(default=300, ge=0)
    # Requests to the Bot API at once from handlers, and from the outbox (on slots of its own).
    # Measured (bench/, scenario 2): a bigger httpx pool costs more CPU per request than the
    # concurrency it buys; 24 at a 50 ms round trip carry ~480 requests/s.
    http_connections: int = 24
    # aiohttp's client costs a fraction of httpx's CPU per request (bot/aiohttp_request.py);
    # "httpx" is PTB's own HTTPXRequest.
    http_client: Literal["aiohttp", "httpx"] = "aiohttp"
    outbox_in_flight: int = 8
    # Answers to taps at once, on connections of their own: never behind other requests. Measured
    # (bench/, scenario 1): 500 taps at once waited ~1.5 s for 24 shared connections. One for
    # every update in flight (max_concurrent_updates), as PTB sizes its own pool: at 128, answers
    # could not leave faster than 128 per round trip (bench/, scenario 2: ~2,400/s at 50 ms,
    # where the bot, answering only, went 4,150/s with 256).
    answer_connections: int = 256
    # Taps' answers leave from a process of their own (bot/messaging/answer_courier.py), which
    # takes their HTTP off the bot's busy process. Off by default: it costs a process of ~34 MB,
    # and on 2 cores the gain under a stream of taps is small (README, Benchmarks).
    answer_courier: bool = False
    # Taps' answers as plain form posts on kept-alive connections (bot/messaging/keepalive_request.py):
    # a fifth of aiohttp's CPU per answer. "aiohttp" sends them like everything else. Behind a
    # proxy (HTTPS_PROXY and the like) answers take aiohttp whatever this says.
    answer_client: Literal["keepalive", "aiohttp"] = "keepalive"
    # Replies in a private chat may come this many at once (then one a second); the outbox
    # keeps to one a second there.
    private_burst: int = 3
    # The web server inside `wishwall run` (/healthz, /metrics, the webhook): host:port.
    listen: str = "127.0.0.1:8080"
    # Webhook mode: the public https URL Telegram posts updates to (path /telegram), and the
    # secret it must send with each (X-Telegram-Bot-Api-Secret-Token). Empty: long polling.
    webhook_url: str = ""
    webhook_secret: str = ""
    # The wish wall (Mini App). Its public https address, the page at /wall/ behind the proxy:
    # set, the menu button of private chats and the welcome's button open it. And the short name
    # of the Mini App registered with BotFather (/newapp): set, group cards link to
    # https://t.me/<bot>/<wall_app>?startapp=W-0042, since web_app buttons work in private chats
    # only. Empty (the default): no button and no link, nothing that could lead nowhere.
    wall_url: str = ""
    wall_app: str = ""
    # Where `wishwall backup` and the nightly backup write, and at what local hour.
    backup_dir: str = "./backups"
    backup_hour: int = Field(default=3, ge=0, le=23)
    # "text" for people reading a terminal, "json" for log collectors (one object per line).
    log_format: Literal["text", "json"] = "text"

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            try:
                return frozenset(int(p) for p in parts if p)
            except ValueError as exc:
                raise ValueError("WISHWALL_ADMINS must be Telegram user ids separated by commas") from exc
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("tz")
    @classmethod
    def _check_tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_lang")
    @classmethod
    def _check_lang(cls, value: str) -> str:
        if value not in LANGS:
            raise ValueError(f"WISHWALL_DEFAULT_LANG must be one of: {', '.join(LANGS)}")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, value: str) -> str:
        # Telegram's own rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
        if value and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("WISHWALL_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - (up to 256)")
        return value

    @field_validator("wall_url")
    @classmethod
    def _check_wall_url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        parts = urlsplit(value)
        # Telegram opens Mini Apps over HTTPS only; the page's own links are relative to it.
        if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(
                "WISHWALL_WALL_URL must be the wall page's https:// address,"
                " e.g. https://bot.example.org/wall/"
            )
        return value if value.endswith("/") else value + "/"

    @field_validator("wall_app")
    @classmethod
    def _check_wall_app(cls, value: str) -> str:
        # BotFather's rule for a Mini App's short name.
        value = value.strip()
        if value and not re.fullmatch(r"[A-Za-z0-9_]{3,30}", value):
            raise ValueError(
                "WISHWALL_WALL_APP must be the Mini App's short name from BotFather:"
                " 3-30 letters, digits or _"
            )
        return value

    @field_validator("listen")
    @classmethod
    def _check_listen(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("WISHWALL_LISTEN must be host:port, e.g. 127.0.0.1:8080")
        return value

    @property
    def listen_host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def listen_port(self) -> int:
        return int(self.listen.rpartition(":")[2])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

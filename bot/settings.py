from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.texts.base import LANGS, Lang

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
    max_concurrent_updates: int = 64
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
    # Replies in a private chat may come this many at once (then one a second); the outbox
    # keeps to one a second there.
    private_burst: int = 3

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

    # Before pydantic's own Literal check, so a wrong value gets this message rather than its.
    @field_validator("default_lang", mode="before")
    @classmethod
    def _check_lang(cls, value: object) -> object:
        if value not in LANGS:
            raise ValueError("WISHWALL_DEFAULT_LANG must be zh or en")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

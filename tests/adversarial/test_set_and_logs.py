"""/set for every setting, valid and not; and what the logs may say about an update."""

from __future__ import annotations

import logging

import pytest

from bot.models import COMMUNITY_SETTINGS
from bot.operations.logs import configure_logging
from bot.texts import t
from bot.wishes import cards
from handlers.errors import describe
from tests.conftest import Bot
from tests.factories import COORDINATOR

SETTINGS = sorted(COMMUNITY_SETTINGS)


@pytest.mark.parametrize("key", SETTINGS)
async def test_set_saves_and_says_so(bot: Bot, key: str) -> None:
    high = COMMUNITY_SETTINGS[key][1]
    boss = bot.api.user(COORDINATOR, "boss")
    # Value caps are typed in yuan; the others are whole numbers.
    raw, stored = ("300", 30_000) if key == "value_cap_fen" else (str(high), high)
    await bot.driver.send(boss, f"/set {key.upper()} {raw}")
    community = await bot.services.org.community(1)
    assert getattr(community, key) == stored
    shown = cards.format_value(stored) if key == "value_cap_fen" else str(stored)
    assert bot.driver.last_private(boss).text == t("zh", "org.setting_changed", key=key, value=shown)


@pytest.mark.parametrize("key", [k for k in SETTINGS if k != "value_cap_fen"])
@pytest.mark.parametrize("raw", ["out", "²", "99999999999999999999", "-1", "1.5"])
async def test_set_out_of_range_names_the_range_and_changes_nothing(bot: Bot, key: str, raw: str) -> None:
    low, high = COMMUNITY_SETTINGS[key]
    if raw == "-1" and low < 0:
        return
    boss = bot.api.user(COORDINATOR, "boss")
    before = await bot.services.org.community(1)
    await bot.driver.send(boss, f"/set {key} {raw}")
    assert bot.driver.last_private(boss).text == t("zh", "org.setting_range", key=key, low=low, high=high)
    assert await bot.services.org.community(1) == before


async def test_set_names_the_known_settings_for_an_unknown_one(bot: Bot) -> None:
    boss = bot.api.user(COORDINATOR, "boss")
    await bot.driver.send(boss, "/set colour 3")
    assert bot.driver.last_private(boss).text == t("zh", "org.unknown_setting", keys=", ".join(SETTINGS))


async def test_a_crash_mid_conversation_logs_no_personal_data(
    bot: Bot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    boss = bot.api.user(COORDINATOR, "boss")
    await bot.driver.send(boss, "/newwish")
    await bot.driver.send(boss, "王秀英")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("storage went away")

    monkeypatch.setattr(bot.services.drafts, "save", broken)
    # What `wishwall run --log-level debug` keeps: the bot's own lines at DEBUG, its chatty
    # libraries capped (bot/cli.py).
    caplog.set_level(logging.DEBUG)
    for name in ("telegram", "aiosqlite", "httpx"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.getLogger(name).level)
    configure_logging("debug")
    await bot.driver.send(boss, "13812345678")
    assert [type(e) for e in bot.expect_errors()] == [RuntimeError]
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "unhandled RuntimeError" in logged and f"user {COORDINATOR}" in logged
    assert "13812345678" not in logged and "王秀英" not in logged
    assert bot.driver.last_private(boss).text == t("zh", "err.generic")


def test_describe_names_kind_chat_and_user_only() -> None:
    from telegram import Chat, Message, User

    user = User(5, "王秀英", False)
    message = Message(1, __import__("datetime").datetime.now(), Chat(5, "private"), from_user=user, text="13812345678")
    text = describe(__import__("telegram").Update(7, message=message))
    assert text == "update 7 (message, chat 5, user 5)"

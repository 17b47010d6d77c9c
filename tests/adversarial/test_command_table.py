"""One command table drives the guard, the menus and registration, and it fails closed."""

from __future__ import annotations

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.context import WishwallContext
from bot.people.policies import COMMAND_RULES, ChatKind, menu_commands
from bot.texts import t
from handlers.registry import check_command_table, feature_handlers
from tests.conftest import Bot
from tests.factories import COORDINATOR


async def _secret(update: Update, context: WishwallContext) -> None:
    raise AssertionError("a command missing from the table reached its handler")


def test_registration_refuses_a_handler_the_table_does_not_list() -> None:
    check_command_table(feature_handlers())
    with pytest.raises(RuntimeError, match="secret"):
        check_command_table([*feature_handlers(), CommandHandler("secret", _secret)])


def test_registration_refuses_a_listed_command_nobody_handles() -> None:
    handlers = [h for h in feature_handlers() if not (isinstance(h, CommandHandler) and "stats" in h.commands)]
    with pytest.raises(RuntimeError, match="stats"):
        check_command_table(handlers)


@pytest.mark.parametrize("user_id", [COORDINATOR, 21, 99])
async def test_a_command_missing_from_the_table_is_refused_for_everyone(bot: Bot, user_id: int) -> None:
    # Even with a handler in place (someone forgot the table), the guard never lets it through.
    bot.app.add_handler(CommandHandler("secret", _secret), group=0)
    user = bot.api.user(user_id, "someone")
    await bot.driver.send(user, "/secret")
    assert bot.driver.last_private(user).text == t("zh", "help.unknown_command")


async def test_unknown_commands_in_groups(bot: Bot) -> None:
    api, d = bot.api, bot.driver
    group = api.group(-1500, "群")
    user = api.user(COORDINATOR, "admin")
    await d.send(user, "/weather", chat=group)  # probably for another bot: silence
    assert [m for m in api.messages_in(-1500) if m.from_bot] == []
    await d.send(user, f"/weather@{bot.app.bot.username}", chat=group)
    assert api.last_in(-1500).text == t("zh", "help.unknown_command")


def test_every_listed_command_is_in_some_menu() -> None:
    for name, rule in COMMAND_RULES.items():
        listed = name in menu_commands(ChatKind.PRIVATE) or name in menu_commands(ChatKind.GROUP)
        assert listed == rule.menu, name

"""Ways into the wish wall from Telegram: the bot's menu button, the button under the welcome,
and the link on group cards.

Telegram opens a Mini App from a `web_app` button only in a private chat with the bot (a group
refuses the whole message). Group cards therefore link to the Mini App registered with
BotFather, https://t.me/<bot>/<app>?startapp=W-0042, which opens the wall with the wish's code as
`start_param`, and the page brings that card into view. The link carries the code and nothing
else. None of this shows unless the operator set WISHWALL_WALL_URL / WISHWALL_WALL_APP: a
button that leads nowhere is worse than none.
"""

from __future__ import annotations

import re

from telegram import Bot, MenuButtonWebApp, WebAppInfo

from bot.models import Action, Button
from bot.people.policies import Actor, allowed
from bot.settings import Settings
from bot.texts import t

# What Telegram takes as a startapp parameter.
START_PARAM = re.compile(r"[A-Za-z0-9_-]{1,512}")

Rows = tuple[tuple[Button, ...], ...]


def app_link(bot_username: str, app: str, start: str | None = None) -> str:
    """The Mini App's direct link, opening it with `start` as its start_param."""
    link = f"https://t.me/{bot_username}/{app}"
    if start is None:
        return link
    if not START_PARAM.fullmatch(start):
        raise ValueError(f"Telegram takes no startapp parameter like {start!r}")
    return f"{link}?startapp={start}"


def card_link(wall_app: str, bot_username: str | None, code: str) -> str | None:
    """Where a group card's wall button leads (that wish's card on the wall), or None when no
    Mini App is registered (WISHWALL_WALL_APP)."""
    if not wall_app or not bot_username:
        return None
    return app_link(bot_username, wall_app, code)


def may_open(actor: Actor) -> bool:
    """Whether the wall would show them a community (as WallService.community_of decides)."""
    if actor.is_coordinator:
        community = actor.current_community
    else:
        community = actor.membership.community_id if actor.membership is not None else None
    return community is not None and allowed(actor, Action.BROWSE, None, community)


def welcome_buttons(settings: Settings, bot_username: str | None, actor: Actor, lang: str) -> Rows:
    """The button under the welcome, for a private chat only: the Mini App itself when its
    address is set, else its t.me link; nothing for someone the wall would turn away."""
    if not may_open(actor):
        return ()
    label = t(lang, "btn.open_wall")
    if settings.wall_url:
        return ((Button(text=label, web_app=settings.wall_url),),)
    if settings.wall_app and bot_username:
        return ((Button(text=label, url=app_link(bot_username, settings.wall_app)),),)
    return ()


def menu_button(settings: Settings) -> MenuButtonWebApp | None:
    if not settings.wall_url:
        return None
    # One default button for every private chat, so in the bot's default language.
    return MenuButtonWebApp(t(settings.default_lang, "wall.menu_button"), WebAppInfo(settings.wall_url))


async def publish_menu_button(bot: Bot, settings: Settings) -> None:
    """At start-up: the menu button of private chats opens the wall. Without WISHWALL_WALL_URL
    nothing is sent, so a menu button an operator set in BotFather is left as it is."""
    button = menu_button(settings)
    if button is not None:
        await bot.set_chat_menu_button(menu_button=button)

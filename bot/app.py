"""The application factory: the composition root that wires storage, core and handlers.

It is the one module of bot/ that imports handlers/ — something has to put the three layers
together, and keeping it here (as ARCHITECTURE.md asks) means no other module needs to.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
)
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest
from telegram.warnings import PTBUserWarning

from bot.clock import Clock, SystemClock
from bot.context import WishwallApp, WishwallContext
from bot.messaging.aiohttp_request import AiohttpRequest
from bot.messaging.answer_courier import AnswerCourier
from bot.messaging.http_session import env_proxy
from bot.messaging.keepalive_request import KeepAliveRequest
from bot.messaging.persistence import ConversationPersistence
from bot.messaging.processor import OrderedUpdateProcessor
from bot.messaging.transport import LimitedRequest
from bot.people.policies import Need, group_menu, menu_for_role
from bot.reminders.jobs import register_jobs
from bot.services import Services
from bot.settings import Settings
from bot.texts import LANGS, t
from bot.wall.links import publish_menu_button


class ConfigError(Exception):
    """The bot cannot start with these settings; the message says what to fix."""


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
) -> WishwallApp:
    if not settings.bot_token.strip():
        raise ConfigError("no bot token: set WISHWALL_BOT_TOKEN (get one from @BotFather)")
    from handlers.registry import register  # the composition root: see the module docstring

    services = Services.build(settings, clock or SystemClock())
    api = settings.bot_api_url.rstrip("/")
    builder = (
        ApplicationBuilder()
        .application_class(WishwallApp)
        .token(settings.bot_token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .context_types(ContextTypes(context=WishwallContext))
        .concurrent_updates(OrderedUpdateProcessor(settings.max_concurrent_updates))
        .persistence(ConversationPersistence(services.conversations))
        .defaults(Defaults(tzinfo=settings.zone))
        .post_init(_post_init)
    )
    # The HTTP client (or the test's fake), behind the bot's gate and shared limits; taps'
    # answers on a pool of their own (see bot/messaging/transport.py).
    pool = settings.http_connections + settings.outbox_in_flight
    custom_request = request is not None
    answers: BaseRequest | None = None
    if request is None:
        # It carries the paced sends: it says when each one leaves, for their stamps.
        request = _client(settings, pool, report_departures=True)
        answers = _answers_client(settings)
    limited = LimitedRequest(
        request,
        services.limits,
        max_in_flight=settings.http_connections,
        outbox_in_flight=settings.outbox_in_flight,
        answers_in_flight=settings.answer_connections,
        answers=answers,
    )
    builder = builder.request(limited)
    if custom_request:
        builder = builder.get_updates_request(request)
    app = builder.build()
    assert isinstance(app, WishwallApp)
    app.services = services
    services.attach_sender(app.bot)
    with warnings.catch_warnings():
        # The conversations' per_message=False is deliberate (see the handlers). PTB said so on
        # stderr at every start, four lines in front of the one line a failed start prints.
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        register(app)
    return app


def _client(settings: Settings, pool: int, *, report_departures: bool = False) -> BaseRequest:
    if settings.http_client == "aiohttp":
        return AiohttpRequest(
            connection_pool_size=pool,
            proxy=env_proxy(settings.bot_api_url),
            report_departures=report_departures,
        )
    return HTTPXRequest(connection_pool_size=pool)  # sends are stamped when they return


def _answers_client(settings: Settings) -> BaseRequest:
    proxy = env_proxy(settings.bot_api_url)
    if settings.answer_courier:
        return AnswerCourier(settings.answer_connections, proxy=proxy)
    if settings.answer_client == "keepalive" and settings.http_client == "aiohttp" and proxy is None:
        return KeepAliveRequest(settings.answer_connections)
    return _client(settings, settings.answer_connections)


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # PTB's builder types this hook for a plain Application; application_class() above makes it ours.
    assert isinstance(app, WishwallApp)
    await publish_commands(app)
    await publish_menu_button(app.bot, app.services.settings)  # the wish wall, if configured
    register_jobs(app)  # reminders and reports: re-registered at every start (see bot/jobs.py)


async def publish_commands(app: WishwallApp) -> None:
    """The command menus people see, by role and language, all from the command table.

    Everyone's private chat shows the members' commands, and a group shows what anyone may send
    there (its administrators also see the coordinators' group commands). Coordinators and
    super-admins get a menu of their own in their private chat, refreshed through the outbox
    whenever their roles change; here every one of them is queued once, at start-up.
    """
    scopes: list[tuple[BotCommandScope, list[str]]] = [
        (BotCommandScopeAllPrivateChats(), menu_for_role(Need.MEMBER)),
        (BotCommandScopeAllGroupChats(), group_menu(administrators=False)),
        (BotCommandScopeAllChatAdministrators(), group_menu(administrators=True)),
    ]
    for lang in LANGS:
        code = None if lang == app.services.settings.default_lang else lang
        for scope, names in scopes:
            await app.bot.set_my_commands(
                [BotCommand(name, t(lang, f"cmd.{name}")) for name in names],
                scope=scope,
                language_code=code,
            )
    for user_id in await app.services.directory.with_own_menus():
        await app.services.notices.menu(user_id)

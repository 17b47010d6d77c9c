"""The typed context handlers receive: `context.services` instead of untyped bot_data lookups."""

from __future__ import annotations

from typing import Any, cast

from telegram.ext import Application, CallbackContext, ExtBot

from bot.core import Core
from bot.services import Services


class WishwallApp(Application[Any, Any, Any, Any, Any, Any]):
    """The PTB application plus our services, opened and closed with it."""

    services: Services

    async def initialize(self) -> None:
        # Storage first: PTB loads persisted conversation states during initialize().
        await self.services.db.open()
        await super().initialize()

    async def start(self) -> None:
        await super().start()
        if self.services.sender is not None:
            self.services.sender.start()

    async def stop(self) -> None:
        if self.services.sender is not None:
            await self.services.sender.stop()
        await super().stop()

    async def shutdown(self) -> None:
        await super().shutdown()
        await self.services.close()


class WishwallContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        return cast(WishwallApp, self.application).services

    @property
    def core(self) -> Core:
        """What handlers use: the core's services, no repository (tests/test_architecture_handlers.py)."""
        return cast(WishwallApp, self.application).services.core

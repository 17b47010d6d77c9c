"""`wishwall run` for real: the web server (health, metrics, webhook) and a clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import psutil
import pytest

from bot.app import build_application
from bot.clock import FakeClock
from bot.context import WishwallApp
from bot.serve import WebhookConfigError, check_webhook_settings, serve, webhook_endpoint
from bot.settings import Settings
from bot.texts import t
from storage.lock import AlreadyRunning, InstanceLock
from tests.factories import BENEFICIARY, COORDINATOR, seed_community
from tests.fakes.telegram.world import FakeUser
from tests.fakes.telegram_api import FakeTelegram

SECRET = "s3cret-Token_for-tests"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def serving(settings: Settings, clock: FakeClock, api: FakeTelegram) -> AsyncIterator[WishwallApp]:
    app = build_application(settings, request=api, clock=clock)
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, stop, started))
    async with asyncio.timeout(10):
        await asyncio.wait({task, asyncio.create_task(started.wait())}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # start-up failed: show why
    await seed_community(app.services)
    try:
        yield app
    finally:
        stop.set()
        async with asyncio.timeout(15):
            await task


def _webhook_settings(settings: Settings, port: int) -> Settings:
    return settings.model_copy(
        update={
            "webhook_url": "https://bot.example.org/",
            "webhook_secret": SECRET,
            "listen": f"127.0.0.1:{port}",
        }
    )


def _update(api: FakeTelegram, user: FakeUser, text: str, update_id: int) -> dict[str, object]:
    api.open_private(user.id)
    entities = (
        [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text[:1] == "/" else []
    )
    message = api.user_message(user.id, user, content_type="text", text=text, entities=entities)
    return {"update_id": update_id, "message": message.to_api()}


async def _eventually(check: Callable[[], bool]) -> None:
    """The bot works on its own tasks here (no Driver to settle): look again until it is so."""
    async with asyncio.timeout(10):
        for _ in itertools.count():
            if check():
                return
            await asyncio.sleep(0.02)


async def _bot_says(api: FakeTelegram, chat_id: int, count: int = 1) -> list[str]:
    await _eventually(lambda: len([m for m in api.messages_in(chat_id) if m.from_bot]) >= count)
    return [m.text or "" for m in api.messages_in(chat_id) if m.from_bot]


async def test_webhook_mode_takes_updates_with_the_secret_only(
    settings: Settings, clock: FakeClock, api: FakeTelegram
) -> None:
    port = free_port()
    async with serving(_webhook_settings(settings, port), clock, api) as app:
        assert api.webhook["url"] == "https://bot.example.org/telegram"
        assert api.webhook["secret_token"] == SECRET
        boss = api.user(COORDINATOR, "boss")
        url = f"http://127.0.0.1:{port}/telegram"
        async with aiohttp.ClientSession() as http:
            async with http.post(
                url, json=_update(api, boss, "/help", 1), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            ) as ok:
                assert ok.status == 200
            assert (await _bot_says(api, boss.id))[0].startswith(t("zh", "help.member")[:6])
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(url, json=_update(api, boss, "/stats", 2), headers=headers) as refused:
                    assert refused.status == 403
                    assert (await refused.json())["ok"] is False
            async with http.post(
                url, data=b"not json", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            ) as bad:
                assert bad.status == 400
            huge = b'{"update_id": 3, "message": "' + b"x" * (2 * 1024 * 1024) + b'"}'
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with http.post(url, data=huge, headers=headers) as big:
                assert big.status == 413  # refused before it is taken for an update
        await asyncio.sleep(0.2)
        assert len([m for m in api.messages_in(boss.id) if m.from_bot]) == 1  # the refused ones did nothing
        assert app.services.heartbeat.last_update_at is not None


async def test_health_and_metrics_while_running(
    settings: Settings, clock: FakeClock, api: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    async with serving(_webhook_settings(settings, port), clock, api) as app:
        base = f"http://127.0.0.1:{port}"
        boss = api.user(COORDINATOR, "boss")
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{base}/telegram",
                json=_update(api, boss, "/help", 1),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ):
                pass
            await _bot_says(api, boss.id)
            async with http.get(f"{base}/healthz") as health:
                body = await health.json()
                assert health.status == 200, body
                assert body["ok"] is True and body["schema_version"] >= 1
                assert {"database", "migrations", "outbox", "scheduler", "backup"} <= set(body["checks"])
                assert body["seconds_since_update"] is not None and body["outbox_backlog"] == 0
            async with http.get(f"{base}/metrics") as metrics:
                text = await metrics.text()
                assert metrics.status == 200
                assert 'wishwall_updates_total{kind="message"} 1.0' in text
                assert "wishwall_handler_seconds_bucket" in text and "wishwall_outbox_sent_total" in text
                assert (
                    "wishwall_db_writer_units_total" in text
                    and "wishwall_db_writer_restarts_total 0.0" in text
                )
                assert not any(p in text for p in (BENEFICIARY.name, BENEFICIARY.phone, "boss"))

            async def unreachable() -> int:
                raise OSError("disk I/O error")

            monkeypatch.setattr(app.services.db, "schema_version", unreachable)
            async with http.get(f"{base}/healthz") as sick:
                body = await sick.json()
                assert sick.status == 503
                assert (
                    body["failed"] == ["database"]
                    and "disk I/O error" in body["checks"]["database"]["detail"]
                )


async def test_polling_mode_deletes_the_webhook_and_serves_health(
    settings: Settings, clock: FakeClock, api: FakeTelegram
) -> None:
    port = free_port()
    api.webhook = {"url": "https://old.example.org/telegram", "secret_token": "x", "allowed_updates": None}
    async with serving(settings.model_copy(update={"listen": f"127.0.0.1:{port}"}), clock, api):
        assert api.webhook["url"] == ""  # going back to polling deleted it
        await _eventually(lambda: bool(api.calls_to("getUpdates")))
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as health:
            assert health.status == 200
            async with http.post(f"http://127.0.0.1:{port}/telegram", json={}) as nothing:
                assert nothing.status in (404, 405)  # no webhook route when polling


async def test_stopping_sends_what_is_due_first(
    settings: Settings, clock: FakeClock, api: FakeTelegram
) -> None:
    port = free_port()
    user = api.user(COORDINATOR, "boss")
    api.open_private(user.id)
    async with serving(settings.model_copy(update={"listen": f"127.0.0.1:{port}"}), clock, api) as app:
        assert app.services.sender is not None
        await app.services.sender.stop()  # a backlog builds up, as when Telegram was slow
        for _ in range(5):
            await app.services.notices.to_user(COORDINATOR, "org.you_are_active")
        app.services.sender.start()
    # serve() returned: the stop gave the outbox its few seconds, and nothing was left behind.
    assert len([m for m in api.messages_in(COORDINATOR) if m.from_bot]) == 5


async def test_a_second_instance_on_the_same_database_refuses(
    settings: Settings, clock: FakeClock, api: FakeTelegram
) -> None:
    with InstanceLock(settings.db):
        app = build_application(settings, request=api, clock=clock)
        with pytest.raises(AlreadyRunning):
            await serve(app, asyncio.Event())


def test_webhook_mode_needs_https_and_a_secret() -> None:
    check_webhook_settings("", "")  # polling: nothing needed
    with pytest.raises(WebhookConfigError, match=r"secrets\.token_urlsafe"):
        check_webhook_settings("https://bot.example.org", "")
    with pytest.raises(WebhookConfigError, match="https"):
        check_webhook_settings("http://bot.example.org", SECRET)
    assert webhook_endpoint("https://a.org/telegram/") == "https://a.org/telegram"


@pytest.mark.parametrize("courier", [False, True], ids=["alone", "with-answer-courier"])
def test_sigterm_stops_the_running_bot_within_seconds(tmp_path: Path, courier: bool) -> None:
    """The real command against the benchmark's fake Bot API over HTTP: up, healthy, SIGTERM, 0.
    As a service manager stops the whole group, the answer courier gets the signal too: it
    ignores it, finishes with the bot and leaves no process behind."""
    fake = subprocess.Popen(
        [sys.executable, "-m", "bench.server", "--latency", "0.01", "--max-seconds", "60"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert fake.stdout is not None
        api_url = fake.stdout.readline().split()[-1]
        port = free_port()
        env = {
            **os.environ,
            "WISHWALL_BOT_TOKEN": "123:TEST",
            "WISHWALL_BOT_API_URL": api_url,
            "WISHWALL_DB": str(tmp_path / "w.db"),
            "WISHWALL_LISTEN": f"127.0.0.1:{port}",
            "WISHWALL_BACKUP_DIR": str(tmp_path / "backups"),
            "WISHWALL_ANSWER_COURIER": "true" if courier else "false",
        }
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
        )
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
                time.sleep(0.1)
            else:
                pytest.fail("the bot's web server never came up")
            second = subprocess.run(
                [sys.executable, "-m", "bot", "run"],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=20,
            )
            assert second.returncode == 5 and "another Wishwall process" in second.stderr
            helpers = [
                child
                for child in psutil.Process(bot.pid).children()
                if "bot.messaging.courier_process" in child.cmdline()
            ]
            assert len(helpers) == (1 if courier else 0)
            bot.send_signal(signal.SIGTERM)
            for helper in helpers:
                helper.send_signal(signal.SIGTERM)
            started = time.monotonic()
            code = bot.wait(timeout=15)
            assert code == 0 and time.monotonic() - started < 10
            assert not [helper for helper in helpers if helper.is_running()]
        finally:
            if bot.poll() is None:
                bot.kill()
    finally:
        fake.kill()

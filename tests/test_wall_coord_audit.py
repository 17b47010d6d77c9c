"""The wall writes the audit trail the chat writes: each coordinator's action done once through
the chat (the real buttons and commands, through the fake Bot API) and once through the wall on
a twin wish, and the entries compared field by field (all but the wish and the time)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.clock import FakeClock
from bot.models import Wish
from bot.services import Services
from bot.settings import Settings
from tests.conftest import Bot
from tests.factories import draft
from tests.scheduling import BOSS, GROUP_A, at, bind_group, claimed, fast_settings, people, run, set_community
from tests.wall_client import Wall, wall

Entry = tuple[str, int | None, str | None, str | None, dict[str, Any]]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return fast_settings(tmp_path)


class Trail:
    """What the audit trail gained for each wish since it was last asked."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.seen: dict[int, int] = {}

    async def new(self, wish: Wish) -> list[Entry]:
        events = await self.services.events.for_wish(wish.id)
        start = self.seen.get(wish.id, 0)
        self.seen[wish.id] = len(events)
        return [
            (
                e.action,
                e.actor_id,
                e.from_status.value if e.from_status else None,
                e.to_status.value if e.to_status else None,
                e.details,
            )
            for e in events[start:]
        ]

    async def mark(self, *wishes: Wish) -> None:
        for wish in wishes:
            await self.new(wish)


async def verified(services: Services, description: str) -> Wish:
    boss = await services.directory.actor(BOSS, "zh")
    wish = await services.wishes.create(boss, draft(description, due=date(2026, 12, 20)), 1)
    return await services.wishes.verify(boss, wish.id)


async def ok(w: Wall, path: str, **kwargs: Any) -> dict[str, Any]:
    status, body = await w.post(path, BOSS, **kwargs)
    assert status == 200, body
    return body


async def test_overdue_actions_write_what_the_escalations_buttons_write(bot: Bot, clock: FakeClock) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    p = await people(s, api)
    await bind_group(s, api)
    await set_community(s, escalate_after=1, member_cap=10)
    boss = api.user(BOSS, "Li")
    pairs = {
        name: [await claimed(s, p, due=date(2026, 11, 22)) for _ in range(2)]
        for name in ("keep", "ext", "re")
    }
    await run(bot, clock, "overdue", at(11, 23, 9))
    trail = Trail(s)
    for pair in pairs.values():
        await trail.mark(*pair)

    def escalation(wish: Wish) -> Any:
        return next(
            m
            for m in reversed(api.messages_in(BOSS))
            if m.button_labels and wish.code in m.text.splitlines()[0]
        )

    async with wall(bot.app) as w:
        chat, web = pairs["keep"]
        await d.tap(boss, escalation(chat), "继续催办")
        await ok(w, f"/wall/api/wishes/{web.code}/keep-chasing")
        kept = await trail.new(chat)
        assert (
            kept
            == await trail.new(web)
            == [("keep_chasing", BOSS, None, None, {"holder": p.alice.user_id, "due": "2026-11-22"})]
        )

        chat, web = pairs["ext"]
        await d.tap(boss, escalation(chat), "延期")
        await d.send(boss, "2026-12-10")
        await ok(w, f"/wall/api/wishes/{web.code}/extend", json={"date": "2026-12-10"})
        moved = await trail.new(chat)
        assert moved == await trail.new(web)
        assert moved == [
            (
                "extend",
                BOSS,
                None,
                None,
                {"from": "2026-11-22", "to": "2026-12-10", "holder": p.alice.user_id, "by_holder": False},
            )
        ]

        chat, web = pairs["re"]
        await d.tap(boss, escalation(chat), "改派")
        await ok(w, f"/wall/api/wishes/{web.code}/reassign", json={})
        reopened = await trail.new(chat)
        assert reopened == await trail.new(web)
        assert reopened == [
            ("release", BOSS, "claimed", "open", {"holders": [p.alice.user_id], "by_holder": False})
        ]


async def test_review_and_posting_write_what_the_chat_writes(bot: Bot) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    await people(s, api)
    await bind_group(s, api)
    boss = api.user(BOSS, "Li")
    actor = await s.directory.actor(BOSS, "zh")
    pending = [await s.wishes.create(actor, draft(f"待核查{i}"), 1) for i in range(4)]
    trail = Trail(s)
    await trail.mark(*pending)
    await d.send(boss, "/pending")

    def card(wish: Wish) -> Any:
        """Its card (whose first line names it; a later line may name it as a repeat's earlier wish)."""
        return next(
            m
            for m in reversed(api.messages_in(BOSS))
            if m.button_labels and wish.code in m.text.splitlines()[0]
        )

    async with wall(bot.app) as w:
        await d.tap(boss, card(pending[0]), "核查通过")
        await ok(w, f"/wall/api/wishes/{pending[1].code}/verify")
        checked = await trail.new(pending[0])
        assert checked == await trail.new(pending[1]) == [("verify", BOSS, "pending", "verified", {})]

        await d.tap(boss, card(pending[2]), "驳回")
        await d.send(boss, "信息不实")
        await ok(w, f"/wall/api/wishes/{pending[3].code}/reject", json={"reason": "信息不实"})
        rejected = await trail.new(pending[2])
        assert (
            rejected
            == await trail.new(pending[3])
            == [("reject", BOSS, "pending", "rejected", {"reason": "信息不实"})]
        )

        await d.send(boss, f"/post {pending[0].code}")
        await ok(w, f"/wall/api/wishes/{pending[1].code}/post", json={})
        posted = await trail.new(pending[0])
        assert (
            posted
            == await trail.new(pending[1])
            == [("post", BOSS, "verified", "open", {"chats": [GROUP_A]})]
        )


async def test_auto_balance_writes_what_the_chats_plan_writes(bot: Bot) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    await people(s, api)
    await bind_group(s, api)
    boss = api.user(BOSS, "Li")
    trail = Trail(s)
    by_chat = [await verified(s, f"批量{i}") for i in range(2)]
    await trail.mark(*by_chat)
    await d.send(boss, "/post")
    await d.tap(boss, d.last_private(boss), "自动分配")
    await d.tap(boss, d.last_private(boss), "确认发布")
    by_wall = [await verified(s, f"批量{i}") for i in range(2, 4)]
    await trail.mark(*by_wall)
    async with wall(bot.app) as w:
        status, plan = await w.get("/wall/api/balance", BOSS)
        assert status == 200 and plan["total"] == 2, plan
        await ok(w, "/wall/api/balance", json={"community": 1, "plan": plan["plan"]})
    for chat, web in zip(by_chat, by_wall, strict=True):
        entries = await trail.new(chat)
        assert entries == await trail.new(web) == [("post", BOSS, "verified", "open", {"chats": [GROUP_A]})]


async def test_the_claim_sheet_is_the_chats_export_with_the_same_audit_entry(bot: Bot) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    p = await people(s, api)
    await bind_group(s, api)
    await claimed(s, p, due=date(2026, 12, 1))
    await verified(s, "待发布")
    boss = api.user(BOSS, "Li")
    for public in (False, True):
        await d.send(boss, "/export public" if public else "/export")
        message = d.last_private(boss)
        assert message.document is not None
        async with wall(bot.app) as w:
            query = "?public=1" if public else ""
            headers = w.header(BOSS)
            async with w.client.get(f"/wall/api/claim-sheet{query}", headers=headers) as response:
                assert response.status == 200
                content = await response.read()
                assert f'filename="{message.document.file_name}"' in response.headers["Content-Disposition"]
        assert _cells(content) == _cells(api.file_content(message.document.file_id))
        chat, web = (await s.events.by_action("export"))[-2:]
        assert (chat.actor_id, chat.community_id, chat.details) == (
            web.actor_id,
            web.community_id,
            web.details,
        )
        assert web.details["public"] is public


def _cells(content: bytes) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(content))
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]

"""Typed drafts: what the previous code stored still loads, what no longer reads is dropped
(never a crash), and a conversation resumes across an upgrade."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.drafts import (
    CONVERSATION_DRAFTS,
    DeliveryDraft,
    Draft,
    ExtendDraft,
    NewWishDraft,
    ReasonDraft,
    StartDraft,
)
from bot.models import Button, Category, Rendered, WishStatus
from bot.services import Services
from bot.settings import Settings
from storage.db import utc_text
from tests.conftest import Bot, running
from tests.factories import COORDINATOR
from tests.fakes.telegram_api import FakeTelegram
from tests.test_flow import register

USER = 4242
REMINDER = Rendered(text="提醒：W-0001", buttons=((Button(text="延期", callback_data="r1:mt:1"),),))

# Rows exactly as the code before typed drafts wrote them (a dict per conversation, no step).
OLDER_ROWS: list[tuple[type[Draft], dict[str, Any], dict[str, Any]]] = [
    (StartDraft, {"payload": "i_abc123"}, {"payload": "i_abc123"}),
    (StartDraft, {"payload": ""}, {"payload": ""}),
    (NewWishDraft, {}, {"step": "name", "name": None}),
    (NewWishDraft, {"name": "王秀英"}, {"step": "phone", "name": "王秀英"}),
    (
        NewWishDraft,
        {"name": "王秀英", "phone": "13812345678", "address": "幸福路 8 号", "category": "elderly_alone"},
        {"step": "wish", "category": Category.ELDERLY_ALONE},
    ),
    (
        # A skipped value was stored as null: the value step is done, the due date comes next.
        NewWishDraft,
        {
            "name": "王秀英",
            "phone": "13812345678",
            "address": "幸福路 8 号",
            "category": "elderly_alone",
            "description": "电暖器",
            "value_fen": None,
        },
        {"step": "due", "value_fen": None},
    ),
    (
        NewWishDraft,
        {
            "name": "王秀英",
            "phone": "13812345678",
            "address": "幸福路 8 号",
            "category": "other",
            "description": "电暖器",
            "value_fen": 15000,
            "due_date": "2026-12-24",
            "photo_file_id": None,
        },
        {"step": "confirm", "value_fen": 15000, "due_date": date(2026, 12, 24), "photo_file_id": None},
    ),
    (ReasonDraft, {"action": "reject", "wish_id": 7}, {"action": "reject", "wish_id": 7}),
    (ReasonDraft, {"action": "cancel", "wish_id": "7"}, {"action": "cancel", "wish_id": 7}),
    (DeliveryDraft, {"wish_id": 7}, {"wish_id": 7}),
    (ExtendDraft, {"wish_id": 7}, {"wish_id": 7, "chat_id": None, "message": None}),
    (
        ExtendDraft,
        {"wish_id": 7, "chat_id": 11, "message_id": 99, "message": REMINDER.model_dump(mode="json")},
        {"wish_id": 7, "chat_id": 11, "message_id": 99, "message": REMINDER},
    ),
]


@pytest.mark.parametrize(("model", "row", "expected"), OLDER_ROWS)
async def test_a_draft_the_previous_code_stored_still_loads(
    services: Services, model: type[Draft], row: dict[str, Any], expected: dict[str, Any]
) -> None:
    await services.drafts.save(USER, model.conversation, row, services.clock.now())
    loaded = await services.draft_store.load(USER, model)
    assert loaded is not None
    assert {key: getattr(loaded, key) for key in expected} == expected
    # Saved again in today's shape, it reads back the same.
    await services.draft_store.save(USER, loaded)
    assert await services.draft_store.load(USER, model) == loaded


def test_a_complete_newwish_draft_is_the_wish_as_typed() -> None:
    draft = NewWishDraft.model_validate(OLDER_ROWS[6][1])
    typed = draft.complete()
    assert typed is not None and typed.beneficiary.phone == "13812345678"
    assert typed.due_date == date(2026, 12, 24) and typed.category is Category.OTHER
    assert NewWishDraft(name="王秀英").complete() is None


@pytest.mark.parametrize(
    ("model", "row"),
    [
        (ReasonDraft, {"action": "explode", "wish_id": 7}),
        (ReasonDraft, {"wish_id": 7}),
        (DeliveryDraft, {"wish_id": "W-0007"}),
        (NewWishDraft, {"name": "王秀英", "phone": "13812345678", "category": "dragons"}),
        (NewWishDraft, {"step": "somewhere", "name": "王秀英"}),
        (ExtendDraft, {"wish_id": 7, "message": "not a message"}),
    ],
)
async def test_a_draft_that_no_longer_reads_is_dropped(
    services: Services,
    caplog: pytest.LogCaptureFixture,
    model: type[Draft],
    row: dict[str, Any],
) -> None:
    await services.drafts.save(USER, model.conversation, row, services.clock.now())
    with caplog.at_level(logging.WARNING):
        assert await services.draft_store.load(USER, model) is None
    assert await services.drafts.load(USER, model.conversation) is None, "the row is gone"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert model.conversation in logged and "王秀英" not in logged and "13812345678" not in logged


async def test_a_row_that_is_not_json_is_dropped(services: Services) -> None:
    async with services.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO drafts (user_id, kind, data, updated_at) VALUES (?, 'reason', '{not json', ?)",
            (USER, utc_text(services.clock.now())),
        )
    assert await services.draft_store.load(USER, ReasonDraft) is None
    assert await services.draft_store.load(USER, ReasonDraft) is None


async def test_delete_drops_only_the_named_conversations(services: Services) -> None:
    await services.draft_store.save(USER, ReasonDraft(action="dispute", wish_id=3))
    await services.draft_store.save(USER, DeliveryDraft(wish_id=3))
    await services.draft_store.save(USER + 1, DeliveryDraft(wish_id=4))
    await services.draft_store.delete(USER, ReasonDraft)
    assert await services.draft_store.load(USER, ReasonDraft) is None
    assert await services.draft_store.load(USER, DeliveryDraft) == DeliveryDraft(wish_id=3)
    await services.draft_store.delete(USER, *CONVERSATION_DRAFTS)
    assert await services.draft_store.load(USER, DeliveryDraft) is None
    assert await services.draft_store.load(USER + 1, DeliveryDraft) == DeliveryDraft(wish_id=4)


def test_every_conversation_has_its_own_row() -> None:
    names = [model.conversation for model in CONVERSATION_DRAFTS]
    assert len(set(names)) == len(names)


# --- through the bot -------------------------------------------------------------------------


async def test_a_newwish_draft_from_before_the_upgrade_resumes(settings: Settings, clock: FakeClock) -> None:
    api = FakeTelegram()
    boss = api.user(COORDINATOR, "Li")
    async with running(settings, clock, api) as bot:
        await register(bot, boss, "李主任")
        d = bot.driver
        await d.send(boss, "/newwish")
        for answer in ("王秀英", "13812345678", "幸福路 8 号"):
            await d.send(boss, answer)
        await d.tap(boss, d.last_private(boss), "独居老人")
        await d.send(boss, "电暖器")
        await d.tap(boss, d.last_private(boss), "跳过")
        # Now at the due date; the row is put back the way the previous version wrote it.
        older = {
            "name": "王秀英",
            "phone": "13812345678",
            "address": "幸福路 8 号",
            "category": "elderly_alone",
            "description": "电暖器",
            "value_fen": None,
        }
        await bot.services.drafts.save(boss.id, "newwish", older, clock.now())
    async with running(settings, clock, api) as bot:
        d = bot.driver
        await d.tap(boss, d.last_private(boss), "30 天")
        await d.tap(boss, d.last_private(boss), "跳过")
        summary = d.last_private(boss)
        assert "王秀英" in summary.text and "电暖器" in summary.text
        await d.tap(boss, summary, "提交")
        [wish] = await bot.services.wish_repo.list_by_status(1, WishStatus.PENDING)
        assert wish.beneficiary_phone == "13812345678" and wish.value_fen is None
        assert await bot.services.draft_store.load(boss.id, NewWishDraft) is None


async def test_an_unreadable_newwish_draft_restarts_the_conversation(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    await d.send(boss, "/newwish")
    await d.send(boss, "王秀英")
    await bot.services.drafts.save(boss.id, "newwish", {"name": ["王秀英"]}, bot.services.clock.now())
    await d.send(boss, "13812345678")
    assert "从头再来" in d.private(boss)[-2].text
    assert "受助人姓名" in d.last_private(boss).text
    restarted = await bot.services.draft_store.load(boss.id, NewWishDraft)
    assert restarted == NewWishDraft()
    # The conversation goes on from the first step.
    await d.send(boss, "王秀英")
    assert (await bot.services.draft_store.load(boss.id, NewWishDraft)) == NewWishDraft(
        step="phone", name="王秀英"
    )


async def test_a_lost_draft_under_a_button_restarts_too(bot: Bot) -> None:
    d, api = bot.driver, bot.api
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    await d.send(boss, "/newwish")
    for answer in ("王秀英", "13812345678", "幸福路 8 号"):
        await d.send(boss, answer)
    await bot.services.drafts.save(boss.id, "newwish", {"category": 12}, bot.services.clock.now())
    answered = await d.tap(boss, d.last_private(boss), "独居老人")
    assert answered is not None and not answered.show_alert
    assert "从头再来" in d.private(boss)[-2].text
    assert await bot.services.draft_store.load(boss.id, NewWishDraft) == NewWishDraft()

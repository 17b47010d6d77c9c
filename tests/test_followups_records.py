"""Follow-ups in the records: the weekly report's follow-up rate (and the coordinators' list of
wishes still waiting), the claim sheet's 回访 and source columns, and data care."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.models import SourceKind, WishSource, WishStatus
from storage.followups import FollowupFigures, Outcome
from tests.conftest import Bot
from tests.factories import BENEFICIARY, COORDINATOR, draft
from tests.fakes.telegram_api import StoredMessage
from tests.scheduling import GROUP_A, SH, at, bind_group, people, run
from tests.test_followups import fulfilled

SECRET_NOTE = "老人说谢谢小张，电暖器很暖和"


pytestmark = pytest.mark.passes_by_hand  # its settings: fast_settings (tests/conftest.py)


async def history(bot: Bot) -> tuple[int, int, int]:
    """w1 and w2 fulfilled Monday 11-02, w1 followed up 11-05 (with a note); w3 fulfilled 11-20."""
    services, clock, api = bot.services, bot.services.clock, bot.api
    assert hasattr(clock, "set")
    clock.set(at(11, 2, 10))  # type: ignore[attr-defined]
    for uid, name in ((COORDINATOR, "Li"), (1, "Alice")):
        api.user(uid, name)
        api.open_private(uid)
    p = await people(services)
    await bind_group(services, api, GROUP_A)
    w1, w2 = await fulfilled(bot), await fulfilled(bot)
    clock.set(at(11, 5, 10))  # type: ignore[attr-defined]
    await services.followups.record(p.boss, w1.id, Outcome.SATISFIED, SECRET_NOTE, "letter-photo")
    clock.set(at(11, 20, 10))  # type: ignore[attr-defined]
    w3 = await fulfilled(bot)
    await bot.driver.settle()
    return w1.id, w2.id, w3.id


def _texts(bot: Bot, chat_id: int, since: int = 0) -> list[str]:
    return [m.text or "" for m in bot.api.messages_in(chat_id)[since:] if m.from_bot]


async def test_weekly_report_has_the_follow_up_rate_and_coordinators_the_list(bot: Bot) -> None:
    _, w2, w3 = await history(bot)
    group_before = len(bot.api.messages_in(GROUP_A))
    boss_before = len(bot.api.messages_in(COORDINATOR))
    await run(bot, bot.services.clock, "weekly_report", at(11, 23, 9, 5))  # type: ignore[arg-type]
    # w1 followed up; w2 waited 21 days at the week's end; w3 only 3 (not counted yet).
    rate = "回访率：50%（1/2）"
    group = _texts(bot, GROUP_A, group_before)
    assert any(rate in text for text in group)
    report = "\n".join(group)
    assert f"W-{w2:04d}" not in report and "等待回访" not in report  # the list is the coordinators'
    assert SECRET_NOTE not in "\n".join(bot.api.everything_shown_in(GROUP_A))
    boss = _texts(bot, COORDINATOR, boss_before)
    assert any(rate in text for text in boss)
    [listing] = [text for text in boss if text.startswith("等待回访")]
    assert f"W-{w2:04d} 王**" in listing and f"W-{w3:04d}" not in listing
    assert BENEFICIARY.phone not in listing and SECRET_NOTE not in listing


async def test_report_on_demand_lists_the_waiting_wishes_in_private_only(bot: Bot) -> None:
    _, w2, _ = await history(bot)
    bot.services.clock.set(at(11, 23, 10))  # type: ignore[attr-defined]
    boss = bot.api.user(COORDINATOR, "Li")
    await bot.driver.send(boss, "/report")
    assert bot.driver.last_private(boss).text.startswith("等待回访")
    group = bot.api.group(GROUP_A, "第一支部群")
    bot.api.make_admin(GROUP_A, COORDINATOR)
    before = len(bot.api.messages_in(GROUP_A))
    await bot.driver.send(boss, "/report", chat=group)
    texts = _texts(bot, GROUP_A, before)
    assert any("回访率" in text for text in texts)
    assert not [text for text in texts if f"W-{w2:04d}" in text or "等待回访" in text]


def _sheet(bot: Bot, message: StoredMessage) -> list[dict[str, Any]]:
    assert message.document is not None
    book = load_workbook(io.BytesIO(bot.api.file_content(message.document.file_id)), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


async def test_claim_sheet_has_follow_up_and_source_columns(bot: Bot) -> None:
    w1, w2, _ = await history(bot)
    services = bot.services
    boss_actor = await services.directory.actor(COORDINATOR, "zh")
    source = WishSource(kind=SourceKind.GRID_WORKER, name="李网格")
    sourced = await services.wishes.create(boss_actor, draft().model_copy(update={"source": source}), 1)
    boss = bot.api.user(COORDINATOR, "Li")
    await bot.driver.send(boss, "/export")
    rows = {row["编号"]: row for row in _sheet(bot, bot.driver.last_private(boss))}
    first = rows[f"W-{w1:04d}"]
    assert first["回访结果"] == "满意" and first["回访人"] == "李主任" and first["回访记录"] == SECRET_NOTE
    assert isinstance(first["回访日期"], datetime) and first["回访日期"].date().isoformat() == "2026-11-05"
    assert rows[f"W-{w2:04d}"]["回访结果"] is None and rows[f"W-{w2:04d}"]["回访日期"] is None
    assert rows[sourced.code]["来源"] == "网格员：李网格" and first["来源"] is None
    # The public sheet keeps the result, never who recommended a wish nor what was said.
    await bot.driver.send(boss, "/export public")
    public = bot.driver.last_private(boss)
    rows = {row["编号"]: row for row in _sheet(bot, public)}
    assert rows[f"W-{w1:04d}"]["回访结果"] == "满意"
    assert "来源" not in rows[sourced.code] and "回访记录" not in rows[f"W-{w1:04d}"]
    assert public.document is not None
    content = bot.api.file_content(public.document.file_id)
    book = load_workbook(io.BytesIO(content), read_only=True)
    cells = [str(c) for s in book.worksheets for r in s.iter_rows(values_only=True) for c in r if c]
    assert not [c for c in cells if SECRET_NOTE in c or "李网格" in c]


async def test_forget_and_retention_erase_what_a_follow_up_noted(bot: Bot) -> None:
    w1, _, _ = await history(bot)
    services = bot.services
    boss = await services.directory.actor(COORDINATOR, "zh")
    wish = await services.wishes.get(w1)
    await services.privacy.forget(boss, w1)
    followup = await services.followups.of_wish(boss, wish)
    assert followup is not None
    assert (followup.outcome, followup.note, followup.photo_file_id) == (Outcome.SATISFIED, None, None)


async def test_retention_erases_a_follow_up_note_with_the_contact_details(bot: Bot) -> None:
    w1, _, _ = await history(bot)
    services = bot.services
    boss = await services.directory.actor(COORDINATOR, "zh")
    erased = await services.privacy.erase_expired(datetime(2026, 11, 2, 10, tzinfo=SH) + timedelta(days=200))
    assert erased >= 1
    followup = await services.followups.of_wish(boss, await services.wishes.get(w1))
    assert followup is not None and followup.note is None and followup.photo_file_id is None
    assert followup.outcome is Outcome.SATISFIED  # the rate keeps counting it


async def test_an_upgraded_program_is_not_asked_to_revisit_its_history(tmp_path: Path) -> None:
    """tests/test_upgrade.py's database from before follow-ups: after the upgrade nothing it had
    fulfilled waits for a follow-up or counts in the rate; a wish fulfilled afterwards does."""
    from tests.test_upgrade import COORDINATOR as DEMO_COORDINATOR
    from tests.test_upgrade import NOW, _load, _open

    path = tmp_path / "wishwall.db"
    _load(path)
    services = await _open(path)
    try:
        community = await services.followups.community(1)
        later = NOW + timedelta(days=400)
        assert await services.followups.figures(community, later) == FollowupFigures()
        assert await services.followups.waiting_for_report(community, later) == ([], 0)
        boss = await services.directory.actor(DEMO_COORDINATOR, "zh")
        delivered = await services.wish_repo.list_by_status(1, WishStatus.DELIVERED)
        assert delivered, "the demo world has deliveries waiting for confirmation"
        await services.wishes.confirm(boss, delivered[0].id)
        items, total = await services.followups.waiting_for_report(community, later)
        assert total == 1 and [i.wish_id for i in items] == [delivered[0].id]
        figures = await services.followups.figures(community, later)
        assert (figures.done, figures.waiting) == (0, 1)
    finally:
        await services.close()


async def test_the_rate_as_it_stood_at_an_instant(bot: Bot) -> None:
    await history(bot)
    services = bot.services
    community = await services.followups.community(1)

    async def at_(month: int, day: int, hour: int = 9) -> tuple[int, int]:
        figures = await services.followups.figures(community, at(month, day, hour))
        return figures.done, figures.waiting

    assert await at_(11, 4) == (0, 0)  # w1 and w2 fulfilled two days before: not due yet
    assert await at_(11, 6) == (1, 0)  # w1 followed up on the 5th, early: it counts at once
    assert await at_(11, 16, 9) == (1, 0)  # w2 is due from 11-16 10:00 (14 days)
    assert await at_(11, 16, 11) == (1, 1)
    assert await at_(12, 5) == (1, 2)  # and w3 from 12-04
    bot.services.clock.set(at(12, 6))  # type: ignore[attr-defined]
    await services.followups.record(
        await services.directory.actor(COORDINATOR, "zh"), 2, Outcome.PARTLY, None, None
    )
    assert await at_(12, 5) == (1, 2)  # recorded after that instant: not then
    assert await at_(12, 7) == (2, 1)

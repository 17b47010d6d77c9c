"""Data care: retention erases phone and address N days after a wish closes, /forget erases a
beneficiary now; both keep the figures and both are in the audit trail."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.models import Category, ImportedWish, WishDraft
from bot.services import Services
from bot.settings import Settings
from bot.wishes.effects import with_details
from storage.stats import Period, Scope
from tests import records_history as H
from tests.conftest import Bot
from tests.factories import COORDINATOR, coordinator, draft
from tests.factories import run_cli as _cli

YEAR = Period(start=date(2026, 1, 1), end=date(2027, 1, 1))


@pytest.fixture
async def history(services: Services, clock: FakeClock) -> dict[int, int]:
    return await H.build(services, clock)


async def _payloads_mentioning(services: Services, text: str) -> int:
    async with services.db.reader.execute(
        "SELECT COUNT(*) FROM outbox WHERE instr(payload, ?) > 0", (text,)
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def _sent_notice_with_details(services: Services, wish_id: int, at: datetime) -> None:
    wish = await services.wishes.get(wish_id)
    async with services.db.transaction() as conn:
        await services.outbox.enqueue(conn, [with_details(H.ZHANG, wish, "zh", "有疑问")], at)
        await conn.execute("UPDATE outbox SET status = 'sent' WHERE status = 'pending'")


async def test_retention_erases_contact_details_and_keeps_the_figures(
    services: Services, clock: FakeClock, history: object
) -> None:
    before = await services.stats.figures(Scope(community_id=1), YEAR, clock.now())
    # A claim's details message is rendered when sent and keeps no copy (tests/test_lifecycle.py);
    # a notice that carries them (a dispute's, with the holder's card) keeps one once sent.
    await _sent_notice_with_details(services, 1, H.at(1, 20))
    assert await _payloads_mentioning(services, "13812345678") > 0
    erased = await services.privacy.erase_expired()
    # Closed more than 180 days before 2026-11-20: 1 (01-21), 2 (03-06), 3 (03-10), 9 (cancelled
    # 05-02), 10 (01-06). Not yet: 8 (rejected 06-02), 11 (11-06); the rest are not closed.
    assert erased == 5
    for n in (1, 2, 3, 9, 10):
        wish = await services.wishes.get(n)
        assert (wish.beneficiary_phone, wish.beneficiary_address, wish.notes) == ("", "", None)
        assert wish.beneficiary_name == H.PEOPLE[n - 1].name  # kept: claim sheets list whom a wish served
        assert wish.personal_erased_at == clock.now()
        events = await services.events.for_wish(n)
        assert events[-1].action == "erase.retention" and events[-1].actor_id is None
        assert events[-1].details["fields"] == ["phone", "address", "notes"]
    for n in (4, 5, 6, 7, 8, 11, 12):
        assert (await services.wishes.get(n)).beneficiary_phone == H.PEOPLE[n - 1].phone
    # Statistics do not change, and copies of old sent messages lost their text.
    assert await services.stats.figures(Scope(community_id=1), YEAR, clock.now()) == before
    assert await _payloads_mentioning(services, "幸福路 8 号") == 0
    # Running again erases nothing more; ten days later the rejected wish 8 has expired too.
    assert await services.privacy.erase_expired() == 0
    clock.advance(timedelta(days=10))
    assert await services.privacy.erase_expired() == 1
    assert (await services.wishes.get(8)).beneficiary_phone == ""


async def test_retention_days_are_each_communitys_setting(
    services: Services, clock: FakeClock, history: object
) -> None:
    async with services.db.transaction() as conn:
        await services.communities.set_setting(conn, 1, "retention_days", 10)
    # Now 11 (fulfilled 11-06, 14 days ago) and 8 (rejected) are past 10 days too.
    assert await services.privacy.erase_expired() == 7


async def test_an_erased_phone_still_hints_at_a_repeat_by_name(
    services: Services, clock: FakeClock, history: object
) -> None:
    await services.privacy.erase_expired()
    boss = await coordinator(services)
    sun = H.PEOPLE[2]  # wish 3, fulfilled 03-10, phone erased now
    row = ImportedWish(
        row=2,
        draft=WishDraft(
            beneficiary=sun, category=Category.ELDERLY_ALONE, description="拐杖", due_date=date(2026, 12, 31)
        ),
    )
    created = await services.wishes.create_many(boss, [row], 1)
    repeat = await services.records.repeats_for(created[0])
    assert repeat is not None and repeat.name_only and [e.code for e in repeat.earlier] == ["W-0003"]


async def test_cli_retention_run(
    services: Services,
    settings: Settings,
    clock: FakeClock,
    history: object,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await services.db.close()
    assert await asyncio.to_thread(_cli, settings, clock, "retention", "run") == 0
    assert "erased the personal data of 5 wishes" in capsys.readouterr().out
    assert await asyncio.to_thread(_cli, settings, clock, "retention", "run") == 0
    assert "of 0 wishes" in capsys.readouterr().out


async def test_forget_through_the_bot(history: object, bot: Bot) -> None:
    services, d = bot.services, bot.driver
    boss = bot.api.user(COORDINATOR, "Li")
    # 王秀英 has wish 1 (fulfilled) and wish 7 (still pending): refused until 7 is closed.
    await d.send(boss, "/forget W-0001")
    assert "还有进行中的心愿：W-0007" in (d.last_private(boss).text or "")
    await services.wishes.cancel(await coordinator(services), 7, "重复")
    before = await services.stats.figures(Scope(community_id=1), YEAR, services.clock.now())
    await d.send(boss, "/forget W-0001")
    confirm = d.last_private(boss)
    assert "王秀英" in (confirm.text or "") and "W-0001, W-0007" in (confirm.text or "")
    assert (await services.wishes.get(1)).beneficiary_phone == "13812345678"  # nothing yet
    await d.tap(boss, confirm, "确定删除")
    done = d.last_private(boss)
    assert done.message_id == confirm.message_id and "王秀英" not in (done.text or "")
    assert "涉及 2 个心愿：W-0001, W-0007" in (done.text or "")
    for n in (1, 7):
        wish = await services.wishes.get(n)
        assert (wish.beneficiary_name, wish.beneficiary_phone, wish.beneficiary_address) == ("王**", "", "")
        events = await services.events.for_wish(n)
        assert events[-1].action == "erase.forget" and events[-1].actor_id == COORDINATOR
    assert await _payloads_mentioning(services, "13812345678") == 0
    assert await services.stats.figures(Scope(community_id=1), YEAR, services.clock.now()) == before
    # The card says the data is gone; the claim sheet keeps the row with the mask.
    await d.send(boss, "/wish W-0001")
    card = d.last_private(boss).text or ""
    assert "王**" in card and "电话：（已删除）" in card and "地址：（已删除）" in card

    # Keep: nothing happens.
    await d.send(boss, "/forget W-0002")
    await d.tap(boss, d.last_private(boss), "取消")
    assert "没有删除任何信息" in (d.last_private(boss).text or "")
    assert (await services.wishes.get(2)).beneficiary_name == H.PEOPLE[1].name
    await d.send(boss, "/forget")
    assert "用法：/forget W-0042" in (d.last_private(boss).text or "")
    await d.send(boss, "/forget W-0999")
    assert "找不到心愿 W-0999" in (d.last_private(boss).text or "")


async def test_the_scheduler_tick_runs_retention(services: Services, clock: FakeClock) -> None:
    """The same tick that sends reminders erases expired personal data (no separate cron)."""
    from bot.reminders.jobs import run_all

    boss = await coordinator(services)
    wish = await services.wishes.create(boss, draft(), 1)
    await services.wishes.cancel(boss, wish.id, "受助人已搬走")
    clock.advance(timedelta(days=181))
    await run_all(services, clock.now())
    erased = await services.wishes.get(wish.id)
    assert erased.beneficiary_phone != "13812345678" and erased.personal_erased_at is not None

"""The scheduler's pure rules, its registration in the JobQueue, the outbox lease and the CLI."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.callbacks import ExtendCallback, ReminderButton, ReminderCallback
from bot.cli import main, run_jobs
from bot.clock import FakeClock
from bot.models import Community, NewOutbox, OutboxKind, ReminderKind, Rendered
from bot.reminders import kinds
from bot.reminders.cards import escalation_card, nudge_card, overdue_card, without_wish
from bot.reminders.jobs import MISFIRE_GRACE_SECONDS, TICK_NAME, passes, run_all
from bot.reports import charts, figures, report_chart
from bot.services import Services
from bot.settings import Settings
from bot.timing import (
    IsoWeek,
    daily_slot,
    extension_window,
    in_quiet_hours,
    latest_weekly_slot,
    report_week_for,
    send_hour,
)
from tests.conftest import running
from tests.factories import draft, weekly_report
from tests.fakes.telegram_api import FakeTelegram
from tests.scheduling import ALICE, SH, at, bind_group, claimed, fast_settings, people, set_community

C = Community(id=1, name="c", tz="Asia/Shanghai", created_at=at(1, 1))


def test_quiet_hours_across_midnight_and_within_a_day() -> None:
    assert [h for h in range(24) if in_quiet_hours(h, C)] == [0, 1, 2, 3, 4, 5, 6, 7, 21, 22, 23]
    day_quiet = C.model_copy(update={"quiet_start": 12, "quiet_end": 14})
    assert [h for h in range(24) if in_quiet_hours(h, day_quiet)] == [12, 13]
    assert not any(
        in_quiet_hours(h, C.model_copy(update={"quiet_start": 5, "quiet_end": 5})) for h in range(24)
    )
    assert send_hour(9, C) == 9 and send_hour(22, C) == 8 and send_hour(3, C) == 8


def test_daily_slot_opens_at_the_hour_and_closes_at_quiet_hours() -> None:
    assert daily_slot(at(11, 21, 8, 59), 9, C) is None
    assert daily_slot(at(11, 21, 9), 9, C) == date(2026, 11, 21)
    assert daily_slot(at(11, 21, 20, 59), 9, C) == date(2026, 11, 21)
    assert daily_slot(at(11, 21, 21), 9, C) is None
    assert daily_slot(at(11, 22, 1), 9, C) is None


def test_weekly_slot_and_the_week_it_reports() -> None:
    monday_nine = at(11, 23, 9)
    assert latest_weekly_slot(at(11, 23, 9), C, SH) == monday_nine
    assert latest_weekly_slot(at(11, 23, 8, 59), C, SH) == at(11, 16, 9)
    assert latest_weekly_slot(at(11, 29, 23), C, SH) == monday_nine
    assert report_week_for(monday_nine).label == "2026-W47"
    friday = C.model_copy(update={"report_weekday": 5, "report_hour": 17})
    assert latest_weekly_slot(at(11, 23, 9), friday, SH) == at(11, 20, 17)
    assert report_week_for(at(11, 20, 17)).label == "2026-W46"  # always the last full week


def test_iso_weeks() -> None:
    week = IsoWeek.parse("2026-W47")
    assert week == IsoWeek(year=2026, week=47)
    assert week.first_day == date(2026, 11, 16) and week.last_day == date(2026, 11, 22)
    assert IsoWeek.parse("2026w47") == week and IsoWeek.parse(" 2026-w47 ") == week
    for bad in ("", "47", "2026-47", "2026-W54", "2026-W0", "W47", "banana"):
        assert IsoWeek.parse(bad) is None, bad
    assert IsoWeek.parse("2026-W53") is not None  # 2026 has 53 ISO weeks
    assert week.shifted(-47).label == "2025-W52"
    period = week.period(SH)
    assert period.start == at(11, 16, 0) and period.end == at(11, 23, 0)


def test_extension_window() -> None:
    due, today = date(2026, 11, 22), date(2026, 11, 21)
    assert extension_window(due, today, 14, by_coordinator=False) == (date(2026, 11, 23), date(2026, 12, 6))
    # Overdue already: counted from today, and never into the past.
    late = date(2026, 11, 30)
    assert extension_window(due, late, 14, by_coordinator=False) == (late, late + timedelta(days=14))
    assert extension_window(due, today, 14, by_coordinator=True)[1] == today + timedelta(days=366)


def test_reminder_callbacks_fit_and_refuse_forgeries() -> None:
    for action in ReminderButton:
        data = ReminderCallback(action=action, wish_id=10**12 - 1).pack()
        assert len(data.encode()) <= 64 and ReminderCallback.unpack(data) is not None
    assert ExtendCallback.unpack(ExtendCallback(wish_id=5, day="20261125").pack()) is not None
    for forged in ("m1:zz:5", "m1:mt:0", "x1:5:2026-11-25", "x1:5:2026112", "x1:0:20261125"):
        assert ReminderCallback.unpack(forged) is None and ExtendCallback.unpack(forged) is None


async def test_group_nudge_and_reminders_carry_no_personal_data(services: Services) -> None:
    p = await people(services)
    await bind_group(services, None)
    wish = await claimed(services, p, due=date(2026, 11, 22))
    for rendered in (
        nudge_card([wish], "zh", 3),
        overdue_card([wish], "en", date(2026, 11, 25)),
        escalation_card(wish, "zh", date(2026, 11, 25), holder="张丽", reminders=3, unreachable=False),
    ):
        for secret in (wish.beneficiary_name, wish.beneficiary_phone, wish.beneficiary_address):
            assert secret not in rendered.text
    listing = overdue_card([wish, wish.model_copy(update={"id": 77})], "en", date(2026, 11, 25))
    trimmed = without_wish(listing, wish.id, "done")
    assert len(listing.buttons) == 2 and len(trimmed.buttons) == 1 and trimmed.text.endswith("done")


async def test_reminder_kinds_are_listed_once_and_all_else_follows(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [job.name for job in kinds.KINDS]
    assert len(set(names)) == len(names) and kinds.ALL not in names
    # Every kind of reminder row the bot records comes from exactly one pass.
    recorded = [job.kind for job in kinds.KINDS] + [k for job in kinds.KINDS for k in job.also_records]
    assert sorted(recorded) == sorted(ReminderKind)
    # Each pass is the services' own method, and the tick (and "all") runs the on-tick ones.
    assert list(passes(services)) == names
    assert all(callable(run) for run in passes(services).values())
    ticked = [job.name for job in kinds.KINDS if job.on_tick]
    assert list(await run_all(services, services.clock.now())) == ticked == list(kinds.ON_TICK)
    # `wishwall jobs run NAME`: its choices and its help.
    with pytest.raises(SystemExit):
        main(["jobs", "run", "--help"])
    shown = capsys.readouterr().out
    assert "{" + ",".join([*names, kinds.ALL]) + "}" in shown
    assert all(job.help in shown for job in kinds.KINDS)


def test_the_readme_lists_the_reminder_kinds() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"wishwall jobs run \w+ +# ([\w |]+)", readme)
    assert listed is not None and listed.group(1).split(" | ") == [*kinds.NAMES, kinds.ALL]


async def test_chart_without_a_cjk_font_uses_english_and_numbers(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(charts, "_cjk_entry", lambda: None)
    report = weekly_report()
    png, caption = report_chart.draw_chart(report, "zh")
    assert png.startswith(charts.PNG_SIGNATURE)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
    assert "#1 第一支部" in caption


def test_percent_format() -> None:
    assert [figures.format_percent(x) for x in (0.25, 1 / 3, 1.0, 0.0, 0.625)] == [
        "25%",
        "33.3%",
        "100%",
        "0%",
        "62.5%",
    ]


async def test_outbox_lease_keeps_a_row_to_one_sender(services: Services, clock: FakeClock) -> None:
    async with services.db.transaction() as conn:
        await services.outbox.enqueue(
            conn, [NewOutbox(kind=OutboxKind.MESSAGE, chat_id=5, payload=Rendered(text="x"))], clock.now()
        )
    [item] = await services.outbox.due(clock.now())
    now = clock.now()
    assert await services.outbox.lease(item, now, now + timedelta(seconds=60))
    assert not await services.outbox.lease(item, now, now + timedelta(seconds=60))  # another process
    assert await services.outbox.due(now) == []
    assert await services.outbox.next_not_before() == now + timedelta(seconds=60)  # no busy polling
    later = now + timedelta(seconds=61)  # the holder crashed: the row is free again
    assert [i.id for i in await services.outbox.due(later)] == [item.id]
    assert await services.outbox.lease(item, later, later + timedelta(seconds=60))


async def test_the_tick_is_registered_at_start_up_with_a_generous_grace_time(
    tmp_path: Path, clock: FakeClock, api: FakeTelegram
) -> None:
    settings = fast_settings(tmp_path, job_tick_seconds=300)
    async with running(settings, clock, api) as bot:
        [job] = bot.app.job_queue.get_jobs_by_name(TICK_NAME)  # type: ignore[union-attr]
        assert job.job.misfire_grace_time == MISFIRE_GRACE_SECONDS
        assert job.job.trigger.interval == timedelta(seconds=300)
        p = await people(bot.services, api)
        await bind_group(bot.services, api)
        await claimed(bot.services, p, due=date(2026, 11, 20))
        clock.set(at(11, 21, 9))
        await job.run(bot.app)  # what APScheduler calls at each tick
        await bot.driver.settle()
        assert "已逾期 1 天" in api.last_in(ALICE).text
    async with running(settings, clock, api) as bot:  # re-registered after a restart, once
        assert len(bot.app.job_queue.get_jobs_by_name(TICK_NAME)) == 1  # type: ignore[union-attr]
    async with running(fast_settings(tmp_path, job_tick_seconds=0), clock, api) as bot:
        assert bot.app.job_queue.get_jobs_by_name(TICK_NAME) == ()  # type: ignore[union-attr]


async def _overdue_world(settings: Settings, clock: FakeClock) -> None:
    services = Services.build(settings, clock)
    await services.db.open()
    try:
        p = await people(services)
        await bind_group(services, None)
        await set_community(services, quiet_start=0, quiet_end=0, reminder_hour=0)
        wish = await services.wishes.create(p.boss, draft(due=date(2020, 1, 1)), 1)
        await services.wishes.verify(p.boss, wish.id)
        await services.wishes.post(p.boss, wish.id)
        await services.wishes.claim(p.alice, wish.id)
    finally:
        await services.db.close()


async def test_jobs_run_command_queues_then_delivers_once(
    tmp_path: Path, clock: FakeClock, api: FakeTelegram
) -> None:
    settings = fast_settings(tmp_path)
    await _overdue_world(settings, clock)
    for uid in (9001, ALICE):
        api.user(uid, "x")
        api.open_private(uid)
    api.group(-100101, "g")
    clock.set(at(11, 21, 10))
    assert await run_jobs(settings, "overdue", request=api, clock=clock) == {"overdue": 1}
    assert "已逾期" in api.last_in(ALICE).text
    results = await run_jobs(settings, "all", request=api, clock=clock)
    # Not again today; last week's report (text and chart) to the group and the coordinator.
    assert {k: v for k, v in results.items() if v} == {"weekly_report": 4}
    assert set(results) == set(kinds.ON_TICK)
    assert api.last_in(-100101).photo is not None
    sent = len(api.calls_to("sendMessage")) + len(api.calls_to("sendPhoto"))
    results = await run_jobs(settings, "all", request=api, clock=clock)
    assert set(results.values()) == {0}
    # A drain that runs out of time leaves the rest queued for the bot instead of failing.
    assert await run_jobs(settings, "overdue", request=api, clock=clock, drain_timeout=0) == {"overdue": 0}
    assert len(api.calls_to("sendMessage")) + len(api.calls_to("sendPhoto")) == sent


def test_jobs_run_command_line_enqueue_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    settings = fast_settings(tmp_path)
    asyncio.run(_overdue_world(settings, FakeClock(at(11, 20, 10))))
    monkeypatch.setenv("WISHWALL_DB", settings.db)
    monkeypatch.setenv("WISHWALL_ADMINS", "9001")
    monkeypatch.delenv("WISHWALL_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    assert main(["jobs", "run", "overdue", "--enqueue-only"]) == 0  # real clock: 2020's wish is overdue
    assert "overdue: 1 message(s) queued" in capsys.readouterr().out
    assert main(["jobs", "run", "overdue", "--enqueue-only"]) == 0
    assert "overdue: 0 message(s) queued" in capsys.readouterr().out
    assert main(["jobs", "run", "overdue"]) == 2  # delivering needs the token
    assert "WISHWALL_BOT_TOKEN" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["jobs", "run", "nonsense"])

"""The weekly report: numbers against a hand-computed history, its text, chart and delivery."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from bot.clock import FakeClock
from bot.models import Figures
from bot.reports.charts import PNG_SIGNATURE
from bot.services import Services
from bot.timing import IsoWeek
from tests.conftest import Bot
from tests.factories import draft
from tests.fakes.telegram_api import FakeTelegram
from tests.scheduling import (
    BOSS,
    GROUP_A,
    GROUP_B,
    SH,
    People,
    at,
    bind_group,
    people,
    run,
)

W46, W47 = IsoWeek(year=2026, week=46), IsoWeek(year=2026, week=47)


pytestmark = pytest.mark.passes_by_hand  # its settings: fast_settings (tests/conftest.py)


async def history(services: Services, clock: FakeClock, api: FakeTelegram | None = None) -> People:
    """Two branches, two groups, eight wishes across weeks 46 and 47 of 2026 (Mon 11-09, Mon 11-16).

    w1 A: made 11-10, claimed 11-10, delivered 11-12, fulfilled 11-13; due 11-14 (W46)
    w2 B: made 11-11, claimed 11-11 (Bob), delivered 11-17, fulfilled 11-18; due 11-15 (W46)
    w3 A: made 11-16, claimed 11-17, delivered 11-19, fulfilled 11-20; due 11-20
    w4 B: made 11-16, claimed 11-17 (Bob), never delivered; due 11-21
    w5 A: made 11-17, posted, never claimed; due 11-22
    w6 -: made 11-18, rejected; due 11-22
    w7 -: made 11-18, still pending; due 11-30
    w8 A: made 11-16, claimed 11-16, delivered 11-22 20:00, fulfilled 11-23 08:00 (after W47); due 11-22
    """
    clock.set(at(11, 9, 8))
    p = await people(services, api)
    async with services.db.transaction() as conn:
        await conn.execute("UPDATE branches SET name = '第一支部' WHERE id = 1")
        branch = await services.branches.create(conn, 1, "第二支部", clock.now())
    assert branch is not None and branch.id == 2
    async with services.db.transaction() as conn:
        await services.memberships.join(
            conn, user_id=p.bob.user_id, community_id=1, branch_id=2, phone=None, now=clock.now()
        )
    await bind_group(services, api, GROUP_A, "第一支部群", 1)
    await bind_group(services, api, GROUP_B, "第二支部群", 2)
    boss, wishes = p.boss, services.wishes
    alice, bob = p.alice, await services.directory.actor(p.bob.user_id, "en")

    async def make(when: tuple[int, int, int], due: date, chat: int | None) -> int:
        clock.set(at(*when))
        wish = await wishes.create(boss, draft(due=due), 1)
        if chat is not None:
            await wishes.verify(boss, wish.id)
            await wishes.post(boss, wish.id, [chat])
        return wish.id

    async def step(when: tuple[int, int, int], action: str, wish_id: int, actor: object = None) -> None:
        clock.set(at(*when))
        method = getattr(wishes, action)
        await method(actor or boss, wish_id)

    w1 = await make((11, 10, 10), date(2026, 11, 14), GROUP_A)
    await step((11, 10, 11), "claim", w1, alice)
    await step((11, 12, 10), "deliver", w1, alice)
    await step((11, 13, 10), "confirm", w1)
    w2 = await make((11, 11, 10), date(2026, 11, 15), GROUP_B)
    await step((11, 11, 11), "claim", w2, bob)
    w3 = await make((11, 16, 10), date(2026, 11, 20), GROUP_A)
    w4 = await make((11, 16, 11), date(2026, 11, 21), GROUP_B)
    w8 = await make((11, 16, 12), date(2026, 11, 22), GROUP_A)
    await step((11, 16, 13), "claim", w8, alice)
    w5 = await make((11, 17, 9), date(2026, 11, 22), GROUP_A)
    await step((11, 17, 10), "claim", w3, alice)
    await step((11, 17, 11), "claim", w4, bob)
    await step((11, 17, 12), "deliver", w2, bob)
    await step((11, 18, 10), "confirm", w2)
    w6 = await make((11, 18, 11), date(2026, 11, 22), None)
    clock.set(at(11, 18, 12))
    await wishes.reject(boss, w6, "重复登记")
    await make((11, 18, 13), date(2026, 11, 30), None)  # w7
    await step((11, 19, 10), "deliver", w3, alice)
    await step((11, 20, 10), "confirm", w3)
    await step((11, 22, 20), "deliver", w8, alice)
    await step((11, 23, 8), "confirm", w8)
    del w5
    return p


async def test_week_figures_match_the_hand_computed_history(services: Services, clock: FakeClock) -> None:
    await history(services, clock)
    w47 = await services.stats.by_branch(1, W47.period(SH))
    assert w47[1] == Figures(
        branch_id=1, collected=3, verified=3, posted=3, claimed=2, delivered=2, fulfilled=1,
        due=3, due_fulfilled=1, overdue=0,
    )  # fmt: skip
    assert w47[2] == Figures(
        branch_id=2, collected=1, verified=1, posted=1, claimed=1, delivered=1, fulfilled=1,
        due=1, due_fulfilled=0, overdue=1,
    )  # fmt: skip
    assert w47[None] == Figures(branch_id=None, collected=2)
    total = await services.stats.totals(1, W47.period(SH))
    assert total == Figures(
        collected=6,
        verified=4,
        posted=4,
        claimed=3,
        delivered=3,
        fulfilled=2,
        due=4,
        due_fulfilled=1,
        overdue=1,
    )
    assert total.completion_rate == 0.25
    w46 = await services.stats.totals(1, W46.period(SH))
    assert w46 == Figures(
        collected=2,
        verified=2,
        posted=2,
        claimed=2,
        delivered=1,
        fulfilled=1,
        due=2,
        due_fulfilled=1,
        overdue=1,
    )
    assert w46.completion_rate == 0.5


async def test_report_text_states_numbers_formula_branches_and_change(
    services: Services, clock: FakeClock
) -> None:
    await history(services, clock)
    community = await services.communities.get(1)
    assert community is not None
    report = await services.reports.build(community, W47)
    assert report.history[-2:] == [("2026-W46", 0.5), ("2026-W47", 0.25)]
    assert [rate for _, rate in report.history[:-2]] == [None] * 6
    out = await services.reports.output(report, "zh")
    text = out.text
    assert "2026-W47（2026-11-16 至 2026-11-22）" in text
    assert "征集 6（+4） · 核查 4（+2） · 发布 4（+2） · 认领 3（+1） · 送达 3（+2） · 圆梦 2（+1）" in text
    assert "完成率：25%（1/4）；上周 50%（-25 个百分点）" in text
    assert "周末仍逾期：1（±0）" in text
    assert "完成率 = 到期日在本周的心愿中，周日 24 点前已圆梦的数量 ÷ 到期日在本周的心愿数" in text
    assert "• 第一支部：3 · 1 · 33.3% · 0" in text
    assert "• 第二支部：1 · 0 · 0% · 1" in text
    assert "尚未发布" not in text  # unposted wishes get a row only when some were due
    english = (await services.reports.output(report, "en")).text
    assert "Completion rate: 25% (1/4); last week 50% (-25 points)" in english
    assert "Completion rate = wishes due this week that were fulfilled by Sunday midnight" in english
    # The chart is a real PNG.
    assert out.chart.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(out.chart)) as image:
        image.load()
        assert image.format == "PNG" and image.size[0] >= 400 and image.size[1] >= 300


async def test_weekly_report_goes_to_groups_and_coordinators_once(bot: Bot, clock: FakeClock) -> None:
    api, s = bot.api, bot.services
    await history(s, clock, api)
    await bot.driver.settle()
    before = {chat: len(api.messages_in(chat)) for chat in (GROUP_A, GROUP_B, BOSS)}

    # Before 09:00 the latest report moment is last Monday's: W46's report, never sent (no pass
    # ran in this history), is caught up once.
    assert await run(bot, clock, "weekly_report", at(11, 23, 8, 59)) == 6
    assert "2026-W46" in api.messages_in(BOSS)[before[BOSS]].text
    before = {chat: len(api.messages_in(chat)) for chat in (GROUP_A, GROUP_B, BOSS)}
    assert await run(bot, clock, "weekly_report", at(11, 23, 9, 0)) == 6  # text + chart, three chats
    for chat in (GROUP_A, GROUP_B, BOSS):
        new = api.messages_in(chat)[before[chat] :]
        assert len(new) == 2, chat
        assert "2026-W47" in new[0].text and "25%（1/4）" in new[0].text
        assert new[1].photo is not None and "2026-W47" in (new[1].caption or "")
    uploads = [c.uploads["photo"].content for c in api.calls_to("sendPhoto") if "photo" in c.uploads]
    # Chats sent in parallel may each upload; later sends reuse Telegram's file_id.
    assert uploads and all(u.startswith(PNG_SIGNATURE) for u in uploads)
    with Image.open(io.BytesIO(uploads[-1])) as image:
        assert image.format == "PNG"
    # Personal data never reaches the groups through the report.
    assert "王秀英" not in "\n".join(api.everything_shown_in(GROUP_A))

    for when in (at(11, 23, 9, 5), at(11, 25, 12), at(11, 29, 20)):
        assert await run(bot, clock, "weekly_report", when) == 0
    # Next Monday, W48; the coordinator's copy also lists w1, fulfilled 11-13 and not followed up.
    assert await run(bot, clock, "weekly_report", at(11, 30, 9)) == 7


async def test_weekly_report_catches_up_a_missed_week_once(bot: Bot, clock: FakeClock) -> None:
    api, s = bot.api, bot.services
    await history(s, clock, api)
    # Down all Monday; back on Wednesday afternoon: last week's report goes out then, once.
    assert await run(bot, clock, "weekly_report", at(11, 25, 15)) == 6
    assert await run(bot, clock, "weekly_report", at(11, 26, 15)) == 0


async def test_report_command_on_demand_for_any_finished_week(bot: Bot, clock: FakeClock) -> None:
    api, s, d = bot.api, bot.services, bot.driver
    await history(s, clock, api)
    await d.settle()  # the notices the history caused go out first
    clock.set(at(11, 24, 10))
    boss = api.user(BOSS, "Li")
    await d.send(boss, "/report")
    text, chart = api.messages_in(BOSS)[-2:]
    assert "2026-W47" in text.text and "25%（1/4）" in text.text
    assert chart.photo is not None
    await d.send(boss, "/report 2026-w46")
    assert "2026-W46" in api.messages_in(BOSS)[-2].text and "50%（1/2）" in api.messages_in(BOSS)[-2].text
    await d.send(boss, "/report 2026-W48")
    assert "还没有结束" in api.last_in(BOSS).text and "2026-11-30" in api.last_in(BOSS).text
    for bad in ("/report banana", "/report 2026-W54", "/report 47"):
        await d.send(boss, bad)
        assert "2026-W47（年份-W周数）" in api.last_in(BOSS).text, bad
    # Coordinators only; in a bound group it answers in the group.
    alice = api.user(1, "Alice")
    await d.send(alice, "/report")
    assert "只有社区工作人员" in api.last_in(1).text
    await d.send(boss, "/report", chat=api.chat(GROUP_A))
    assert api.last_in(GROUP_A).photo is not None
    assert "2026-W47" in api.messages_in(GROUP_A)[-2].text

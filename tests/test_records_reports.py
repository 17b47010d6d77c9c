"""Every figure, from the query module to /stats, /export, /myrecord and /branchreport (through
the fake Bot API and the CLI), checked against the hand-computed history in records_history."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.clock import FakeClock
from bot.reports import figures
from bot.services import Services
from bot.settings import Settings
from storage.stats import Period, Scope
from tests import records_history as H
from tests.conftest import Bot
from tests.factories import COORDINATOR
from tests.factories import run_cli as _cli
from tests.fakes.telegram_api import StoredMessage

E = H.EXPECTED
YEAR = Period(start=date(2026, 1, 1), end=date(2027, 1, 1))
NOVEMBER = Period(start=date(2026, 11, 1), end=date(2026, 12, 1))
H2 = (date(2026, 7, 1), date(2027, 1, 1))
H1 = (date(2026, 1, 1), date(2026, 7, 1))


@pytest.fixture
async def history(services: Services, clock: FakeClock) -> dict[int, int]:
    ids = await H.build(services, clock)
    assert ids == {n: n for n in range(1, 13)}
    return ids


# --- the query module itself --------------------------------------------------------------------


async def test_snapshot_and_period_figures_match_the_hand_count(services: Services, history: object) -> None:
    stats = services.stats
    now = await stats.snapshot(Scope(community_id=1), date(2026, 11, 20))
    assert (now.pending, now.verified, now.open, now.claimed, now.delivered, now.overdue) == (
        E.pending,
        E.verified,
        E.open,
        E.claimed,
        E.delivered,
        E.overdue,
    )
    year = await stats.figures(Scope(community_id=1), YEAR, H.NOW)
    assert (year.collected, year.claimed, year.fulfilled, year.fulfilled_value_fen) == (
        E.year_collected,
        E.year_claimed,
        E.year_fulfilled,
        E.year_value_fen,
    )
    assert (year.due, year.due_fulfilled) == (E.year_due, E.year_due_fulfilled)
    assert figures.percent(year.due_fulfilled, year.due) == E.year_rate
    month = await stats.figures(Scope(community_id=1), NOVEMBER, H.NOW)
    assert (month.collected, month.fulfilled, month.due, month.due_fulfilled) == (
        E.month_collected,
        E.month_fulfilled,
        E.month_due,
        E.month_due_fulfilled,
    )


async def test_completion_counts_fulfilment_only_up_to_the_end_of_the_period(
    services: Services, history: object
) -> None:
    # Wish 2 was due on 02-28 and fulfilled on 03-06: February's rate stays 0/1 for ever.
    february = Period(start=date(2026, 2, 1), end=date(2026, 3, 1))
    figs = await services.stats.figures(Scope(community_id=1), february, H.NOW)
    assert (figs.due, figs.due_fulfilled) == (1, 0)
    # A period not yet over counts what is fulfilled by now.
    december = Period(start=date(2026, 12, 1), end=date(2027, 1, 1))
    figs = await services.stats.figures(Scope(community_id=1), december, H.NOW)
    assert (figs.due, figs.due_fulfilled) == (2, 0)  # wishes 6 and 7


async def test_a_wish_created_early_on_new_years_day_counts_in_the_new_year(
    services: Services, history: object
) -> None:
    # Wish 1 was created 2026-01-01 07:30 in Shanghai, which is still 2025 in UTC.
    january = Period(start=date(2026, 1, 1), end=date(2026, 2, 1))
    figs = await services.stats.figures(Scope(community_id=1), january, H.NOW)
    assert figs.collected == 1 and figs.fulfilled == 2  # wishes 1 and 10


async def test_branch_and_member_scopes(services: Services, history: object) -> None:
    stats = services.stats
    first = await stats.figures(Scope(community_id=1, branch_id=1), YEAR, H.NOW)
    second = await stats.figures(Scope(community_id=1, branch_id=2), YEAR, H.NOW)
    assert (first.collected, first.claimed, first.fulfilled, first.fulfilled_value_fen, first.due) == (
        4,
        3,
        3,
        45000,
        4,
    )
    assert first.due_fulfilled == 2
    assert (second.collected, second.claimed, second.fulfilled, second.due, second.due_fulfilled) == (
        3,
        3,
        2,
        3,
        2,
    )
    wang = await stats.figures(Scope(community_id=1, user_id=H.WANG), YEAR, H.NOW)
    assert (wang.claimed, wang.fulfilled) == (3, 2)
    wang_now = await stats.snapshot(Scope(community_id=1, user_id=H.WANG), date(2026, 11, 20))
    assert (wang_now.held, wang_now.overdue) == (1, 1)
    top = await stats.top_categories(Scope(community_id=1), YEAR)
    assert [(c.category.value, c.count) for c in top] == [
        ("elderly_alone", 4),
        ("left_behind_child", 2),
        ("disabled", 1),
    ]


async def test_service_records_agree_with_the_query_module(services: Services, history: object) -> None:
    records = services.records
    wang = await records.member_record(1, H.WANG, H2)
    assert [line.code for line in wang.lines] == ["W-0004", "W-0011"]
    s = wang.summary
    assert (s.claimed, s.fulfilled, s.on_time, s.late, s.in_progress, s.overdue, s.value_fen) == (
        2,
        1,
        1,
        0,
        1,
        1,
        12000,
    )
    # The same numbers as the scoped figures for that member and period.
    scoped = await services.stats.figures(
        Scope(community_id=1, user_id=H.WANG), records.period(await records.community(1), H2), H.NOW
    )
    assert (scoped.claimed, scoped.fulfilled, scoped.fulfilled_value_fen) == (
        s.claimed,
        s.fulfilled,
        s.value_fen,
    )
    zhang = await records.member_record(1, H.ZHANG, H1)
    assert [(ln.code, ln.on_time, ln.days_late) for ln in zhang.lines] == [
        ("W-0001", True, 0),
        ("W-0002", False, 5),
    ]
    assert zhang.summary.value_fen == 35000
    li = await records.member_record(1, H.LI, (date(2026, 1, 1), date(2027, 1, 1)))
    assert [ln.code for ln in li.lines] == ["W-0010", "W-0005"]  # in claim order
    assert (li.summary.claimed, li.summary.fulfilled, li.summary.late, li.summary.in_progress) == (1, 1, 1, 1)


# --- /stats -------------------------------------------------------------------------------------


async def test_stats_for_a_coordinator_and_for_a_member(history: object, bot: Bot) -> None:
    boss = bot.api.user(COORDINATOR, "Li")
    await bot.driver.send(boss, "/stats")
    text = bot.driver.last_private(boss).text or ""
    assert "待核查 1 · 待发布 1 · 待认领 1 · 已认领 1 · 待确认 1 · 逾期 1" in text
    assert "征集：本月 3 个 · 今年 11 个" in text
    assert "圆梦：本月 1 个 · 今年 5 个（价值约 570 元）" in text
    assert "今年完成率：44%（4/9）· 本月：33%（1/3）" in text
    assert "独居老人 4 · 留守儿童 2 · 残疾人 1" in text
    assert "完成率 = " in text  # the formula, stated once
    assert "你：" not in text  # the coordinator holds nothing and is not a registered member here
    wang = bot.api.user(H.WANG, "Fang", language_code="en")
    await bot.driver.send(wang, "/stats")
    text = bot.driver.last_private(wang).text or ""
    assert "Completion rate this year: 44% (4/9) · this month: 33% (1/3)" in text
    assert "You: holding 1 (overdue 1) · fulfilled this year 2" in text


async def test_stats_needs_registration(history: object, bot: Bot) -> None:
    stranger = bot.api.user(555, "Nobody")
    await bot.driver.send(stranger, "/stats")
    assert "/start" in (bot.driver.last_private(stranger).text or "")


# --- /export ------------------------------------------------------------------------------------


def _workbook(message: StoredMessage, bot: Bot) -> Any:
    assert message.document is not None
    content = bot.api.file_content(message.document.file_id)
    return load_workbook(io.BytesIO(content))


def _rows(sheet: Any) -> list[list[Any]]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def _day(value: Any) -> date | None:
    return value.date() if isinstance(value, datetime) else value


async def test_export_claim_sheet_cells_and_summary(history: object, bot: Bot) -> None:
    boss = bot.api.user(COORDINATOR, "Li")
    await bot.driver.send(boss, "/export")
    message = bot.driver.last_private(boss)
    assert message.document is not None
    assert message.document.file_name == "wishwall-claims-2026-01-01_2026-12-31.xlsx"
    assert "11 个心愿" in (message.text or "")
    book = _workbook(message, bot)
    assert book.sheetnames == ["征集认领统计表", "汇总"]
    rows = _rows(book["征集认领统计表"])
    header = rows[0]
    assert header == [
        "编号",
        "类别",
        "心愿内容",
        "价值（元）",
        "截止日期",
        "受助人姓名",
        "联系电话",
        "住址",
        "备注",
        "来源",
        "征集人",
        "征集日期",
        "核查人",
        "核查日期",
        "发布日期",
        "支部",
        "认领人",
        "认领日期",
        "送达日期",
        "圆梦日期",
        "状态",
        "逾期天数",
        "服务时长（小时/人）",
        "积分（每人）",
        "回访日期",
        "回访结果",
        "回访人",
        "回访记录",
    ]
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert sorted(by_code) == [f"W-{n:04d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12)]
    first = by_code["W-0001"]
    assert first["类别"] == "独居老人" and first["心愿内容"] == "心愿1" and first["价值（元）"] == 200
    assert _day(first["截止日期"]) == date(2026, 1, 31)
    assert (first["受助人姓名"], first["联系电话"], first["住址"]) == (
        "王秀英",
        "13812345678",
        "幸福路 8 号 3 单元 502 室",
    )
    assert first["征集人"] == "李主任" and _day(first["征集日期"]) == date(2026, 1, 1)
    assert first["核查人"] == "李主任" and _day(first["核查日期"]) == date(2026, 1, 2)
    assert _day(first["发布日期"]) == date(2026, 1, 3) and first["支部"] == H.BRANCH_1
    assert first["认领人"] == "张丽" and _day(first["认领日期"]) == date(2026, 1, 4)
    assert _day(first["送达日期"]) == date(2026, 1, 20) and _day(first["圆梦日期"]) == date(2026, 1, 21)
    assert first["状态"] == "已圆梦" and first["逾期天数"] == 0
    # Delivered with the community's default hours, on time: 10 points and 5 more.
    assert (first["服务时长（小时/人）"], first["积分（每人）"]) == (2, 15)
    assert (by_code["W-0002"]["积分（每人）"], by_code["W-0005"]["积分（每人）"]) == (10, None)
    assert by_code["W-0005"]["服务时长（小时/人）"] == 2 and by_code["W-0004"]["服务时长（小时/人）"] is None
    assert by_code["W-0002"]["逾期天数"] == 5
    assert by_code["W-0004"]["逾期天数"] == 10 and by_code["W-0004"]["状态"] == "已认领"
    assert by_code["W-0012"]["逾期天数"] == 51 and by_code["W-0012"]["发布日期"] is None
    assert by_code["W-0008"]["逾期天数"] is None and by_code["W-0008"]["状态"] == "未通过核查"
    assert by_code["W-0003"]["价值（元）"] is None and by_code["W-0003"]["支部"] == H.BRANCH_2

    summary = _rows(book["汇总"])
    assert summary[0] == ["汇总 · 2026-01-01 至 2026-12-31", *[None] * 7]
    labels = {r[0]: r[1:8] for r in summary if r and r[0]}
    # collected, claimed, fulfilled, value, due, due and fulfilled, rate
    assert labels[H.BRANCH_1] == [4, 3, 3, 450, 4, 2, "50%"]
    assert labels[H.BRANCH_2] == [3, 3, 2, 120, 3, 2, "67%"]
    assert labels["（未发布）"] == [4, 0, 0, 0, 2, 0, "0%"]
    assert labels["合计"] == [11, 6, 5, 570, 9, 4, "44%"]
    assert labels["2026-01"] == [1, 1, 2, 300, 1, 1, "100%"]
    assert labels["2026-02"] == [1, 1, 0, 0, 1, 0, "0%"]
    assert labels["2026-11"] == [3, 1, 1, 120, 3, 1, "33%"]
    assert any(str(r[0]).startswith("完成率 = ") for r in summary if r and r[0])
    # The collected total is the number of rows on the first sheet.
    assert labels["合计"][0] == len(rows) - 1


async def test_public_export_holds_no_personal_data_anywhere(history: object, bot: Bot) -> None:
    boss = bot.api.user(COORDINATOR, "Li", language_code="en")
    await bot.driver.send(boss, "/export public")
    message = bot.driver.last_private(boss)
    assert message.document is not None and message.document.file_name.endswith("-public.xlsx")
    book = _workbook(message, bot)
    everything = [
        str(cell) for sheet in book.worksheets for row in _rows(sheet) for cell in row if cell is not None
    ]
    assert "Code" in everything and "Claimed by" in everything
    for secret in H.SECRETS:
        assert not [cell for cell in everything if secret in cell], secret
    header = _rows(book.worksheets[0])[0]
    assert "Beneficiary" not in header and "Phone" not in header and "Address" not in header
    # The audit trail says who exported what.
    exports = await bot.services.events.by_action("export")
    assert [(e.actor_id, e.details["public"]) for e in exports] == [(COORDINATOR, True)]


async def test_export_for_a_period_and_refusals(history: object, bot: Bot) -> None:
    boss = bot.api.user(COORDINATOR, "Li")
    await bot.driver.send(boss, "/export 2026-01-01 2026-06-30")
    book = _workbook(bot.driver.last_private(boss), bot)
    codes = [r[0] for r in _rows(book.worksheets[0])[1:]]
    # In the order they were collected (9 on 05-01 before 8 on 06-01), as the paper sheet was.
    assert codes == ["W-0001", "W-0002", "W-0003", "W-0009", "W-0008"]
    months = [r[0] for r in _rows(book["汇总"]) if r and str(r[0]).startswith("2026-")]
    assert months == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    await bot.driver.send(boss, "/export next-tuesday")
    assert "时间段看不懂" in (bot.driver.last_private(boss).text or "")
    member = bot.api.user(H.ZHANG, "Zhang")
    await bot.driver.send(member, "/export")
    assert "只有社区工作人员" in (bot.driver.last_private(member).text or "")


async def test_cli_export_xlsx_and_csv(
    history: object, services: Services, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    await services.db.close()  # the CLI opens the database itself (asyncio.run in a worker thread)
    import asyncio

    out = tmp_path / "sheet.xlsx"
    code = await asyncio.to_thread(
        _cli, settings, clock, "export", "--community", "幸福社区", "--out", str(out)
    )
    assert code == 0
    book = load_workbook(out)
    rows = _rows(book.worksheets[0])
    assert len(rows) == 1 + E.year_collected
    assert rows[1][5] == "王秀英"
    labels = {r[0]: r[1:8] for r in _rows(book.worksheets[1]) if r and r[0]}
    assert labels["合计"] == [11, 6, 5, 570, 9, 4, "44%"]

    out_csv = tmp_path / "sheet.csv"
    code = await asyncio.to_thread(
        _cli,
        settings,
        clock,
        "export",
        "--community",
        "1",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--public",
        "--lang",
        "en",
        "--out",
        str(out_csv),
    )
    assert code == 0
    raw = out_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, for Excel
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][:3] == ["Code", "Category", "Wish"]
    assert [r[0] for r in table[1:]] == ["W-0011", "W-0006", "W-0007"]  # collected 11-01, 11-02, 11-05
    assert not any(secret in raw.decode("utf-8-sig") for secret in H.SECRETS)
    assert (
        await asyncio.to_thread(_cli, settings, clock, "export", "--community", "nowhere", "--out", str(out))
        == 1
    )
    assert await asyncio.to_thread(_cli, settings, clock, "export", "--community", "1", "--out", "x.pdf") == 2


# --- /myrecord and /branchreport -----------------------------------------------------------------


async def test_myrecord_text_forwardable_summary_and_xlsx(history: object, bot: Bot) -> None:
    wang = bot.api.user(H.WANG, "Fang")
    await bot.driver.send(wang, "/myrecord xlsx")
    messages = bot.driver.private(wang)
    record, hint, forward, sheet = messages[-4:]
    assert "王芳 的服务记录 · 2026-07-01 至 2026-12-31" in (record.text or "")
    assert "认领 2 个 · 圆梦 1 个（按时 1，逾期 0）· 进行中 1 个（逾期未送达 1）· 圆梦价值约 120 元" in (
        record.text or ""
    )
    assert "W-0004 心愿4（残疾人 · 周**）截止 2026-11-10" in (record.text or "")
    assert "已逾期 10 天" in (record.text or "")
    assert "转发" in (hint.text or "")
    text = forward.text or ""
    assert text.startswith("王芳（幸福社区 · 第二支部）2026-07-01 至 2026-12-31 微心愿志愿服务情况")
    assert "认领心愿 2 个，圆梦 1 个（按时 1 个，逾期 0 个），进行中 1 个" in text
    for secret in H.SECRETS:
        assert secret not in text  # forwarded to the branch: nobody is named
    assert sheet.document is not None
    book = _workbook(sheet, bot)
    rows = _rows(book.worksheets[0])
    assert rows[0][0] == "王芳 微心愿服务记录"
    summary_header = next(i for i, r in enumerate(rows) if r[0] == "姓名")
    assert rows[summary_header + 1] == ["王芳", 2, 1, 1, 0, 1, 1, 120, 2, 15, None, None, None]
    codes = [r[0] for r in rows if r[0] and str(r[0]).startswith("W-")]
    assert codes == ["W-0004", "W-0011"]


async def test_myrecord_for_a_past_half_year_and_an_empty_one(history: object, bot: Bot) -> None:
    zhang = bot.api.user(H.ZHANG, "Zhang", language_code="en")
    await bot.driver.send(zhang, "/myrecord 2026H1")
    text = "\n".join(m.text or "" for m in bot.driver.private(zhang)[-3:])
    assert "Claimed 2 · fulfilled 2 (on time 1, late 1)" in text
    assert "5 days late" in text and "on time" in text
    await bot.driver.send(zhang, "/myrecord")
    assert "No wishes held in this period." in (bot.driver.last_private(zhang).text or "")


async def test_branchreport_with_buttons_and_by_name(history: object, bot: Bot) -> None:
    boss = bot.api.user(COORDINATOR, "Li")
    await bot.driver.send(boss, "/branchreport 2026")
    choose = bot.driver.last_private(boss)
    assert choose.button_labels == [H.BRANCH_1, H.BRANCH_2]
    await bot.driver.tap(boss, choose, H.BRANCH_1)
    messages = bot.driver.private(boss)
    text, sheet = messages[-2], messages[-1]
    body = text.text or ""
    assert "第一支部 · 服务报告 · 2026-01-01 至 2026-12-31" in body
    assert "张丽：认领 2 · 圆梦 2（按时 1，逾期 1）· 进行中 0" in body
    assert "李强：认领 1 · 圆梦 1（按时 0，逾期 1）· 进行中 1" in body
    assert (
        "合计： 认领 3 个 · 圆梦 3 个（按时 1，逾期 2）· 进行中 1 个（逾期未送达 0）· 圆梦价值约 450 元"
        in body
    )
    book = _workbook(sheet, bot)
    summary = _rows(book.worksheets[0])
    assert ["张丽", 2, 2, 1, 1, 0, 0, 350, 4, 25] in summary  # hours and points: one on time, one late
    assert ["合计", 3, 3, 1, 2, 1, 0, 450, 6, 35] in summary
    details = _rows(book.worksheets[1])
    assert [r[1] for r in details[1:]] == ["W-0001", "W-0002", "W-0010", "W-0005"]
    assert not any(secret in str(cell) for row in details for cell in row for secret in H.SECRETS)

    await bot.driver.send(boss, "/branchreport 第二支部")
    body = "\n".join(m.text or "" for m in bot.driver.private(boss)[-2:])
    assert "王芳：认领 2 · 圆梦 1（按时 1，逾期 0）· 进行中 1" in body  # the default: this half year
    await bot.driver.send(boss, "/branchreport 第九支部")
    assert "找不到支部" in (bot.driver.last_private(boss).text or "")


async def test_records_commands_follow_the_command_rules(history: object, bot: Bot) -> None:
    zhang = bot.api.user(H.ZHANG, "Zhang")
    for command in ("/branchreport", "/forget W-0001", "/template", "/import"):
        await bot.driver.send(zhang, command)
        assert "只有社区工作人员" in (bot.driver.last_private(zhang).text or ""), command
    group = bot.api.group(H.GROUP_1, "第一支部群")
    bot.api.bot_joined(H.GROUP_1)
    await bot.driver.send(zhang, "/myrecord", chat=group)
    assert "私聊" in (bot.api.last_in(H.GROUP_1).text or "")

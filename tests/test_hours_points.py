"""Service hours through Telegram: stated at delivery (or not: the default, no extra tap),
restated until confirmed, corrected by a coordinator's Confirm or later, refused when odd; and
the points they earn in /myrecord, /branchreport, the claim sheet and the weekly report."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from bot.models import WishStatus
from bot.reports import figures
from bot.reports.weekly import render_text
from bot.texts import t
from bot.timing import IsoWeek
from storage.stats import Period
from tests.conftest import Bot
from tests.factories import COORDINATOR
from tests.fakes.telegram_api import FakeUser, StoredMessage
from tests.test_claims_flow import claimed
from tests.test_flow import ADDRESS, NAME, PHONE


async def _events(bot: Bot, wish_id: int, *actions: str) -> list[dict[str, Any]]:
    return [e.details for e in await bot.services.events.for_wish(wish_id) if e.action in actions]


def _edited(bot: Bot, user: FakeUser, message: StoredMessage) -> StoredMessage:
    return next(m for m in bot.api.messages_in(user.id) if m.message_id == message.message_id)


async def test_accepting_the_default_costs_no_tap_and_confirm_keeps_it(bot: Bot) -> None:
    boss, alice, _, wish_id, details = await claimed(bot)
    d = bot.driver
    await d.tap(alice, details, "已送达")
    prompt = d.last_private(alice)
    assert "按社区默认记为 2 小时" in prompt.text
    assert "✓ 2 小时" in prompt.button_labels and prompt.button_labels[-1] == "跳过"
    await d.tap(alice, prompt, "跳过")  # the same one tap as before hours existed
    assert (await bot.services.wishes.get(wish_id)).status is WishStatus.DELIVERED
    reply = d.last_private(alice).text
    assert "记录服务时长 2 小时" in reply and f"/hours W-{wish_id:04d}" in reply
    assert await _events(bot, wish_id, "deliver") == [
        {"note": None, "photo": False, "hours": 2, "hours_stated": False}
    ]
    report = d.last_private(boss)
    assert "服务时长：2 小时（社区默认" in report.text
    assert report.button_labels[:2] == ["✔️ 确认圆梦", "❗ 有疑问"]
    assert "✔️ 3 小时" in report.button_labels and "✔️ 2 小时" not in report.button_labels
    await d.tap(boss, report, "确认圆梦")
    assert (await bot.services.wishes.get(wish_id)).status is WishStatus.FULFILLED
    assert "服务时长：2 小时" in _edited(bot, boss, report).text
    await d.send(alice, "/myrecord")
    record = "\n".join(m.text for m in d.private(alice)[-3:])
    # Default rules: 10 per wish and 5 for on time.
    assert "服务时长 2 小时 · 积分 15（1 个圆梦心愿）" in record
    assert "服务时长 2 小时 · 积分 15" in record


async def test_hours_stated_at_delivery_and_corrected_by_the_coordinators_confirm(bot: Bot) -> None:
    boss, alice, _, wish_id, details = await claimed(bot)
    d = bot.driver
    await d.tap(alice, details, "已送达")
    prompt = d.last_private(alice)
    answer = await d.tap(alice, prompt, "3 小时")
    assert answer is not None and "3 小时" in (answer.text or "")
    prompt = _edited(bot, alice, prompt)
    assert "记为 3 小时" in prompt.text and "✓ 3 小时" in prompt.button_labels
    await d.send(alice, "老人很满意")
    assert "记录服务时长 3 小时" in d.last_private(alice).text
    assert (await _events(bot, wish_id, "deliver"))[0]["hours"] == 3
    report = d.last_private(boss)
    assert "服务时长：3 小时（志愿者填报）" in report.text and "老人很满意" in report.text
    answer = await d.tap(boss, report, "✔️ 4 小时")
    assert answer is not None and "4 小时" in (answer.text or "")
    assert (await bot.services.wishes.get(wish_id)).status is WishStatus.FULFILLED
    assert await _events(bot, wish_id, "confirm") == [{"hours": 4, "corrected": True}]
    thanks = d.last_private(alice).text
    assert "已确认圆梦" in thanks and "社区工作人员确认的服务时长：4 小时" in thanks
    await d.send(alice, "/myrecord")
    # 4 hours; 15 points (per hour is 0 by default).
    assert any("服务时长 4 小时 · 积分 15" in m.text for m in d.private(alice)[-3:])


async def test_hours_restated_before_confirmation_and_corrected_after(bot: Bot) -> None:
    boss, alice, _, wish_id, details = await claimed(bot)
    d, code = bot.driver, f"W-{wish_id:04d}"
    await d.send(alice, f"/hours {code} 2")  # not delivered yet
    assert "不能这样操作" in d.last_private(alice).text
    await d.tap(alice, details, "已送达")
    await d.tap(alice, d.last_private(alice), "跳过")
    await d.send(alice, f"/hours {code} 1.5")
    assert d.last_private(alice).text == t("zh", "hp.hours_recorded", code=code, hours="1.5")
    notice = d.last_private(boss)
    assert "张丽 将" in notice.text and "1.5 小时" in notice.text and "确认圆梦" in notice.button_labels[0]
    await d.tap(boss, notice, "确认圆梦")  # Confirm keeps what the member said last
    assert (await bot.services.wishes.get(wish_id)).status is WishStatus.FULFILLED
    await d.send(alice, f"/hours {code} 5")  # confirmed: members no longer change it
    assert "不能这样操作" in d.last_private(alice).text
    await d.send(boss, f"/hours {code} 5")
    assert d.last_private(boss).text == t("zh", "hp.hours_recorded", code=code, hours="5")
    assert "社区工作人员将" in d.last_private(alice).text and "5 小时" in d.last_private(alice).text
    carried = await _events(bot, wish_id, "deliver", "hours", "confirm")
    assert [e.get("hours") for e in carried] == [2, 1.5, None, 5]  # a plain Confirm carries none
    await d.send(alice, "/myrecord")
    assert any("服务时长 5 小时 · 积分 15" in m.text for m in d.private(alice)[-3:])


async def test_a_member_taps_other_hours_after_reporting(bot: Bot) -> None:
    boss, alice, _, wish_id, details = await claimed(bot)
    d = bot.driver
    await d.tap(alice, details, "已送达")
    prompt = d.last_private(alice)
    await d.tap(alice, prompt, "跳过")
    # The old prompt's buttons still work, now as a statement about the reported delivery.
    answer = await d.tap(alice, prompt, "6 小时")
    assert answer is not None and "6 小时" in (answer.text or "")
    assert "✓ 6 小时" in _edited(bot, alice, prompt).button_labels
    assert (await _events(bot, wish_id, "hours")) == [{"hours": 6, "by": "holder"}]
    assert "6 小时" in d.last_private(boss).text


async def test_bad_hours_get_a_short_answer_and_change_nothing(bot: Bot) -> None:
    _boss, alice, _, wish_id, details = await claimed(bot)
    d, code = bot.driver, f"W-{wish_id:04d}"
    await d.tap(alice, details, "已送达")
    await d.tap(alice, d.last_private(alice), "跳过")
    before = await bot.services.events.for_wish(wish_id)
    for bad in ("-1", "25", "abc", "1.25", "99999999999999999999", "²", "2小时半"):
        await d.send(alice, f"/hours {code} {bad}")
        assert d.last_private(alice).text == t("zh", "hp.bad_hours", max=24), bad
    for usage in ("/hours", f"/hours {code}", "/hours 3", f"/hours {code} 2 3"):
        await d.send(alice, usage)
        assert d.last_private(alice).text == t("zh", "hp.usage_hours", example="W-0042"), usage
    # Forged buttons: out of range, another's wish, a member's confirm.
    for data in (f"h1:m:{wish_id}:241", f"h1:m:{wish_id}:-5", "h1:m:999999:20", f"h1:c:{wish_id}:30"):
        answer = await d.tap(alice, d.last_private(alice), data=data)
        assert answer is not None and answer.show_alert, data
    stranger = bot.api.user(77, "Stranger")
    await d.send(stranger, f"/hours {code} 2")
    assert "/start" in d.last_private(stranger).text
    after = await bot.services.events.for_wish(wish_id)
    # Only refusals were added (they are audited); no hours.
    assert [e for e in after if not e.action.startswith("refused.")] == before
    assert {e.action for e in after[len(before) :]} == {"refused.confirm"}
    assert (await bot.services.wishes.get(wish_id)).status is WishStatus.DELIVERED


async def test_the_community_sets_its_rules_and_hours_default(bot: Bot) -> None:
    boss, alice, _, _wish_id, details = await claimed(bot)
    d = bot.driver
    for line in ("/set hours_default 3", "/set points_per_wish 20", "/set points_on_time_bonus 0",
                 "/set points_per_hour 2", "/set points_joint shared"):  # fmt: skip
        await d.send(boss, line)
        assert "已将" in d.last_private(boss).text, line
    await d.send(boss, "/set hours_default 2.5")
    assert d.last_private(boss).text == t("zh", "org.setting_range", key="hours_default", low=0, high=24)
    await d.send(boss, "/settings")
    shown = d.last_private(boss).text
    assert "hours_default = 3" in shown and "points_joint = 1" in shown and "每服务 1 小时的积分" in shown
    await d.send(boss, "/points")
    rules = d.last_private(boss).text
    assert (
        "每个圆梦心愿 20 分" in rules and "每服务 1 小时 2 分" in rules and "每位参与者各得全部积分" in rules
    )
    assert "默认记录的服务时长：3 小时" in rules
    await d.tap(alice, details, "已送达")
    assert "按社区默认记为 3 小时" in d.last_private(alice).text
    await d.tap(alice, d.last_private(alice), "跳过")
    await d.tap(boss, d.last_private(boss), "确认圆梦")
    await d.send(alice, "/myrecord")
    assert any("服务时长 3 小时 · 积分 26" in m.text for m in d.private(alice)[-3:])  # 20 + 2 × 3


async def test_branch_report_claim_sheet_and_weekly_report_show_hours_and_points(bot: Bot) -> None:
    boss, alice, _, _wish_id, details = await claimed(bot)
    d, services = bot.driver, bot.services
    await d.tap(alice, details, "已送达")
    await d.tap(alice, d.last_private(alice), "4 小时")
    await d.tap(alice, d.last_private(alice), "跳过")
    await d.tap(boss, d.last_private(boss), "确认圆梦")

    await d.send(boss, "/branchreport")
    texts = [m.text or "" for m in d.private(boss)[-3:]]
    assert any("张丽：" in x and " · 4 小时 · 15 分" in x for x in texts)
    assert any("服务时长 4 小时 · 积分 15（1 个圆梦心愿）" in x for x in texts)
    sheet = d.last_private(boss)
    assert sheet.document is not None
    book = load_workbook(io.BytesIO(bot.api.file_content(sheet.document.file_id)))
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[0] == "姓名")
    line = next(r for r in rows if r and r[0] == "张丽")
    assert dict(zip(header, line, strict=False))["服务时长（小时）"] == 4
    assert dict(zip(header, line, strict=False))["积分"] == 15

    await d.send(boss, "/export")
    message = d.last_private(boss)
    assert message.document is not None
    book = load_workbook(io.BytesIO(bot.api.file_content(message.document.file_id)))
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert (cells["服务时长（小时/人）"], cells["积分（每人）"]) == (4, 15)
    for secret in (NAME, PHONE, ADDRESS):  # the public sheet keeps hours and points, no one's data
        assert secret not in str(rows[0])

    community = await services.communities.get(1)
    assert community is not None
    report = await services.reports.build(community, IsoWeek.of(services.clock.now().date()))
    assert report.service is not None and report.service.hours_tenths == 40
    text = render_text(report, "zh")
    assert "志愿服务：4 小时 · 积分 15（本周圆梦的 1 个心愿）" in text


async def test_wall_delivery_takes_hours_and_refuses_odd_ones(bot: Bot) -> None:
    import aiohttp

    from tests.wall_client import wall

    boss, alice, _, wish_id, _details = await claimed(bot)
    path = f"/wall/api/wishes/{wish_id}/deliver"
    async with wall(bot.app) as w:
        for bad in ("-2", "30", "a lot", "1.25", "9" * 40):
            form = aiohttp.FormData(default_to_multipart=True)  # as a page's FormData is sent
            form.add_field("hours", bad)
            status, body = await w.post(path, alice.id, data=form)
            assert (status, body["error"]) == (400, "bad_request"), bad
            assert "0 到 24" in body["message"]
        assert (await bot.services.wishes.get(wish_id)).status is WishStatus.CLAIMED
        form = aiohttp.FormData(default_to_multipart=True)
        form.add_field("note", "放门口了")
        form.add_field("hours", "1.5")
        status, body = await w.post(path, alice.id, data=form)
        assert status == 200 and body["hours"] == 1.5 and "1.5 小时" in body["message"]
    assert (await _events(bot, wish_id, "deliver"))[0]["hours"] == 1.5
    # The coordinator's notice goes through the outbox, a second after the last message to
    # them: delivered before it is read (it was not yet, once, on a slow CI machine).
    await bot.driver.settle()
    assert "服务时长：1.5 小时（志愿者填报）" in bot.driver.last_private(boss).text


async def test_wishes_delivered_before_hours_existed_count_the_default(bot: Bot) -> None:
    _boss, alice, _, wish_id, _details = await claimed(bot)
    services = bot.services
    holder = await services.directory.actor(alice.id, "zh")
    await services.wishes.deliver(holder, wish_id)
    # As an old database has it: a delivery event without hours.
    async with services.db.transaction() as conn:
        await conn.execute("DROP TRIGGER events_no_update")
        await conn.execute(
            "UPDATE events SET details = '{}' WHERE wish_id = ? AND action = 'deliver'", (wish_id,)
        )
    await services.wishes.confirm(await services.directory.actor(COORDINATOR, "zh"), wish_id)
    community = await services.communities.get(1)
    assert community is not None
    today = services.clock.now().date()
    start, end = figures.month_of(today)
    totals = await services.points.member_totals(community, alice.id, Period(start=start, end=end))
    assert (totals.hours_tenths, totals.points_tenths) == (20, 150)

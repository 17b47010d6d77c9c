"""Where a wish came from (网格员 / 楼长 / 社区医生 / 居民自报 / other + name): chosen on the
/newwish summary, read from an import column in either language, shown to coordinators only."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from bot.errors import InvalidInput
from bot.models import SourceKind, WishSource, WishStatus
from bot.wishes.sources import parse_source, source_text
from tests.conftest import Bot
from tests.factories import COORDINATOR
from tests.fakes.telegram_api import FakeUser, StoredMessage
from tests.test_flow import ADDRESS, NAME, PHONE, register, setup_group, verify_and_post
from tests.test_records_import import XLSX, xlsx


@pytest.mark.parametrize(
    ("cell", "kind", "name"),
    [
        ("网格员：张三", SourceKind.GRID_WORKER, "张三"),
        ("网格员张三", SourceKind.GRID_WORKER, "张三"),
        ("Grid worker - Zhang San", SourceKind.GRID_WORKER, "Zhang San"),
        ("楼长", SourceKind.BUILDING_HEAD, None),
        ("楼栋长（李四）", SourceKind.BUILDING_HEAD, "李四"),
        ("building head: Li", SourceKind.BUILDING_HEAD, "Li"),
        ("家庭医生 王医生", SourceKind.DOCTOR, "王医生"),
        ("Community doctor", SourceKind.DOCTOR, None),
        ("居民自报", SourceKind.SELF_REPORTED, None),
        ("Self-reported", SourceKind.SELF_REPORTED, None),
        ("self_reported", SourceKind.SELF_REPORTED, None),
        ("其他：邻居反映", SourceKind.OTHER, "邻居反映"),
        ("居委会走访", SourceKind.OTHER, "居委会走访"),
        ("Selfridge", SourceKind.OTHER, "Selfridge"),  # a Latin word must end where the label does
    ],
)
def test_a_source_cell_in_either_language(cell: str, kind: SourceKind, name: str | None) -> None:
    assert parse_source(cell) == WishSource(kind=kind, name=name)


def test_empty_and_overlong_sources() -> None:
    assert parse_source("") is None and parse_source("  \u200b ") is None and parse_source(None) is None
    with pytest.raises(InvalidInput):
        parse_source("网格员：" + "张" * 41)
    # Written as the sheet shows it, read back the same.
    for source in (WishSource(kind=SourceKind.DOCTOR, name="王医生"), WishSource(kind=SourceKind.OTHER)):
        for lang in ("zh", "en"):
            assert parse_source(source_text(source, lang)) == source


# --- /newwish ------------------------------------------------------------------------------------


async def to_summary(bot: Bot, boss: FakeUser) -> StoredMessage:
    d = bot.driver
    await d.send(boss, "/newwish")
    for text in (NAME, PHONE, ADDRESS):
        await d.send(boss, text)
    await d.tap(boss, d.last_private(boss), "独居老人")
    await d.send(boss, "电暖器一台")
    await d.tap(boss, d.last_private(boss), "跳过")
    await d.tap(boss, d.last_private(boss), "14 天")
    await d.tap(boss, d.last_private(boss), "跳过")
    return d.last_private(boss)


async def submitted(bot: Bot, summary: StoredMessage, boss: FakeUser) -> int:
    await bot.driver.tap(boss, summary, "提交")
    [wish] = await bot.services.wish_repo.list_by_status(1, WishStatus.PENDING)
    return wish.id


async def test_source_chosen_on_the_summary_is_shown_to_coordinators_only(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss, alice = api.user(COORDINATOR, "Li"), api.user(1, "Alice")
    await register(bot, boss, "李主任")
    await register(bot, alice, "张丽")
    group = await setup_group(bot, boss)
    summary = await to_summary(bot, boss)
    assert "心愿来源（可选）" in summary.text and "来源：" not in summary.text
    assert summary.button_labels == ["网格员", "楼长", "社区医生", "居民自报", "其他", "提交", "取消"]
    await d.tap(boss, summary, "网格员")
    assert d.last_private(boss).text == "网格员的姓名（可选，最多 40 字），或点跳过："
    await d.send(boss, "李" * 41)
    assert d.private(boss)[-2].text == "太长了（最多 40 个字），请重新输入。"
    await d.send(boss, "李网格")
    summary = d.last_private(boss)
    assert "来源：网格员：李网格" in summary.text and NAME in summary.text
    wish_id = await submitted(bot, summary, boss)
    wish = await services.wishes.get(wish_id)
    assert wish.source == WishSource(kind=SourceKind.GRID_WORKER, name="李网格")
    assert any(
        "来源：网格员：李网格" in (m.text or "") for m in d.private(boss)[-3:]
    )  # the coordinator's card
    # Neither the group card nor the member holding it see who recommended it.
    card = await verify_and_post(bot, boss, wish_id)
    await d.tap(alice, card, "认领", chat=group)
    assert "李网格" not in "\n".join(api.everything_shown_in(group.id))
    assert "李网格" not in "\n".join(api.everything_shown_in(alice.id))
    assert "来源：网格员：李网格" in "\n".join(api.everything_shown_in(boss.id))
    await d.send(boss, f"/wish W-{wish_id:04d}")
    assert "来源：网格员：李网格" in d.last_private(boss).text


async def test_self_reported_asks_no_name_and_other_may_skip_it(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss = api.user(COORDINATOR, "Li", language_code="en")
    await register(bot, boss, "Li Wei")
    await d.send(boss, "/newwish")
    for text in (NAME, PHONE, ADDRESS):
        await d.send(boss, text)
    await d.tap(boss, d.last_private(boss), "elderly living alone")
    await d.send(boss, "A heater")
    await d.tap(boss, d.last_private(boss), "Skip")
    await d.tap(boss, d.last_private(boss), "14 days")
    await d.tap(boss, d.last_private(boss), "Skip")
    summary = d.last_private(boss)
    await d.tap(boss, summary, "Self-reported")
    summary = d.last_private(boss)
    assert "Source: Self-reported" in summary.text
    # Changed mind: another kind, then Skip for the name.
    await d.tap(boss, summary, "Other")
    assert "What is the source?" in d.last_private(boss).text
    await d.send_photo(boss, file_id="not-a-name")  # neither text nor Skip: nothing changes
    assert "button" in d.last_private(boss).text
    await d.tap(boss, d.private(boss)[-2], "Skip")
    summary = d.last_private(boss)
    assert "Source: Other" in summary.text and "Self-reported" not in summary.text.split("Source:")[1]
    wish = await services.wishes.get(await _submit_en(bot, boss, summary))
    assert wish.source == WishSource(kind=SourceKind.OTHER)
    # A forged kind is a stale button.
    answer = await d.tap(boss, summary, data="c1:src:mayor")
    assert answer is not None and answer.show_alert


async def _submit_en(bot: Bot, boss: FakeUser, summary: StoredMessage) -> int:
    await bot.driver.tap(boss, summary, "Submit")
    [wish] = await bot.services.wish_repo.list_by_status(1, WishStatus.PENDING)
    return wish.id


async def test_no_source_is_fine(bot: Bot) -> None:
    boss = bot.api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    wish = await bot.services.wishes.get(await submitted(bot, await to_summary(bot, boss), boss))
    assert wish.source is None


# --- import ----------------------------------------------------------------------------------------


async def test_template_and_import_carry_the_source(bot: Bot) -> None:
    d, api, services = bot.driver, bot.api, bot.services
    boss = api.user(COORDINATOR, "Li")
    await d.send(boss, "/template")
    template = d.last_private(boss)
    assert template.document is not None
    book = load_workbook(io.BytesIO(api.file_content(template.document.file_id)), read_only=True)
    header = [c for c in next(book.worksheets[0].iter_rows(values_only=True)) if c]
    assert header[-1] == "来源 / Source"
    help_cells = {str(c) for r in book.worksheets[1].iter_rows(values_only=True) for c in r if c}
    assert "网格员 / Grid worker" in help_cells and "居民自报 / Self-reported" in help_cells
    row = ["13812345678", "幸福路 8 号", "独居老人", "电暖器", "", "2026-12-31", ""]
    names = ["王秀英", "赵小宝", "孙大爷", "钱奶奶", "李爷爷"]
    cells = ["网格员：张三", "Building head: Li", "居民自报", "居委会走访", None]
    rows = [
        [name, row[0][:-1] + str(n), *row[1:], cell]
        for n, (name, cell) in enumerate(zip(names, cells, strict=True))
    ]
    await d.send_document(boss, "wishes.xlsx", xlsx([header, *rows]), XLSX)
    assert "已导入 5 个微心愿" in (d.last_private(boss).text or "")
    wishes = await services.wish_repo.list_by_status(1, WishStatus.PENDING)
    assert [w.source for w in wishes] == [
        WishSource(kind=SourceKind.GRID_WORKER, name="张三"),
        WishSource(kind=SourceKind.BUILDING_HEAD, name="Li"),
        WishSource(kind=SourceKind.SELF_REPORTED),
        WishSource(kind=SourceKind.OTHER, name="居委会走访"),
        None,
    ]
    # An overlong source refuses the file, naming the row and the column.
    bad = [["周阿姨", "13812345670", *row[1:], "网格员：" + "张" * 41]]
    await d.send_document(boss, "bad.xlsx", xlsx([header, *bad]), XLSX)
    reply = d.last_private(boss).text or ""
    assert "第 2 行" in reply and "来源：" in reply
    assert len(await services.wish_repo.list_by_status(1, WishStatus.PENDING)) == 5

"""Categories per community through Telegram: /categories with its buttons and conversation, and
the community's list used by /newwish, cards, import, the template, /stats, /export and the wall."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from bot.models import Category, CategoryNames, WishStatus
from bot.people.organisation import SYSTEM
from tests.conftest import Bot
from tests.factories import COORDINATOR, draft
from tests.fakes.telegram_api import FakeUser, StoredMessage
from tests.test_flow import GROUP_ID, NAME, PHONE, register, setup_group
from tests.test_records_import import XLSX, xlsx
from tests.test_upgrade import COORDINATOR as UPGRADE_COORDINATOR
from tests.test_upgrade import _load, _open
from tests.wall_client import wall

YOUNG = "独居青年 / Young people living alone"


async def _categories(bot: Bot, boss: FakeUser) -> StoredMessage:
    await bot.driver.send(boss, "/categories")
    return bot.driver.last_private(boss)


async def _add(bot: Bot, boss: FakeUser, names: str = YOUNG) -> int:
    """Through the buttons: the list, Add, the names; the new category's number."""
    d = bot.driver
    await d.tap(boss, await _categories(bot, boss), "新增类别")
    assert "中文名和英文名" in d.last_private(boss).text
    await d.send(boss, names)
    custom = await bot.services.categories.book(1)
    return max(e.number or 0 for e in custom.entries)


async def test_add_rename_hide_and_show_with_buttons_each_in_the_audit_trail(bot: Bot) -> None:
    api, d, services = bot.api, bot.driver, bot.services
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    shown = await _categories(bot, boss)
    assert "独居老人" in shown.text and "还没有自己的类别" in shown.text
    assert shown.button_labels == ["➕ 新增类别"]

    number = await _add(bot, boss)
    texts = [m.text for m in d.private(boss)[-2:]]
    assert f"已添加类别 {number}：独居青年 / Young people living alone" in texts[0]
    listing = d.last_private(boss)
    assert f"{number}. 独居青年 / Young people living alone" in listing.text
    assert listing.button_labels == [f"✏️ {number}. 独居青年", "🙈 隐藏", "➕ 新增类别"]
    added = await services.events.by_action("category.add")
    assert [(e.actor_id, e.community_id, e.details) for e in added] == [
        (COORDINATOR, 1, {"category": f"c{number}", "zh": "独居青年", "en": "Young people living alone"})
    ]

    # Refused names are asked again and change nothing; /cancel leaves.
    await d.tap(boss, listing, "新增类别")
    for typed, says in [
        ("独居老人 / Lonely", "已经有类别叫“独居老人”"),
        ("新类别 / young PEOPLE living-alone", "已经有类别叫"),
        ("长" * 31 + " / Long", "最多 30"),
        ("只有中文名", "用“/”隔开"),
        ("<100 / Cheap", "看起来像数字或筛选条件"),
    ]:
        await d.send(boss, typed)
        assert says in d.last_private(boss).text, typed
    await d.send(boss, "/cancel")
    assert len((await services.categories.book(1)).custom()) == 1

    await d.tap(boss, listing, f"{number}. 独居青年")
    assert "独居青年 / Young people living alone" in d.last_private(boss).text
    await d.send(boss, "独居少年 | Teenagers living alone")
    assert f"类别 {number} 已改名：独居少年 / Teenagers living alone" in d.private(boss)[-2].text
    (renamed,) = await services.events.by_action("category.rename")
    assert renamed.details["from"] == {"zh": "独居青年", "en": "Young people living alone"}

    listing = d.last_private(boss)
    answer = await d.tap(boss, listing, "隐藏")
    assert answer is not None and "已隐藏：独居少年" in (answer.text or "")
    edited = next(m for m in api.messages_in(boss.id) if m.message_id == listing.message_id)
    assert "（已隐藏）" in edited.text and "👁 恢复" in edited.button_labels
    await d.tap(boss, edited, "恢复")
    assert [e.action for e in await services.events.by_action("category.hide")] == ["category.hide"]
    assert len(await services.events.by_action("category.show")) == 1
    assert not (await services.categories.book(1)).entry(f"c{number}").hidden  # type: ignore[union-attr]


async def test_typed_changes_and_their_refusals(bot: Bot) -> None:
    api, d = bot.api, bot.driver
    boss = api.user(COORDINATOR, "Li", language_code="en")
    await register(bot, boss, "Li")
    await d.send(boss, "/categories add 高龄老人 / Very old people")
    assert "Category" in d.private(boss)[-2].text and "Very old people" in d.last_private(boss).text
    number = (await bot.services.categories.book(1)).custom()[0].number
    await d.send(boss, f"/categories hide {number}")
    assert "Hidden: Very old people" in d.private(boss)[-2].text
    await d.send(boss, f"/categories show {number}")
    await d.send(boss, f"/categories rename {number} 百岁老人 / Centenarians")
    assert "Centenarians" in d.private(boss)[-2].text
    for line, says in [
        ("/categories rename 999 甲 / A", "no category number 999"),
        ("/categories hide 1x", "whole number"),
        ("/categories remove 3", "Usage"),
        ("/categories add Only one name", "separated by"),
        ("/categories add 甲,乙 / A", "commas"),
    ]:
        before = len(d.private(boss))
        await d.send(boss, line)
        replies = [m.text for m in d.private(boss)[before:]]
        assert len(replies) == 1 and says in replies[0], (line, replies)


async def test_a_custom_category_from_newwish_to_group_card_history_and_hidden(bot: Bot) -> None:
    api, d, services = bot.api, bot.driver, bot.services
    boss = api.user(COORDINATOR, "Li")
    bob = api.user(2, "Bob", language_code="en")
    await register(bot, boss, "李主任")
    await register(bot, bob, "Bob Chen")
    group = await setup_group(bot, boss)
    number = await _add(bot, boss)
    key = f"c{number}"

    await d.send(boss, "/newwish")
    for text in (NAME, PHONE, "幸福路 8 号"):
        await d.send(boss, text)
    ask = d.last_private(boss)
    assert "独居青年" in ask.button_labels and "独居老人" in ask.button_labels
    answer = await d.tap(boss, ask, "独居青年")
    assert answer is not None and answer.text == "独居青年"
    await d.send(boss, "陪同就医")
    await d.tap(boss, d.last_private(boss), "跳过")
    await d.tap(boss, d.last_private(boss), "7 天")
    await d.tap(boss, d.last_private(boss), "跳过")
    summary = d.last_private(boss)
    assert "类别：独居青年" in summary.text
    await d.tap(boss, summary, "提交")
    (wish,) = await services.wish_repo.list_by_status(1, WishStatus.PENDING)
    assert wish.category == key and wish.category_names is not None

    await services.wishes.verify(await services.directory.actor(COORDINATOR, "zh"), wish.id)
    await services.wishes.post(await services.directory.actor(COORDINATOR, "zh"), wish.id)
    await d.settle()
    card = api.last_in(GROUP_ID)
    assert "王** · 独居青年" in card.text

    # Hidden: no longer offered, but the wish, its card and its details keep it.
    await d.send(boss, f"/categories hide {number}")
    await d.send(boss, "/newwish")
    for text in (NAME, PHONE, "幸福路 8 号"):
        await d.send(boss, text)
    ask = d.last_private(boss)
    assert "独居青年" not in ask.button_labels
    forged = await d.tap(boss, ask, data=f"c1:cat:{key}")
    assert forged is not None and forged.show_alert
    await d.send(boss, "/cancel")
    await d.tap(bob, card, "认领", chat=group)
    assert "Young people living alone" in d.last_private(bob).text  # his details, in English
    assert "独居青年" in api.last_in(GROUP_ID).text  # the card, edited after the claim
    await d.send(boss, f"/wish W-{wish.id:04d}")
    assert "类别：独居青年" in d.last_private(boss).text

    # Renamed: every later rendering of the same wish says the new name.
    await d.send(boss, f"/categories rename {number} 独居少年 / Teenagers living alone")
    await services.wishes.release(await services.directory.actor(bob.id, "en"), wish.id)
    await d.settle()
    assert "独居少年" in api.last_in(GROUP_ID).text


async def test_import_and_template_use_the_communitys_list(bot: Bot) -> None:
    api, d, services = bot.api, bot.driver, bot.services
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    young = await _add(bot, boss)
    hidden = await _add(bot, boss, "高龄老人 / Very old people")
    await d.send(boss, f"/categories hide {hidden}")

    await d.send(boss, "/template")
    template = d.last_private(boss)
    assert template.document is not None
    book = load_workbook(io.BytesIO(api.file_content(template.document.file_id)))
    help_cells = [str(c) for row in book["说明 Help"].iter_rows(values_only=True) for c in row if c]
    assert (
        "独居青年" in help_cells and "Young people living alone" in help_cells and f"c{young}" in help_cells
    )
    assert "高龄老人" not in help_cells and "独居老人" in help_cells
    choices = book["心愿 Wishes"].data_validations.dataValidation[0].formula1
    assert "独居青年" in choices and "高龄老人" not in choices

    header = ["姓名", "联系电话", "住址", "类别", "心愿内容", "价值（元）", "截止日期"]
    good: list[list[Any]] = [
        header,
        ["王秀英", "13812345678", "幸福路 8 号", "独居青年", "陪同就医", 50, "2026-12-31"],
        ["赵小宝", "13900000002", "和平街 2 号", "young people LIVING alone", "书包", None, "2026-12-20"],
        ["孙大爷", "13900000003", "建设路 3 号", "独居老人", "血压计", None, "2026-12-25"],
    ]
    await d.send_document(
        boss,
        "心愿.xlsx",
        xlsx([*good, ["李四", "13900000004", "路 4 号", "高龄老人", "米", None, "2026-12-25"]]),
        XLSX,
    )
    assert "高龄老人" in d.last_private(boss).text and await services.wish_repo.all_ids() == []
    await d.send_document(boss, "心愿.xlsx", xlsx(good), XLSX)
    pending = await services.wish_repo.list_by_status(1, WishStatus.PENDING)
    assert [w.category for w in pending] == [f"c{young}", f"c{young}", "elderly_alone"]


async def test_stats_export_and_the_wall_name_custom_categories(bot: Bot) -> None:
    api, d, services = bot.api, bot.driver, bot.services
    boss = api.user(COORDINATOR, "Li")
    await register(bot, boss, "李主任")
    number = await _add(bot, boss)
    key = f"c{number}"
    actor = await services.directory.actor(COORDINATOR, "zh")
    made = [
        await services.wishes.create(actor, draft(f"心愿{i}").model_copy(update={"category": key}), 1)
        for i in range(3)
    ]
    made.append(await services.wishes.create(actor, draft("电暖器"), 1))
    for wish in made:
        await services.wishes.verify(actor, wish.id)
    await d.send(boss, "/stats")
    assert "独居青年" in d.last_private(boss).text

    await d.send(boss, "/export")
    export = d.last_private(boss)
    assert export.document is not None
    sheet = load_workbook(io.BytesIO(api.file_content(export.document.file_id))).worksheets[0]
    column = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert column == ["独居青年", "独居青年", "独居青年", "独居老人"]

    # The wall: its filter offers the community's visible categories and filters by one.
    group = await setup_group(bot, boss)
    assert group is not None
    for wish in made:
        await services.wishes.post(actor, wish.id)
    org = services.org
    await org.set_setting(SYSTEM, 1, "member_cap", "5")
    async with wall(bot.app) as w:
        status, body = await w.get(f"/wall/api/wishes?category={key}", COORDINATOR, lang="en")
        assert status == 200, body
        assert body["total"] == 3 and {c["category_label"] for c in body["wishes"]} == {
            "Young people living alone"
        }
        assert {"key": key, "label": "Young people living alone"} in body["categories"]
        await d.send(boss, f"/categories hide {number}")
        _, body = await w.get("/wall/api/wishes", COORDINATOR, lang="en")
        assert key not in [c["key"] for c in body["categories"]]
        status, body = await w.get("/wall/api/wishes?category=c", COORDINATOR)
        assert status == 400


async def test_an_upgraded_database_keeps_its_wishes_categories_and_takes_new_ones(tmp_path: Path) -> None:
    """A database made before categories per community: every wish keeps its built-in category,
    labelled as before, and the community can add its own at once."""
    path = tmp_path / "wishwall.db"
    _load(path)
    services = await _open(path)
    try:
        coordinator = await services.directory.actor(UPGRADE_COORDINATOR, "zh")
        before = {w.id: w.category for w in await services.wish_repo.list_by_status(1, WishStatus.OPEN)}
        assert before and all(isinstance(c, Category) for c in before.values())
        added = await services.categories.add(coordinator, 1, CategoryNames(zh="独居青年", en="Young"))
        made = await services.wishes.create(
            coordinator, draft().model_copy(update={"category": added.key}), 1
        )
        assert made.category_names == CategoryNames(zh="独居青年", en="Young")
        after = {w.id: w.category for w in await services.wish_repo.list_by_status(1, WishStatus.OPEN)}
        assert after == before
        stats = await services.records.stats(coordinator, 1)
        assert stats.top and all(c.category in set(Category) for c in stats.top)
    finally:
        await services.close()

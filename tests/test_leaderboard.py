"""Leaderboards, hiding from them, joint wishes' points split or shared, and a changed rule
re-applied to a period: through Telegram, on service built with the real lifecycle."""

from __future__ import annotations

from datetime import timedelta

from bot.models import WishDraft
from bot.people.organisation import SYSTEM
from bot.people.policies import COMMAND_RULES, Need, group_menu, menu_for_role
from bot.services import Services
from bot.texts import t
from tests.conftest import Bot
from tests.factories import BENEFICIARY, COORDINATOR, draft, member

ZHANG, LI, WANG, ZHAO, OTHER = 101, 102, 103, 201, 301
GROUP_1, GROUP_2 = -100100, -100200
SECRETS = (BENEFICIARY.name, BENEFICIARY.phone, BENEFICIARY.address)


async def _people(bot: Bot) -> None:
    services, api = bot.services, bot.api
    await services.org.add_branch(SYSTEM, 1, "第二支部")
    await services.org.create_community(SYSTEM, "和平社区")
    await services.org.add_branch(SYSTEM, 2, "和平一支部")
    now = services.clock.now()
    await services.members.register(COORDINATOR, "李主任", "zh", now)
    for uid, name, branch in ((ZHANG, "张丽", 1), (LI, "李强", 1), (WANG, "王芳", 1), (ZHAO, "赵六", 2),
                              (OTHER, "钱七", 3)):  # fmt: skip
        api.user(uid, name)
        api.open_private(uid)
        await member(services, uid, name, branch)
    for chat, branch in ((GROUP_1, 1), (GROUP_2, 2)):
        api.group(chat, f"群{branch}")
        await services.groups.bind(chat, 1, f"群{branch}", "zh", COORDINATOR, now, branch_id=branch)


async def serve(
    services: Services, holders: list[int], *, hours: int | None = None, late: bool = False,
    wish: WishDraft | None = None,
) -> int:  # fmt: skip
    """A wish of community 1 served by these members (the first reports), confirmed."""
    boss = await services.directory.actor(COORDINATOR, "zh")
    today = services.clock.now().date()
    made = await services.wishes.create(boss, wish or draft(due=today + timedelta(days=1)), 1)
    await services.wishes.verify(boss, made.id)
    if len(holders) > 1:
        await services.wishes.set_needed_members(boss, made.id, len(holders))
    await services.wishes.post(boss, made.id, [GROUP_1])
    for uid in holders:
        await services.wishes.claim(await services.directory.actor(uid, "zh"), made.id)
    if late:
        services.clock.advance(timedelta(days=2))  # delivered after the due date: no bonus
    reporter = await services.directory.actor(holders[0], "zh")
    await services.wishes.deliver(reporter, made.id, hours=hours)
    await services.wishes.confirm(boss, made.id)
    if late:
        services.clock.advance(timedelta(days=-2))
    return made.id


async def test_rankings_by_branch_and_community_with_hidden_members(bot: Bot) -> None:
    services, d, api = bot.services, bot.driver, bot.api
    await _people(bot)
    await serve(services, [ZHANG], hours=30)
    await serve(services, [ZHANG], hours=30)
    await serve(services, [LI])
    await serve(services, [WANG], late=True)
    await serve(services, [ZHAO])
    await serve(services, [ZHANG, LI])  # joint, split by default: 7.5 each
    await d.settle()  # the cards and notices those caused are sent before anyone asks
    wang, li, zhao = api.user(WANG, "王芳"), api.user(LI, "李强"), api.user(ZHAO, "赵六")

    await d.send(wang, "/set_privacy")
    card = d.last_private(wang)
    assert card.text.startswith(t("zh", "hp.privacy_shown"))
    await d.tap(wang, card, "在积分榜上隐藏我")
    assert await services.points.is_hidden(WANG)
    assert (
        "显示我的名字"
        in next(m for m in api.messages_in(WANG) if m.message_id == card.message_id).button_labels[0]
    )
    assert [e.details for e in await services.events.by_action("privacy.leaderboard")] == [{"hidden": True}]

    await d.send(li, "/leaderboard")
    board = d.last_private(li).text
    assert board.splitlines()[1:4] == [
        "1. 张丽 — 37.5 分 · 8 小时 · 3 个心愿",
        "2. 李强（你） — 22.5 分 · 4 小时 · 2 个心愿",
        "3. 一位志愿者 — 10 分 · 2 小时 · 1 个心愿",
    ]
    assert "幸福社区 · 第一支部 · 积分榜 · 2026-11-01 至 2026-11-30" in board and "赵六" not in board
    assert "每个圆梦心愿 10 分，按时送达另加 5 分" in board and "平分" in board
    await d.send(wang, "/leaderboard")
    assert "3. 一位志愿者（你） — 10 分" in d.last_private(wang).text

    await d.send(li, "/leaderboard community year")
    lines = d.last_private(li).text.splitlines()
    assert "2026-01-01 至 2026-12-31" in lines[0]
    assert [line.split(" — ")[0] for line in lines[1:5]] == [
        "1. 张丽",
        "2. 李强（你）",
        "3. 赵六",
        "4. 一位志愿者",
    ]
    await d.send(li, "/leaderboard 第二支部")
    assert d.last_private(li).text.splitlines()[1] == "1. 赵六 — 15 分 · 2 小时 · 1 个心愿"

    # In a bound group: the group's branch, one list for everyone, nobody marked "you".
    group = api.group(GROUP_2, "群2")
    await d.send(zhao, "/leaderboard", chat=group)
    assert api.last_in(GROUP_2).text.splitlines()[1] == "1. 赵六 — 15 分 · 2 小时 · 1 个心愿"
    await d.send(wang, "/leaderboard half", chat=api.group(GROUP_1, "群1"))
    in_group = api.last_in(GROUP_1).text
    assert "3. 一位志愿者 — 10 分" in in_group and "（你）" not in in_group
    for chat_id in (GROUP_1, GROUP_2, LI, WANG):
        shown = api.everything_shown_in(chat_id)
        # Hiding is about the boards: a group card still says who claimed a wish (and whether
        # the card showed that before the wish was fulfilled depends on how its edits settled).
        boards = "\n".join(text for text in shown if "积分榜" in text)
        assert boards and ("王芳" not in boards or chat_id == WANG)
        assert not any(s in "\n".join(shown) for s in SECRETS if chat_id < 0)

    await d.send(wang, "/set_privacy show")
    assert d.last_private(wang).text.startswith(t("zh", "hp.privacy_shown"))
    await d.send(li, "/leaderboard")
    assert "3. 王芳 — 10 分" in d.last_private(li).text


async def test_who_may_see_which_leaderboard(bot: Bot) -> None:
    services, d, api = bot.services, bot.driver, bot.api
    await _people(bot)
    await serve(services, [ZHANG])
    await d.settle()
    other, stranger = api.user(OTHER, "钱七"), api.user(555, "路人")
    await d.send(other, "/leaderboard", chat=api.group(GROUP_1, "群1"))
    assert api.last_in(GROUP_1).text == t("zh", "err.other_community")
    await d.send(other, "/leaderboard")  # their own community: nobody has served there yet
    assert (
        t("zh", "hp.board_empty") in d.last_private(other).text and "张丽" not in d.last_private(other).text
    )
    await d.send(other, "/leaderboard 第一支部")
    assert d.last_private(other).text == t("zh", "rec.no_branch", name="第一支部")
    await d.send(stranger, "/leaderboard")
    assert d.last_private(stranger).text == t("zh", "err.members_only")
    await d.send(api.user(ZHANG, "张丽"), "/leaderboard", chat=api.group(-100999, "闲聊群"))
    assert api.last_in(-100999).text == t("zh", "groups.hint_unbound")
    zhang = api.user(ZHANG, "张丽")
    for odd in (
        "/leaderboard 2026-02-30",
        "/leaderboard 9999",
        "/set_privacy maybe",
        "/set_privacy hide show",
    ):
        await d.send(zhang, odd)
        assert d.last_private(zhang).text in (
            t("zh", "fig.bad_period"),
            t("zh", "arg.year_range", low=2000, high=2100),
            t("zh", "hp.usage_privacy"),
        ), odd
    await d.send(zhang, "/set_privacy", chat=api.group(GROUP_1, "群1"))
    assert api.last_in(GROUP_1).text == t("zh", "err.private_only")
    await d.send(zhang, "/points")
    assert d.last_private(zhang).text == t("zh", "err.coordinators_only")
    boss = api.user(COORDINATOR, "李主任")
    await d.send(boss, "/leaderboard")  # a coordinator without a branch: the community
    assert "1. 张丽 — 15 分" in d.last_private(boss).text and "幸福社区 · 积分榜" in d.last_private(boss).text


async def test_joint_points_split_then_shared_and_a_rule_reapplied_to_the_month(bot: Bot) -> None:
    services, d, api = bot.services, bot.driver, bot.api
    await _people(bot)
    boss, zhang = api.user(COORDINATOR, "李主任"), api.user(ZHANG, "张丽")
    await serve(services, [ZHANG, LI])  # split: (10 + 5) / 2 each
    services.clock.advance(timedelta(hours=1))
    await d.send(boss, "/set points_joint shared")
    assert d.last_private(boss).text == t("zh", "org.setting_changed", key="points_joint", value="1")
    services.clock.advance(timedelta(hours=1))
    await serve(services, [ZHANG, LI])  # shared from now on: 15 each
    await d.settle()
    await d.send(zhang, "/myrecord")
    record = "\n".join(m.text for m in d.private(zhang)[-3:])
    assert "服务时长 4 小时 · 积分 22.5（2 个圆梦心愿）" in record
    assert "积分 7.5" in record and "积分 15" in record

    for odd in ("/points reapply", "/points reapply 第一支部", "/points again"):
        await d.send(boss, odd)
        assert d.last_private(boss).text == t("zh", "hp.usage_reapply"), odd
    await d.send(boss, "/points reapply 2026-02-30")
    assert d.last_private(boss).text == t("zh", "fig.bad_period")
    assert await services.events.by_action("points.reapply") == []

    await d.send(boss, "/points reapply month")
    done = d.last_private(boss).text
    assert "2026-11-01 至 2026-11-30" in done and "积分合计 45 → 60" in done
    (event,) = await services.events.by_action("points.reapply")
    assert event.actor_id == COORDINATOR and event.details["rules"]["points_joint"] == 1
    await d.send(zhang, "/myrecord")
    assert "服务时长 4 小时 · 积分 30（2 个圆梦心愿）" in "\n".join(m.text for m in d.private(zhang)[-3:])

    # A change after the re-application counts from then on only.
    services.clock.advance(timedelta(hours=1))
    await d.send(boss, "/set points_per_wish 20")
    services.clock.advance(timedelta(hours=1))
    await serve(services, [LI])
    await d.settle()
    await d.send(api.user(LI, "李强"), "/leaderboard")
    assert "1. 李强（你） — 55 分 · 6 小时 · 3 个心愿" in d.last_private(api.user(LI, "李强")).text


def test_the_new_commands_have_their_rows_and_menus() -> None:
    assert COMMAND_RULES["leaderboard"].bound_group and COMMAND_RULES["leaderboard"].need is Need.MEMBER
    assert {"leaderboard", "set_privacy"} <= set(menu_for_role(Need.MEMBER))
    assert "points" in menu_for_role(Need.COORDINATOR) and "points" not in menu_for_role(Need.MEMBER)
    assert "hours" not in menu_for_role(Need.ADMIN) and "leaderboard" in group_menu(administrators=False)

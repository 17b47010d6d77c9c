"""Hours and points without Telegram: typed hours, the buttons, the rules' history, what a wish
earns, the ranking and the leaderboard's arguments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.callbacks import MAX_CALLBACK_BYTES, HoursBy, HoursCallback
from bot.errors import InvalidInput
from bot.models import Community, WishStatus
from bot.people.communities import parse_setting
from bot.points.board import parse_board, rank
from bot.points.hours import format_tenths, from_number, hours_rows, parse_hours, round_tenths
from bot.points.rules import (
    DEFAULT_RULES,
    PointsRules,
    RuleBook,
    ServiceTotals,
    by_member,
    credit,
    overall,
    reapply_details,
)
from storage.points import RuleEvent, ServiceEntry

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "tenths"),
    [("2", 20), ("2.5", 25), ("２．５", 25), ("1,5", 15), ("3h", 30), ("3 小时", 30), ("4个小时", 40),
     ("0", 0), ("24", 240), (" 1.0 ", 10), ("2 Hours", 20)],
)  # fmt: skip
def test_typed_hours(text: str, tenths: int) -> None:
    assert parse_hours(text) == tenths


@pytest.mark.parametrize(
    "text", ["-1", "25", "24.1", "1.25", "abc", "", "2.5.1", "99999999999999999999", "²", "1e3", "nan", "两"]
)
def test_bad_hours_are_refused_with_the_range(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_hours(text)
    assert refused.value.key == "hp.bad_hours" and refused.value.params == {"max": 24}


@given(st.text(max_size=30))
def test_typed_hours_never_crash_and_stay_in_range(text: str) -> None:
    try:
        tenths = parse_hours(text)
    except InvalidInput:
        return
    assert 0 <= tenths <= 240


def test_hours_read_back_and_shown() -> None:
    assert [from_number(v) for v in (2, 2.5, 0.1, None)] == [20, 25, 1, None]
    assert [format_tenths(v) for v in (20, 25, 0, 153)] == ["2", "2.5", "0", "15.3"]
    assert round_tenths(__import__("fractions").Fraction(100, 3)) == 33
    assert round_tenths(__import__("fractions").Fraction(200, 3)) == 67
    assert round_tenths(__import__("fractions").Fraction(75, 1)) == 75


def test_hours_buttons_tick_the_current_and_fit_telegram() -> None:
    member = [b for row in hours_rows("zh", 10**11, HoursBy.MEMBER, 25) for b in row]
    assert [b.text for b in member] == [
        "1 小时",
        "2 小时",
        "✓ 2.5 小时",
        "3 小时",
        "4 小时",
        "6 小时",
        "8 小时",
    ]
    coordinator = [b for row in hours_rows("en", 7, HoursBy.COORDINATOR, 20) for b in row]
    assert [b.text for b in coordinator] == ["✔️ 1 h", "✔️ 3 h", "✔️ 4 h", "✔️ 6 h", "✔️ 8 h"]
    for b in member + coordinator:
        assert b.callback_data is not None and len(b.callback_data.encode()) <= MAX_CALLBACK_BYTES
        assert HoursCallback.unpack(b.callback_data) is not None
    assert HoursCallback.unpack("h1:m:7:241") is None and HoursCallback.unpack("h1:x:7:20") is None
    assert HoursCallback.unpack("h1:c:0:20") is None and HoursCallback.unpack("h1:m:7:-1") is None


def _setting(event_id: int, when: datetime, key: str, value: object) -> RuleEvent:
    return RuleEvent(id=event_id, at=when, action="community.setting", details={"key": key, "value": value})


def test_a_rule_change_applies_from_when_it_is_made() -> None:
    book = RuleBook(
        [
            _setting(1, at(10), "points_per_wish", 20),
            _setting(2, at(11), "member_cap", 3),  # not a points rule
            _setting(3, at(20), "points_joint", 1),
            _setting(4, at(21), "points_per_hour", "lots"),  # unreadable: not a rule
        ]
    )
    assert book.at(at(9)) == DEFAULT_RULES
    assert book.at(at(10)) == PointsRules(per_wish=20)
    assert book.at(at(25)) == PointsRules(per_wish=20, joint_shared=True)


def test_a_reapplication_covers_its_period_until_a_later_change() -> None:
    shared = PointsRules(per_wish=20, joint_shared=True)
    reapply = reapply_details(shared, at(1), at(1, 4), "2026-03")
    book = RuleBook(
        [
            _setting(1, at(10), "points_per_wish", 20),
            _setting(2, at(20), "points_joint", 1),
            RuleEvent(id=3, at=at(22), action="points.reapply", details=reapply),
            _setting(4, at(25), "points_per_wish", 30),
            RuleEvent(id=5, at=at(26), action="points.reapply", details={"rules": "?"}),  # unreadable
        ]
    )
    assert book.at(at(5)) == shared  # before any change, but in the re-applied month
    assert book.at(at(24)) == shared
    assert book.at(at(27)) == PointsRules(per_wish=30, joint_shared=True)  # the later change wins
    assert book.at(at(5, 2)) == DEFAULT_RULES  # February was not re-applied


def _entry(
    *, holders: tuple[int, ...] = (1,), hours: float | None = 2, due: date = date(2026, 3, 10),
    delivered: datetime | None = None, fulfilled: datetime | None = None,
) -> ServiceEntry:  # fmt: skip
    return ServiceEntry(
        wish_id=5,
        community_id=1,
        branch_id=1,
        status=WishStatus.FULFILLED if fulfilled else WishStatus.DELIVERED,
        due_date=due,
        holder_id=holders[0] if holders else None,
        delivered_at=delivered or at(9),
        fulfilled_at=fulfilled,
        hours=hours,
        holders=holders,
    )


def test_what_a_wish_earns() -> None:
    book = RuleBook([])
    on_time = credit(_entry(fulfilled=at(11)), book, 20, SHANGHAI)
    assert (on_time.points_tenths, on_time.hours_tenths, on_time.on_time) == (150, 20, True)
    # Delivered on the 11th local time, due the 10th: no bonus.
    late = credit(_entry(delivered=at(11), fulfilled=at(12)), book, 20, SHANGHAI)
    assert (late.points_tenths, late.on_time) == (100, False)
    # Not fulfilled yet: hours, no points. No hours recorded: the community's default.
    waiting = credit(_entry(hours=None), book, 30, SHANGHAI)
    assert (waiting.points_tenths, waiting.hours_tenths) == (None, 30)


def test_joint_wishes_split_or_share_and_hours_count_per_member() -> None:
    three = _entry(holders=(1, 2, 3), hours=2.5, delivered=at(11), fulfilled=at(12))  # late: 10 points
    split = credit(three, RuleBook([_setting(1, at(1), "points_per_hour", 2)]), 20, SHANGHAI)
    assert split.points_tenths == 33 + 50  # a third of ten, and 2 points an hour for 2.5 hours
    shared_book = RuleBook([_setting(1, at(1), "points_joint", 1)])
    shared = credit(three, shared_book, 20, SHANGHAI)
    assert shared.points_tenths == 100
    totals = by_member([split, shared])
    assert totals[2] == ServiceTotals(wishes=2, hours_tenths=50, points_tenths=183)
    assert overall([split]) == ServiceTotals(wishes=1, hours_tenths=75, points_tenths=249)


def test_equal_totals_share_a_place() -> None:
    totals = {
        1: ServiceTotals(wishes=1, hours_tenths=20, points_tenths=150),
        2: ServiceTotals(wishes=1, hours_tenths=20, points_tenths=150),
        3: ServiceTotals(wishes=1, hours_tenths=30, points_tenths=150),
        4: ServiceTotals(wishes=1, hours_tenths=10, points_tenths=100),
    }
    assert rank(totals) == [(1, 3), (2, 1), (2, 2), (4, 4)]


def test_leaderboard_arguments() -> None:
    today = date(2026, 11, 20)
    assert parse_board([], today) == (None, (date(2026, 11, 1), date(2026, 12, 1)))
    assert parse_board(["community", "year"], today) == ("community", (date(2026, 1, 1), date(2027, 1, 1)))
    assert parse_board(["半年", "支部"], today) == ("branch", (date(2026, 7, 1), date(2027, 1, 1)))
    assert parse_board(["第二支部", "2026H1"], today) == ("第二支部", (date(2026, 1, 1), date(2026, 7, 1)))
    with pytest.raises(InvalidInput):
        parse_board(["2026-02-30"], today)


def test_joint_points_setting_takes_words_and_numbers() -> None:
    assert [parse_setting("points_joint", w) for w in ("split", "shared", "共享", "平分", "1", "0")] == [
        0, 1, 1, 0, 1, 0,
    ]  # fmt: skip
    with pytest.raises(InvalidInput):
        parse_setting("points_joint", "half")
    with pytest.raises(InvalidInput):
        parse_setting("hours_default", "25")


def test_the_default_rules_are_the_communitys_defaults() -> None:
    community = Community(id=1, name="x", tz="Asia/Shanghai", created_at=at(1))
    assert PointsRules.of(community) == DEFAULT_RULES

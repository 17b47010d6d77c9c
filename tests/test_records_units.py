"""Pure pieces of records in and out: formulas, periods, callback data, message splitting, and
the text keys built at run time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.callbacks import BranchReportCallback, ForgetCallback
from bot.errors import DomainError, InvalidInput
from bot.models import WishStatus
from bot.people.policies import COMMAND_RULES, Actor, Need, command_refusal
from bot.records import importer, record_sheets, sheets
from bot.records.service import RecordSummary, community_of, months_before
from bot.records.views import split_message
from bot.reports import figures
from bot.texts import CATALOG
from storage.stats import Period

TODAY = date(2026, 11, 20)


def test_percent_rounds_half_up_and_says_dash_for_nothing_due() -> None:
    assert figures.percent(4, 9) == "44%"
    assert figures.percent(1, 3) == "33%"
    assert figures.percent(2, 3) == "67%"
    assert figures.percent(1, 8) == "13%"  # 12.5 -> 13
    assert figures.percent(0, 0) == "—"
    assert figures.completion_rate(0, 0) is None
    assert figures.completion_rate(3, 4) == 0.75


def test_days_late_and_on_time() -> None:
    due = date(2026, 11, 10)
    assert figures.days_late(due, WishStatus.CLAIMED, None, TODAY) == 10
    assert figures.days_late(due, WishStatus.OPEN, None, date(2026, 11, 1)) == 0
    assert figures.days_late(due, WishStatus.FULFILLED, date(2026, 11, 12), TODAY) == 2
    assert figures.days_late(due, WishStatus.CANCELLED, None, TODAY) is None
    assert figures.on_time(due, date(2026, 11, 10)) is True
    assert figures.on_time(due, date(2026, 11, 11)) is False
    assert figures.on_time(due, None) is None


@pytest.mark.parametrize(
    ("args", "span", "rest"),
    [
        ([], (date(2026, 7, 1), date(2027, 1, 1)), []),
        (["2026"], (date(2026, 1, 1), date(2027, 1, 1)), []),
        (["2026H1"], (date(2026, 1, 1), date(2026, 7, 1)), []),
        (["2025h2", "xlsx"], (date(2025, 7, 1), date(2026, 1, 1)), ["xlsx"]),
        (["2026-01-01", "2026-06-30", "public"], (date(2026, 1, 1), date(2026, 7, 1)), ["public"]),
        (["2026-03-01"], (date(2026, 3, 1), date(2027, 1, 1)), []),
        (["第一支部"], (date(2026, 7, 1), date(2027, 1, 1)), ["第一支部"]),
    ],
)
def test_periods_people_write(args: list[str], span: tuple[date, date], rest: list[str]) -> None:
    assert figures.parse_period(args, figures.half_of(TODAY)) == (span, rest)


@pytest.mark.parametrize("args", [["2026-02-30"], ["2026-06-30", "2026-01-01"], ["2026", "2026-01-01"]])
def test_bad_periods(args: list[str]) -> None:
    with pytest.raises(InvalidInput):
        figures.parse_period(args, figures.year_of(TODAY))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(1, 800))
def test_period_tokens_read_back(start: date, length: int) -> None:
    from datetime import timedelta

    end = start + timedelta(days=length)
    token = figures.period_token(start, end)
    assert figures.parse_token(token) == (start, end)
    assert BranchReportCallback.unpack(BranchReportCallback(branch_id=3, period=token).pack()) is not None


def test_halves_and_months() -> None:
    assert figures.half_of(date(2026, 6, 30)) == (date(2026, 1, 1), date(2026, 7, 1))
    assert figures.half_of(date(2026, 7, 1)) == (date(2026, 7, 1), date(2027, 1, 1))
    months = Period(start=date(2026, 1, 15), end=date(2026, 3, 10)).months()
    assert [(m.start, m.end) for m in months] == [
        (date(2026, 1, 15), date(2026, 2, 1)),
        (date(2026, 2, 1), date(2026, 3, 1)),
        (date(2026, 3, 1), date(2026, 3, 10)),
    ]
    shanghai = Period(start=date(2026, 1, 1), end=date(2026, 2, 1))
    assert shanghai.start_instant() == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)


def test_months_before_clamps_to_the_month_end() -> None:
    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 11, 20, tzinfo=UTC), 12) == datetime(2025, 11, 20, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 5, tzinfo=UTC), 13) == datetime(2024, 12, 5, tzinfo=UTC)


def test_callbacks_round_trip_and_refuse_forgeries() -> None:
    data = ForgetCallback(wish_id=42, erase="y").pack()
    assert len(data.encode()) <= 64
    assert ForgetCallback.unpack(data) == ForgetCallback(wish_id=42, erase="y")
    for forged in ("fg1:42:maybe", "fg1:0:y", "fg1:42", "br1:1:2026;DROP", "br1:x:2026"):
        assert ForgetCallback.unpack(forged) is None and BranchReportCallback.unpack(forged) is None


def test_long_texts_are_split_at_line_ends() -> None:
    lines = [f"line {i} " + "x" * 90 for i in range(100)]
    messages = split_message(lines)
    assert all(len(m) <= 4000 for m in messages) and len(messages) == 3
    assert "\n".join(messages) == "\n".join(lines)


def test_summaries_add_up() -> None:
    total = RecordSummary(1, 2, 3, 4, 5, 6, 700) + RecordSummary(1, 1, 1, 1, 1, 1, 1)
    assert total == RecordSummary(2, 3, 4, 5, 6, 7, 701)


def test_the_community_a_user_works_in() -> None:
    # The directory decides the current community (tests/test_organisation.py covers /use).
    assert community_of(Actor(user_id=1, current_community=3)) == 3
    with pytest.raises(DomainError):
        community_of(Actor(user_id=1))


def test_command_rules_for_records() -> None:
    member_only = {name for name, rule in COMMAND_RULES.items() if rule.need is Need.MEMBER}
    # Records' own; other features' member commands (leaderboards, follow-ups ...) test theirs.
    assert {"stats", "myrecord"} <= member_only
    stranger = Actor(user_id=1)
    admin = Actor(user_id=2, is_admin=True)
    assert command_refusal("stats", stranger, True) == "err.members_only"
    assert command_refusal("stats", admin, True) is None
    assert command_refusal("export", stranger, True) == "err.coordinators_only"
    assert command_refusal("export", admin, False) == "err.private_only"


def test_keys_built_at_run_time_exist() -> None:
    keys = [f"imp.col.{f}" for f in importer.FIELDS]
    keys += [f"imp.colname.{f}" for f in importer.REQUIRED]
    keys += list(importer._ROW_KEYS.values())
    keys += [f"xl.col.{c}" for c in sheets.CLAIM_COLUMNS]
    keys += [f"xl.sum.{c}" for c in sheets.SUMMARY_COLUMNS]
    keys += [f"xl.rec.{c}" for c in (*record_sheets.RECORD_COLUMNS, *record_sheets.MEMBER_COLUMNS)]
    assert [k for k in keys if k not in CATALOG] == []

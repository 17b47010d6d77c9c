"""Property tests: whatever people type after a command, the parsers answer or refuse cleanly."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot import arguments
from bot.callbacks import (
    BranchReportCallback,
    ExtendCallback,
    ForgetCallback,
    HoursCallback,
    PrivacyCallback,
    RequestCallback,
    WishCallback,
)
from bot.codes import parse_code
from bot.errors import InvalidInput
from bot.models import COMMUNITY_SETTINGS
from bot.people.organisation import parse_setting
from bot.reports import figures
from bot.timing import IsoWeek

# Text as people type it, plus the tokens that used to crash.
TYPED = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["²", "٣", "０", "9999", "0000", "99999999999999999999", "-1", "2026H3", "9999-W52"]),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
)
DEFAULT = (date(2026, 1, 1), date(2027, 1, 1))


@given(TYPED, st.integers(-1000, 1000), st.integers(0, 10**6))
def test_whole_returns_a_number_in_range_or_refuses(text: str, low: int, span: int) -> None:
    high = low + span
    try:
        value = arguments.whole(text, low, high)
    except InvalidInput as refusal:
        assert refusal.params == {"low": low, "high": high}
        return
    assert low <= value <= high


@given(TYPED)
def test_user_id_fits_sqlite(text: str) -> None:
    try:
        value = arguments.user_id(text)
    except InvalidInput:
        return
    assert 1 <= value < 2**63


@given(st.lists(TYPED, max_size=3))
def test_periods_are_read_or_refused(tokens: list[str]) -> None:
    try:
        (start, end), rest = figures.parse_period(tokens, DEFAULT)
    except InvalidInput as refusal:
        assert refusal.key in ("fig.bad_period", "arg.year_range")
        return
    assert start < end
    assert start.year >= arguments.YEAR_MIN and end.year <= arguments.YEAR_MAX + 1
    token = figures.period_token(start, end)
    if not rest and (start, end) != DEFAULT:
        assert figures.parse_token(token) == (start, end)


@given(st.integers(1990, 2110), st.integers(-2, 60))
def test_weeks_are_read_or_refused(year: int, week: int) -> None:
    parsed = IsoWeek.parse(f"{year}-W{week:02d}")
    if parsed is not None:
        assert arguments.YEAR_MIN <= parsed.year <= arguments.YEAR_MAX
        parsed.period(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))  # never overflows


@given(TYPED)
def test_week_text_never_crashes(text: str) -> None:
    IsoWeek.parse(text)


@given(TYPED)
def test_codes_are_positive_and_fit(text: str) -> None:
    value = parse_code(text)
    assert value is None or 0 < value < 10**10


@given(st.sampled_from(sorted(COMMUNITY_SETTINGS)), TYPED)
def test_settings_are_in_range_or_refused(key: str, raw: str) -> None:
    try:
        value = parse_setting(key, raw)
    except InvalidInput:
        return
    if key != "value_cap_fen":
        low, high = COMMUNITY_SETTINGS[key]
        assert value is not None and low <= value <= high


@given(st.text(max_size=70))
def test_forged_callback_data_unpacks_to_none_or_a_valid_model(data: str) -> None:
    for model in (
        WishCallback, ExtendCallback, BranchReportCallback, RequestCallback, ForgetCallback, HoursCallback,
        PrivacyCallback,
    ):  # fmt: skip
        parsed = model.unpack(data)
        if parsed is not None:
            assert parsed.pack() == data or model.unpack(parsed.pack()) == parsed


@given(st.integers(1, 10**11), st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_extend_buttons_carry_real_days_only(wish_id: int, day: str) -> None:
    parsed = ExtendCallback.unpack(f"x1:{wish_id}:{day}")
    if parsed is not None:
        assert parsed.as_date.isoformat().replace("-", "") == day
        assert arguments.YEAR_MIN <= parsed.as_date.year <= arguments.YEAR_MAX

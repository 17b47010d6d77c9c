"""Stored timestamps keep one sortable text form (storage/db.py utc_text), whatever the zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from storage.db import parse_utc, utc_text

zones = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(9998, 1, 1), timezones=zones))
def test_the_text_is_the_utc_instant_to_the_microsecond(when: datetime) -> None:
    text = utc_text(when)
    assert text == when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert parse_utc(text) == when


def test_whole_seconds_keep_their_microseconds_so_texts_sort_as_instants() -> None:
    assert utc_text(datetime(2026, 12, 2, 8, 0, tzinfo=UTC)) == "2026-12-02T08:00:00.000000Z"
    later = datetime(2026, 12, 2, 8, 0, 0, 1, tzinfo=UTC)
    assert utc_text(datetime(2026, 12, 2, 8, 0, tzinfo=UTC)) < utc_text(later)


def test_one_instant_in_two_zones_is_one_text_whichever_came_first() -> None:
    # utc_text remembers recent instants; an aware datetime equals the same instant in any zone.
    beijing = datetime(2026, 12, 2, 16, 0, tzinfo=timezone(timedelta(hours=8)))
    utc = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert utc_text(beijing) == utc_text(utc) == "2026-12-02T08:00:00.000000Z"
    assert utc_text(utc) == utc_text(beijing) == "2026-12-02T08:00:00.000000Z"

"""A conditional write's statements (storage/wishes.py): the UPDATE's text is made once per shape
of write and remembered, its parameters every time; whatever the shape, the two must agree."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.db import migrations, utc_text
from storage.models import Wish, WishStatus
from storage.wishes import _SETTABLE, HolderCap, WishWrite, _statements
from tests.factories import wish_record

NOW = datetime(2026, 12, 3, 8, 30, 0, 123456, tzinfo=UTC)
READ_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _schema() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    for _, _, sql in migrations():
        conn.executescript(sql)
    return conn


def _wish(holders: tuple[int, ...] = ()) -> Wish:
    return wish_record(id=1, holders=holders, made=READ_AT)


_VALUES = {
    "holder_id": st.one_of(st.none(), st.integers(1, 10**9)),
    "claimed_at": st.just(NOW),
    "delivered_at": st.just(NOW),
    "delivery_note": st.text(max_size=20),
    "delivery_photo_id": st.none(),
    "fulfilled_at": st.just(NOW),
    "reason": st.text(max_size=20),
    "branch_id": st.integers(1, 99),
    "due_date": st.just(date(2027, 1, 1)),
    "needed_members": st.integers(1, 5),
}


@st.composite
def writes(draw: st.DrawFn) -> tuple[WishWrite, Wish | None]:
    fields = draw(st.lists(st.sampled_from(sorted(_SETTABLE)), unique=True, max_size=4))
    set_fields = {name: draw(_VALUES[name]) for name in fields}
    write = WishWrite(
        from_statuses=frozenset(draw(st.sets(st.sampled_from(list(WishStatus)), min_size=1))),
        to_status=draw(st.one_of(st.none(), st.sampled_from(list(WishStatus)))),
        set_fields=set_fields,
        set_now=tuple(draw(st.lists(st.sampled_from(["claimed_at", "delivered_at"]), unique=True))),
        held_by=draw(st.one_of(st.none(), st.integers(1, 10**9))),
        as_read=draw(st.one_of(st.none(), st.just(_wish((7,))))),
        room_for_one_more=draw(st.booleans()),
        cap=draw(st.one_of(st.none(), st.builds(HolderCap, st.integers(1, 10**9), st.integers(1, 5)))),
        clear_holders=draw(st.booleans()),
        remove_holder=draw(st.one_of(st.none(), st.integers(1, 10**9))),
        add_holder=draw(st.one_of(st.none(), st.integers(1, 10**9))),
        add_posts=tuple(draw(st.lists(st.integers(-(10**12), -1), unique=True, max_size=2))),
    )
    one_trip = draw(st.one_of(st.none(), st.just(_wish())))
    return write, one_trip


@settings(max_examples=150, deadline=None)
@given(writes())
def test_every_shape_of_write_binds_as_many_parameters_as_its_text_asks(
    case: tuple[WishWrite, Wish | None],
) -> None:
    write, one_trip = case
    conn = _schema()
    for sql, params in _statements(1, write, NOW, one_trip):
        assert sql.count("?") == len(params)
        conn.execute(sql, params)  # SQLite prepares and binds it: the text is whole


def test_the_one_trip_read_stands_for_the_writes_own() -> None:
    write = WishWrite(from_statuses=frozenset({WishStatus.OPEN}), as_read=_wish((7,)))
    (sql, params), *_ = _statements(1, write, NOW, _wish())
    assert "updated_at = ? AND needed_members = ?" in sql
    assert params[-3:] == (utc_text(READ_AT), 1, 0)  # the one-trip read: nobody holds it
    (_, own), *_ = _statements(1, write, NOW)
    assert own[-3:] == (utc_text(READ_AT), 1, 1)


def test_a_column_no_write_may_set_is_refused_every_time() -> None:
    write = WishWrite(from_statuses=frozenset({WishStatus.OPEN}), set_fields={"beneficiary_phone": "x"})
    for _ in range(2):  # a remembered text must not let the second one through
        with pytest.raises(ValueError, match="may not set"):
            _statements(1, write, NOW)

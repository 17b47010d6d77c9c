"""storage.db.row_dict gives what dict(row) gives, the repeated-name case included."""

from __future__ import annotations

import sqlite3

from storage.db import row_dict


def test_row_dict_is_dict_of_the_row() -> None:
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    conn.execute("CREATE TABLE a (id INTEGER, name TEXT, note TEXT)")
    conn.execute("CREATE TABLE b (id INTEGER, name TEXT)")
    conn.execute("INSERT INTO a VALUES (1, '王秀英', NULL)")
    conn.execute("INSERT INTO b VALUES (2, 'other')")
    plain = conn.execute("SELECT * FROM a").fetchone()
    assert row_dict(plain) == dict(plain) == {"id": 1, "name": "王秀英", "note": None}
    # A join repeating names: the first column's value, as dict(row) keeps it.
    joined = conn.execute("SELECT a.*, b.* FROM a, b").fetchone()
    assert row_dict(joined) == dict(joined) == {"id": 1, "name": "王秀英", "note": None}

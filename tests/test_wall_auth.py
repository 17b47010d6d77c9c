"""The wall's authentication: Telegram's initData checked exactly as documented, and nothing else
let through (tests/wall_client.py signs independently of the server's library)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.wall.auth import MAX_HEADER_CHARS, Unauthorized, WallUser, authenticate
from tests.wall_client import sign, user_fields

TOKEN = "123456:TEST-TOKEN"
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def header(query: str) -> str:
    return f"tma {query}"


def good(**changes: str) -> str:
    fields = {**user_fields(4242, NOW - timedelta(minutes=5), lang="en"), **changes}
    return sign(fields, TOKEN)


def refused(value: str | None, now: datetime = NOW, token: str = TOKEN) -> str:
    with pytest.raises(Unauthorized) as caught:
        authenticate(value, token, now)
    return caught.value.reason


def test_a_signed_init_data_names_its_user() -> None:
    user = authenticate(header(good()), TOKEN, NOW)
    assert user == WallUser(id=4242, first_name="测试", language_code="en")


def test_fields_telegram_adds_later_are_signed_and_accepted() -> None:
    # Clients from Bot API 8.0 also send `signature` (and may send fields nobody knows yet);
    # with the bot token's HMAC they are simply part of the data-check-string.
    query = good(signature="abc-_DEF", chat_instance="-123", some_new_field="x")
    assert authenticate(header(query), TOKEN, NOW).id == 4242


def test_the_scheme_is_read_without_regard_to_case_and_spaces() -> None:
    assert authenticate(f"  TMA   {good()}  ", TOKEN, NOW).id == 4242


def test_a_tampered_hash_is_refused() -> None:
    pairs = dict(parse_qsl(good()))
    last = pairs["hash"][-1]
    pairs["hash"] = pairs["hash"][:-1] + ("0" if last != "0" else "1")
    refused(header(urlencode(pairs)))


@pytest.mark.parametrize("field", ["user", "auth_date", "query_id"])
def test_a_tampered_field_is_refused(field: str) -> None:
    pairs = dict(parse_qsl(good()))
    if field == "user":
        user = json.loads(pairs["user"])
        user["id"] = 1  # someone else, with the hash of the real user
        pairs["user"] = json.dumps(user, separators=(",", ":"))
    elif field == "auth_date":
        pairs["auth_date"] = str(int(pairs["auth_date"]) + 60)  # made to look fresher
    else:
        pairs["query_id"] += "x"
    refused(header(urlencode(pairs)))


def test_an_added_field_is_refused() -> None:
    refused(header(good() + "&is_admin=true"))


def test_another_bots_token_is_refused() -> None:
    refused(header(good()), token="654321:OTHER-TOKEN")


def test_signed_with_the_token_itself_instead_of_the_derived_key_is_refused() -> None:
    import hashlib
    import hmac

    fields = user_fields(4242, NOW, lang="en")
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    wrong = hmac.new(TOKEN.encode(), check.encode(), hashlib.sha256).hexdigest()
    refused(header(urlencode({**fields, "hash": wrong})))


def test_it_is_good_for_a_day_and_no_longer() -> None:
    day = timedelta(hours=24)
    fields = user_fields(4242, NOW, lang="en")
    query = header(sign(fields, TOKEN))
    assert authenticate(query, TOKEN, NOW + day).id == 4242
    assert refused(query, now=NOW + day + timedelta(seconds=1)) == "expired"


def test_a_moment_from_the_future_is_a_clock_but_more_is_a_forgery() -> None:
    soon = header(sign(user_fields(4242, NOW + timedelta(seconds=50), lang="en"), TOKEN))
    assert authenticate(soon, TOKEN, NOW).id == 4242
    later = header(sign(user_fields(4242, NOW + timedelta(minutes=2), lang="en"), TOKEN))
    assert refused(later) == "auth_date in the future"


def test_init_data_without_a_user_is_refused() -> None:
    fields = user_fields(4242, NOW, lang="en")
    del fields["user"]
    assert refused(header(sign(fields, TOKEN))) == "no user"


def test_a_bot_as_the_user_is_refused() -> None:
    fields = user_fields(4242, NOW, lang="en")
    fields["user"] = json.dumps({"id": 4242, "first_name": "bot", "is_bot": True})
    assert refused(header(sign(fields, TOKEN))) == "no user"


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "tma",
        "tma ",
        "Bearer abc",
        "tma%20abc",
        "tma hash=abc",
        "tma %%%",
        "tma a&&b",
        "tma \udcff\udcfe",  # bytes that were not UTF-8, as aiohttp hands them over
    ],
)
def test_malformed_headers_are_refused(value: str | None) -> None:
    refused(value)


def test_a_signed_but_malformed_user_is_refused() -> None:
    for user in ("not json", "[1, 2]", '{"first_name": "no id"}', '{"id": "4242", "first_name": "x"}'):
        fields = {**user_fields(4242, NOW, lang="en"), "user": user}
        refused(header(sign(fields, TOKEN)))


def test_a_repeated_field_is_refused_even_when_one_copy_is_signed() -> None:
    # Which copy would be hashed and which read? Neither: such data is not Telegram's.
    refused(header(good() + "&" + urlencode({"user": '{"id":1,"first_name":"x"}'})))


def test_an_oversized_header_is_refused_before_it_is_read() -> None:
    padding = "x" * MAX_HEADER_CHARS
    query = good(padding=padding)  # correctly signed, but no Mini App sends this much
    assert refused(header(query)) == "authorization header too long"

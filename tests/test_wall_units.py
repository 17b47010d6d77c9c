"""The wall's pieces without a web server: the card as data, the filters, the page query's plan."""

from __future__ import annotations

from datetime import date

import pytest

from bot.errors import InvalidInput
from bot.models import Category
from bot.services import Services
from bot.wall.cards import value_yuan, wall_card
from bot.wall.query import LIMIT_DEFAULT, Sort, WallQuery, parse_day, parse_query
from bot.wall.service import picture_type
from storage.wall import WALL_INDEX, WallFilter, WallRepo
from tests.factories import BENEFICIARY, coordinator, draft


def test_value_in_yuan_is_a_number_and_whole_when_it_can_be() -> None:
    assert value_yuan(None) is None
    assert value_yuan(20000) == 200 and isinstance(value_yuan(20000), int)
    assert value_yuan(8050) == 80.5
    assert value_yuan(1) == 0.01


async def test_a_wall_card_holds_nothing_a_group_card_would_not(services: Services) -> None:
    boss = await coordinator(services)
    wish = await services.wishes.create(boss, draft(), 1)
    card = wall_card(wish, "en", {}).model_dump(mode="json")
    text = repr(card)
    assert all(p not in text for p in (BENEFICIARY.name, BENEFICIARY.phone, BENEFICIARY.address))
    assert card["masked_name"] == "王**" and card["branch"] is None and card["joint"] is None
    assert card["status_label"] == "awaiting verification"


def test_an_empty_query_is_the_default_list() -> None:
    assert parse_query({}) == WallQuery()
    assert WallQuery().limit == LIMIT_DEFAULT and WallQuery().sort is Sort.DUE


def test_a_full_query() -> None:
    query = parse_query(
        {
            "category": ["veteran"],
            "branch": ["3"],
            "min_value": ["10"],
            "max_value": ["99.9"],
            "due_within": ["7"],
            "sort": ["new"],
            "q": ["  电 暖器  "],
            "limit": ["100"],
            "offset": ["20"],
        }
    )
    assert query == WallQuery(
        category=Category.VETERAN,
        branch_id=3,
        min_fen=1000,
        max_fen=9990,
        due_within=7,
        sort=Sort.NEW,
        text="电 暖器",
        limit=100,
        offset=20,
    )


@pytest.mark.parametrize(
    "raw",
    [
        {"branch": ["99999999999999999999"]},
        {"min_value": ["NaN"]},
        {"min_value": ["Infinity"]},
        {"max_value": [" 5"]},
        {"limit": ["+5"]},
        {"due_within": ["٣"]},
    ],
)
def test_odd_values_are_refused(raw: dict[str, list[str]]) -> None:
    with pytest.raises(InvalidInput):
        parse_query(raw)


def test_a_day_is_yyyy_mm_dd_only() -> None:
    assert parse_day("date", "2027-01-05") == date(2027, 1, 5)
    for bad in ("2027-1-5", "20270105", "2027-W01", "2027-02-29", None, 20270105, "２０２７-01-05"):
        with pytest.raises(InvalidInput):
            parse_day("date", bad)


def test_pictures_are_told_by_their_first_bytes() -> None:
    assert picture_type(b"\xff\xd8\xff\xdb rest") == "image/jpeg"
    assert picture_type(b"\x89PNG\r\n\x1a\n rest") == "image/png"
    for other in (b"", b"GIF89a", b"<svg", b"\x89PNG", b"RIFF....WEBP"):
        assert picture_type(other) is None


@pytest.mark.parametrize(
    "f",
    [
        WallFilter(community_id=1),
        WallFilter(community_id=1, newest_first=True),
        WallFilter(
            community_id=1,
            category="other",
            branch_id=1,
            min_fen=1,
            max_fen=9,
            due_by=date(2027, 1, 1),
            text="x",
        ),
    ],
)
async def test_the_wall_reads_only_the_communitys_open_and_claimed_wishes(
    services: Services, f: WallFilter
) -> None:
    """Through the wall's own index, which holds nothing but open and claimed wishes: never a walk
    over every wish the community had. The ids and the count come from the index alone (covering,
    the description included); only the page's rows are read from the table, by id."""
    plan = await WallRepo(services.db).plan(f)
    reads = [line for line in plan if line.startswith(("SEARCH w ", "SCAN w"))]
    from_index = [
        line for line in reads if f"USING COVERING INDEX {WALL_INDEX} (community_id=? AND status=?" in line
    ]
    by_id = [line for line in reads if "USING INTEGER PRIMARY KEY (rowid=?)" in line]
    assert len(from_index) == 3 and len(by_id) == 1 and len(reads) == 4, plan  # ids, count; page rows; count
    if f.category is not None:
        assert all("AND category=? AND due_date<?)" in line for line in from_index), plan
    partial = {
        row["name"]: row["partial"]
        for row in await services.db.reader.execute_fetchall("PRAGMA index_list(wishes)")
    }
    assert partial[WALL_INDEX] == 1

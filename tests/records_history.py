"""A year of a community's wishes, built through the real lifecycle at chosen instants, with
the figures every report must show worked out by hand below (see EXPECTED).

"Now" is 2026-11-20 10:00 Asia/Shanghai (the clock fixture's start). Wishes, in id order
(id: created · branch posted to · holder · due · value · category — what happened):

1: 2026-01-01 07:30 · 1 · 101 · 2026-01-31 · 200 · elderly_alone — verified 01-02, posted 01-03,
   claimed 01-04, delivered 01-20, fulfilled 01-21 (on time)
2: 2026-02-01 · 1 · 101 · 2026-02-28 · 150 · left_behind_child — posted 02-02, claimed 02-03,
   delivered 03-05 (5 days late), fulfilled 03-06
3: 2026-03-01 · 2 · 201 · 2026-03-31 · — · elderly_alone — posted 03-02, claimed 03-03,
   delivered and fulfilled 03-10
4: 2026-07-01 · 2 · 201 · 2026-11-10 · 300 · disabled — posted 07-02, claimed 07-05, not delivered
   (overdue by 10 days now)
5: 2026-10-01 · 1 · 102 · 2026-11-30 · 80 · elderly_alone — posted 10-02, claimed 10-03,
   delivered 11-18 (awaiting confirmation)
6: 2026-11-02 · 1 · — · 2026-12-15 · 50 · poor_student — posted 11-02, open
7: 2026-11-05 · — · — · 2026-12-20 · — · elderly_alone — pending (same beneficiary as wish 1)
8: 2026-06-01 · — · — · 2026-06-30 · — · veteran — rejected 06-02
9: 2026-05-01 · — · — · 2026-05-31 · — · hardship_family — cancelled 05-02
10: 2025-12-20 · 1 · 102 · 2025-12-31 · 100 · other — posted 2025-12-20, claimed 2025-12-21,
   delivered 2026-01-05 (5 days late), fulfilled 2026-01-06
11: 2026-11-01 · 2 · 201 · 2026-11-15 · 120 · veteran — posted 11-01, claimed 11-02,
   delivered 11-05, fulfilled 11-06
12: 2026-08-01 · — · — · 2026-09-30 · — · left_behind_child — verified 08-02, never posted

Wishes are verified the day after they are created and posted the day after that unless the
table says otherwise (wish 3: verified and posted 03-02).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.models import Beneficiary, Category, WishDraft
from bot.services import Services
from tests.factories import COORDINATOR, coordinator, member

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
GROUP_1, GROUP_2 = -100100, -100200
ZHANG, LI, WANG = 101, 102, 201
NAMES = {COORDINATOR: "李主任", ZHANG: "张丽", LI: "李强", WANG: "王芳"}
BRANCH_1, BRANCH_2 = "第一支部", "第二支部"
WANG_XIUYING = Beneficiary(name="王秀英", phone="13812345678", address="幸福路 8 号 3 单元 502 室")
PEOPLE = [
    WANG_XIUYING,
    Beneficiary(name="赵小宝", phone="13900000002", address="和平街 2 号"),
    Beneficiary(name="孙大爷", phone="13900000003", address="建设路 3 号"),
    Beneficiary(name="周阿姨", phone="13900000004", address="人民路 4 号"),
    Beneficiary(name="吴奶奶", phone="13900000005", address="解放路 5 号"),
    Beneficiary(name="郑同学", phone="13900000006", address="学府路 6 号"),
    WANG_XIUYING,
    Beneficiary(name="冯先生", phone="13900000008", address="光明路 8 号"),
    Beneficiary(name="陈女士", phone="13900000009", address="友谊路 9 号"),
    Beneficiary(name="褚爷爷", phone="13900000010", address="胜利路 10 号"),
    Beneficiary(name="卫老兵", phone="13900000011", address="拥军路 11 号"),
    Beneficiary(name="蒋小妹", phone="13900000012", address="新村 12 号"),
]
SECRETS = [p.name for p in PEOPLE] + [p.phone for p in PEOPLE] + [p.address for p in PEOPLE]


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class Expected:
    """Hand-computed from the table above (period: the year 2026; month: November)."""

    # where things stand now
    pending: int = 1  # 7
    verified: int = 1  # 12
    open: int = 1  # 6
    claimed: int = 1  # 4
    delivered: int = 1  # 5
    overdue: int = 1  # 4 (due 11-10)
    # 2026
    year_collected: int = 11  # all but 10
    year_claimed: int = 6  # 1 2 3 4 5 11
    year_fulfilled: int = 5  # 1 2 3 10 11
    year_value_fen: int = 57000  # 200 + 150 + 0 + 100 + 120 yuan
    year_due: int = 9  # 1 2 3 4 5 6 7 11 12 (8 rejected, 9 cancelled, 10 due 2025)
    year_due_fulfilled: int = 4  # 1 2 3 11
    year_rate: str = "44%"
    # November
    month_collected: int = 3  # 6 7 11
    month_fulfilled: int = 1  # 11
    month_due: int = 3  # 4 5 11
    month_due_fulfilled: int = 1  # 11
    month_rate: str = "33%"


EXPECTED = Expected()


async def build(services: Services, clock: FakeClock) -> dict[int, int]:
    """Create the history; returns {table id: wish id} (they are equal on a fresh database)."""
    boss = await coordinator(services)
    await services.members.register(COORDINATOR, NAMES[COORDINATOR], "zh", clock.now())
    async with services.db.transaction() as conn:
        await conn.execute("UPDATE branches SET name = ? WHERE id = 1", (BRANCH_1,))
        second = await services.branches.create(conn, 1, BRANCH_2, clock.now())
    assert second is not None
    people = {
        ZHANG: await member(services, ZHANG, NAMES[ZHANG], branch_id=1),
        LI: await member(services, LI, NAMES[LI], branch_id=1),
        WANG: await member(services, WANG, NAMES[WANG], branch_id=second.id),
    }
    await services.groups.bind(GROUP_1, 1, "第一支部群", "zh", COORDINATOR, clock.now(), branch_id=1)
    await services.groups.bind(GROUP_2, 1, "第二支部群", "zh", COORDINATOR, clock.now(), branch_id=second.id)
    groups = {1: GROUP_1, 2: GROUP_2}
    w = services.wishes
    ids: dict[int, int] = {}

    async def new(n: int, created: datetime, due: date, category: Category, value: int | None) -> int:
        clock.set(created)
        draft = WishDraft(
            beneficiary=PEOPLE[n - 1],
            category=category,
            description=f"心愿{n}",
            value_fen=value * 100 if value is not None else None,
            due_date=due,
        )
        wish = await w.create(boss, draft, 1)
        ids[n] = wish.id
        return wish.id

    async def step(when: datetime, action: str, wish_id: int, **kw: object) -> None:
        clock.set(when)
        await getattr(w, action)(kw.pop("actor", boss), wish_id, **kw)

    async def posted(n: int, branch: int, verified: datetime, post: datetime) -> int:
        await step(verified, "verify", ids[n])
        await step(post, "post", ids[n], chat_ids=[groups[branch]])
        return ids[n]

    # 1: on time, created early on New Year's Day (still 2025 in UTC).
    await new(1, at(1, 1, 7, 30), date(2026, 1, 31), Category.ELDERLY_ALONE, 200)
    await posted(1, 1, at(1, 2), at(1, 3))
    await step(at(1, 4), "claim", ids[1], actor=people[ZHANG])
    await step(at(1, 20), "deliver", ids[1], actor=people[ZHANG])
    await step(at(1, 21), "confirm", ids[1])
    # 2: delivered 5 days late, fulfilled after February ended.
    await new(2, at(2, 1), date(2026, 2, 28), Category.LEFT_BEHIND_CHILD, 150)
    await posted(2, 1, at(2, 1, 15), at(2, 2))
    await step(at(2, 3), "claim", ids[2], actor=people[ZHANG])
    await step(at(3, 5), "deliver", ids[2], actor=people[ZHANG])
    await step(at(3, 6), "confirm", ids[2])
    # 3
    await new(3, at(3, 1), date(2026, 3, 31), Category.ELDERLY_ALONE, None)
    await posted(3, 2, at(3, 2), at(3, 2, 10))
    await step(at(3, 3), "claim", ids[3], actor=people[WANG])
    await step(at(3, 10), "deliver", ids[3], actor=people[WANG])
    await step(at(3, 10, 18), "confirm", ids[3])
    # 4: overdue now
    await new(4, at(7, 1), date(2026, 11, 10), Category.DISABLED, 300)
    await posted(4, 2, at(7, 1, 15), at(7, 2))
    await step(at(7, 5), "claim", ids[4], actor=people[WANG])
    # 5: delivered, awaiting confirmation
    await new(5, at(10, 1), date(2026, 11, 30), Category.ELDERLY_ALONE, 80)
    await posted(5, 1, at(10, 1, 15), at(10, 2))
    await step(at(10, 3), "claim", ids[5], actor=people[LI])
    await step(at(11, 18), "deliver", ids[5], actor=people[LI])
    # 6: open
    await new(6, at(11, 2), date(2026, 12, 15), Category.POOR_STUDENT, 50)
    await posted(6, 1, at(11, 2, 10), at(11, 2, 11))
    # 7: pending, same beneficiary as 1
    await new(7, at(11, 5), date(2026, 12, 20), Category.ELDERLY_ALONE, None)
    # 8: rejected
    await new(8, at(6, 1), date(2026, 6, 30), Category.VETERAN, None)
    await step(at(6, 2), "reject", ids[8], reason="不符合条件")
    # 9: cancelled
    await new(9, at(5, 1), date(2026, 5, 31), Category.HARDSHIP_FAMILY, None)
    await step(at(5, 2), "cancel", ids[9], reason="已由民政解决")
    # 10: last year's wish, fulfilled this year, 5 days late
    await new(10, at(12, 20, 9, 0, 2025), date(2025, 12, 31), Category.OTHER, 100)
    await posted(10, 1, at(12, 20, 10, 0, 2025), at(12, 20, 11, 0, 2025))
    await step(at(12, 21, 9, 0, 2025), "claim", ids[10], actor=people[LI])
    await step(at(1, 5), "deliver", ids[10], actor=people[LI])
    await step(at(1, 6), "confirm", ids[10])
    # 11: this month, on time
    await new(11, at(11, 1), date(2026, 11, 15), Category.VETERAN, 120)
    await posted(11, 2, at(11, 1, 10), at(11, 1, 11))
    await step(at(11, 2), "claim", ids[11], actor=people[WANG])
    await step(at(11, 5), "deliver", ids[11], actor=people[WANG])
    await step(at(11, 6), "confirm", ids[11])
    # 12: verified, never posted, past due
    await new(12, at(8, 1), date(2026, 9, 30), Category.LEFT_BEHIND_CHILD, None)
    await step(at(8, 2), "verify", ids[12])

    clock.set(NOW)
    # The history's messages are not what the tests are about: mark them delivered.
    async with services.db.transaction() as conn:
        await conn.execute("UPDATE outbox SET status = 'sent' WHERE status = 'pending'")
    return ids

"""Property: a finished week's stored figures are what recomputing them gives, whatever happened
afterwards; and every figure storage/stats.py reads fast is what the plain definition counts.

Random histories go through the real lifecycle with a fake clock that moves on by hours and
days: wishes created (some due in the past), verified, rejected, posted to one of two branches'
groups or to a group of no branch, claimed, given back, delivered, disputed, reopened,
confirmed, cancelled, given more time, followed up; now and then a weekly report is built
(which stores the weeks it shows), personal data is erased, an operator moves a wish to
another branch or changes the follow-up window, or a step is recorded after the fact.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.errors import DomainError
from bot.people.policies import Actor
from bot.reports import figures as periods
from bot.services import Services
from bot.settings import Settings
from bot.timing import IsoWeek
from storage.db import parse_utc, utc_text
from storage.followups import Outcome
from storage.models import Period as ReportPeriod
from storage.records import RecordsRepo
from storage.stats import Period, Scope
from storage.stats_weeks import StoredWeeks
from tests import stats_reference as reference
from tests.factories import COORDINATOR, draft, member, seed_community

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 10, 5, 8, 0, tzinfo=SH)  # a Monday
MEMBERS = {1: 1, 2: 1, 3: 2}  # user id: branch
GROUPS = (-101, -102, -103)  # branch 1, branch 2, no branch
MAX_WISHES = 8  # few wishes, so that each goes a long way in one history

# "step" takes a wish one step further on its usual way (verify, post, claim, deliver, confirm),
# "fulfil" all the way (so that follow-ups have fulfilled wishes to follow); the others are the
# detours and the clock.
OPS = (
    "create", "create", "step", "step", "step", "step", "step", "advance", "advance", "advance", "report", "report",
    "reject", "cancel", "release", "dispute", "reopen", "extend", "move", "erase", "backfill",
    "fulfil", "followup", "followup", "window",
)  # fmt: skip
step = st.tuples(st.sampled_from(OPS), st.integers(0, 50), st.integers(0, 50))
histories = st.lists(step, min_size=30, max_size=70)


_NEXT = {
    "pending": "verify",
    "verified": "post",
    "open": "claim",
    "claimed": "deliver",
    "delivered": "confirm",
}


async def _setup(services: Services) -> tuple[Actor, dict[int, Actor]]:
    await seed_community(services)
    now = services.clock.now()
    async with services.db.transaction() as conn:
        second = await services.branches.create(conn, 1, "第二支部", now)
    assert second is not None and second.id == 2
    for chat, branch in zip(GROUPS, (1, 2, None), strict=True):
        await services.groups.bind(chat, 1, f"群{chat}", "zh", COORDINATOR, now, branch_id=branch)
    members = {uid: await member(services, uid, branch_id=branch) for uid, branch in MEMBERS.items()}
    async with services.db.transaction() as conn:  # three members may hold many wishes at once
        await conn.execute("UPDATE communities SET member_cap = 50 WHERE id = 1")
    return await services.directory.actor(COORDINATOR, "zh"), members


async def _play(services: Services, clock: FakeClock, history: list[tuple[str, int, int]]) -> None:
    boss, members = await _setup(services)
    community = await services.communities.get(1)
    assert community is not None
    w = services.wishes
    ids: list[int] = []
    history = [s for h in history for s in ([("step", *h[1:])] * 5 if h[0] == "fulfil" else [h])]
    for op, a, b in history:
        today = clock.now().astimezone(SH).date()
        if op == "advance":
            clock.advance(timedelta(hours=1 + a * 3 + b % 3))
            continue
        if op == "create":
            if len(ids) < MAX_WISHES:
                ids.append((await w.create(boss, draft(due=today + timedelta(days=a % 24 - 6)), 1)).id)
            continue
        if op == "report":
            await services.reports.build(community, IsoWeek.of(today).shifted(-(1 + a % 2)))
            continue
        if op == "window":
            # Follow-ups waited for another number of days, or counted since another instant.
            async with services.db.transaction() as conn:
                await conn.execute(
                    "UPDATE communities SET followup_days = ?, followups_since = ? WHERE id = 1",
                    (
                        (1, 2, 3, 7, 14)[a % 5],
                        None if b % 2 else utc_text(clock.now() - timedelta(hours=b * 7)),
                    ),
                )
            continue
        if op == "followup":
            # A visit to one of the fulfilled wishes not followed up yet.
            rows = await services.db.reader.execute_fetchall(
                "SELECT id FROM wishes WHERE status = 'fulfilled'"
                " AND id NOT IN (SELECT wish_id FROM followups) ORDER BY id"
            )
            if rows:
                await services.followups.record(
                    boss, int(rows[a % len(rows)][0]), list(Outcome)[b % 3], None, None
                )
            continue
        if not ids:
            continue
        wish_id = ids[a % len(ids)]
        someone = members[1 + b % 3]
        wish = await w.get(wish_id)
        holder = members.get(wish.holder_id or 0, someone)
        try:
            if op == "step":
                op = _NEXT.get(wish.status.value, "confirm")
            if op in ("reject", "cancel", "dispute"):
                await getattr(w, op)(boss, wish_id, "理由")
            elif op in ("verify", "confirm", "reopen"):
                await getattr(w, op)(boss, wish_id)
            elif op == "post":
                await w.post(boss, wish_id, [GROUPS[b % 3]])
            elif op == "claim":
                await w.claim(someone, wish_id)
            elif op == "release":
                await w.release(holder if b % 2 else boss, wish_id)
            elif op == "deliver":
                await w.deliver(holder, wish_id)
            elif op == "extend":
                await w.extend(boss, wish_id, today + timedelta(days=1 + b % 20), community=community)
            elif op == "move":
                # An operator's correction straight in the database: the triggers see it too.
                async with services.db.transaction() as conn:
                    await conn.execute(
                        "UPDATE wishes SET branch_id = ? WHERE id = ?", ((None, 1, 2)[b % 3], wish_id)
                    )
            elif op == "backfill":
                # A step recorded after the fact (a migration of old records): an event in the past.
                async with services.db.transaction() as conn:
                    await conn.execute(
                        "INSERT INTO events (wish_id, community_id, actor_id, action, at) VALUES (?, 1, ?, ?, ?)",
                        (wish_id, COORDINATOR, _NEXT.get(wish.status.value, "create"),
                         utc_text(clock.now() - timedelta(hours=1 + b * 5))),
                    )  # fmt: skip
            elif op == "erase":
                async with services.db.transaction() as conn:
                    await RecordsRepo(services.db).erase_person(conn, [wish_id], "王**", clock.now())
        except DomainError:
            pass  # refusals are part of random histories


def _instant(text: str) -> datetime:
    found = parse_utc(text)
    assert found is not None
    return found


def _weeks(first: date, now: datetime) -> list[IsoWeek]:
    found, week = [], IsoWeek.of(first).shifted(-1)
    while week.period(SH).end <= now:
        found.append(week)
        week = week.shifted(1)
    return found


async def _check(services: Services, clock: FakeClock) -> None:
    conn, stats = services.db.reader, services.stats
    now = clock.now()
    # Every stored week equals recomputing it now.
    stored_rows = await conn.execute_fetchall(
        "SELECT starts_at, ends_at, first_day, last_day FROM report_weeks WHERE computing IS NULL"
    )
    stored = [
        ReportPeriod(
            start=_instant(r[0]),
            end=_instant(r[1]),
            first_day=date.fromisoformat(r[2]),
            last_day=date.fromisoformat(r[3]),
            label="",
        )
        for r in stored_rows
    ]
    weeks = StoredWeeks(services.db, stats)
    read = await weeks.read(1, stored)
    assert len(read) == len(stored)
    for period in stored:
        key = (
            utc_text(period.start),
            utc_text(period.end),
            period.first_day.isoformat(),
            period.last_day.isoformat(),
        )
        assert read[key] == await stats.by_branch(1, period), period
        # And the service line stored with it (migration 0014) is what working it out gives.
        stored_service = await weeks.line(1, period, "service")
        if stored_service is not None:
            community = await services.communities.get(1)
            assert community is not None
            recounted = await services.points.totals(community, period.start, period.end)
            assert stored_service == recounted.model_dump(), period
        # And so is the follow-up line (migration 0015), as things stood at the week's end.
        stored_followups = await weeks.line(1, period, "followups")
        if stored_followups is not None:
            community = await services.communities.get(1)
            assert community is not None
            recounted_followups = await services.followups.figures(community, period.end)
            assert stored_followups == recounted_followups.model_dump(), period
    # Every finished week, as the report reads it, is the plain definition's.
    for week in _weeks(START.date() - timedelta(days=7), now):
        period = week.period(SH)
        expected = await reference.week(conn, 1, period)
        assert await stats.by_branch(1, period) == expected, week.label
        assert (await weeks.figures(1, [period]))[0] == expected, week.label
    # /stats: the counters and index ranges count what the plain queries count.
    counted = await conn.execute_fetchall(
        "SELECT status, n FROM wish_counts WHERE community_id = 1 AND n > 0"
    )
    actual = await conn.execute_fetchall(
        "SELECT status, COUNT(*) FROM wishes WHERE community_id = 1 GROUP BY status"
    )
    assert sorted(map(tuple, counted)) == sorted(map(tuple, actual))
    today = now.astimezone(SH).date()
    spans = [
        periods.year_of(today),
        periods.month_of(today),
        (START.date(), today + timedelta(days=3)),
        (START.date() - timedelta(days=3), START.date() + timedelta(days=9)),  # ended, mostly
    ]
    for scope in [Scope(community_id=1), Scope(community_id=1, branch_id=2)] + [
        Scope(community_id=1, user_id=uid) for uid in MEMBERS
    ]:
        assert await stats.snapshot(scope, today) == await reference.snapshot(conn, scope, today)
        for start, end in spans:
            span = Period(start=start, end=end, tz="Asia/Shanghai")
            assert await stats.figures(scope, span, now) == await reference.figures(conn, scope, span, now)
            top = [(c.category.value, c.count) for c in await stats.top_categories(scope, span)]
            assert top == await reference.top_categories(conn, scope, span)


async def _run(history: list[tuple[str, int, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Settings(
            _env_file=None, bot_token="1:x", db=str(Path(tmp) / "p.db"), admins=frozenset({COORDINATOR})
        )  # type: ignore[call-arg]
        clock = FakeClock(START)
        services = Services.build(cfg, clock)
        await services.db.open()
        try:
            await _play(services, clock, history)
            await _check(services, clock)
        finally:
            await services.close()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories)
def test_stored_weeks_equal_recomputed_ones_whatever_happens_later(
    history: list[tuple[str, int, int]],
) -> None:
    asyncio.run(_run(history))

"""Stored weeks of the weekly report: read instead of recomputed, dropped by the changes that
alter them (and only those), never stored from figures a concurrent change made stale; and the
counts by status /stats reads instead of counting."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.models import Figures
from bot.services import Services
from bot.settings import Settings
from bot.timing import IsoWeek
from storage.db import migrations
from storage.followups import FollowupFigures, Outcome
from storage.models import Period as ReportPeriod
from storage.stats import Scope, StatsRepo
from storage.stats_weeks import Line, StoredWeeks
from tests.factories import COORDINATOR, draft
from tests.scheduling import SH, People, at, bind_group, people, posted

W47 = IsoWeek(year=2026, week=47)


pytestmark = pytest.mark.passes_by_hand  # its settings: fast_settings (tests/conftest.py)


async def _stored(services: Services) -> list[str]:
    rows = await services.db.reader.execute_fetchall(
        "SELECT first_day FROM report_weeks WHERE community_id = 1 AND computing IS NULL ORDER BY first_day"
    )
    return [str(r[0]) for r in rows]


async def _week47(services: Services, clock: FakeClock) -> People:
    """W47 (11-16 .. 11-22): a wish due 11-18 fulfilled on time, one due 11-20 still open, one due
    11-19 claimed and never delivered; the report for W47 is built on 11-23."""
    clock.set(at(11, 9, 9))
    p = await people(services)
    await bind_group(services, None)
    clock.set(at(11, 16, 9))
    done = await posted(services, p.boss, date(2026, 11, 18))
    await services.wishes.claim(p.alice, done.id)
    await services.wishes.deliver(p.alice, done.id)
    await services.wishes.confirm(p.boss, done.id)
    await posted(services, p.boss, date(2026, 11, 20))  # wish 2
    late = await posted(services, p.boss, date(2026, 11, 19))  # wish 3
    await services.wishes.claim(p.alice, late.id)
    clock.set(at(11, 23, 10))
    return p


async def _report(services: Services, week: IsoWeek = W47) -> Any:
    community = await services.communities.get(1)
    assert community is not None
    return await services.reports.build(community, week)


async def test_a_report_stores_its_weeks_and_the_next_one_reads_them(
    services: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _week47(services, clock)
    first = await _report(services)
    assert first.this == Figures(
        collected=3,
        verified=3,
        posted=3,
        claimed=2,
        delivered=1,
        fulfilled=1,
        due=3,
        due_fulfilled=1,
        overdue=1,
    )
    assert len(await _stored(services)) == 8  # the week and the seven before it

    async def recompute(*_: Any) -> None:
        raise AssertionError("a stored week was computed again")

    monkeypatch.setattr(services.stats, "by_branch", recompute)
    assert await _report(services) == first


async def test_a_late_cancellation_drops_the_week_a_late_confirmation_does_not(
    services: Services, clock: FakeClock
) -> None:
    p = await _week47(services, clock)
    before = await _report(services)
    assert before.this.due == 3 and before.this.overdue == 1
    # Delivered and confirmed after the week: by definition W47 does not change.
    await services.wishes.deliver(p.alice, 3)
    await services.wishes.confirm(p.boss, 3)
    assert "2026-11-16" in await _stored(services)
    assert await _report(services) == before
    # Cancelled after the week: it no longer counts as due in W47.
    await services.wishes.cancel(p.boss, 2, "重复登记")
    assert "2026-11-16" not in await _stored(services)
    assert len(await _stored(services)) == 7  # the other weeks stay
    after = await _report(services)
    assert after.this.due == 2 and after.this.due_fulfilled == 1
    assert after.this == (await services.stats.totals(1, W47.period(SH))).model_copy(
        update={"branch_id": None}
    )


async def test_a_claim_given_back_or_moved_on_drops_the_weeks_it_was_overdue_in(
    services: Services, clock: FakeClock
) -> None:
    p = await _week47(services, clock)
    await _report(services)
    # Wish 3 was claimed in W47 and overdue at its end; given back, recomputing W47 says 0.
    await services.wishes.release(p.boss, 3)
    assert "2026-11-16" not in await _stored(services)
    assert (await _report(services)).this.overdue == 0


async def test_figures_a_change_made_stale_are_not_stored(services: Services, clock: FakeClock) -> None:
    p = await _week47(services, clock)
    stats = services.stats
    weeks = StoredWeeks(services.db, stats)
    period = W47.period(SH)
    compute = stats.by_branch

    async def racing(community_id: int, asked: ReportPeriod) -> dict[int | None, Figures]:
        found = await compute(community_id, asked)
        await services.wishes.cancel(p.boss, 2, "重复登记")  # commits while the week is computed
        return found

    stale_stats = StatsRepo(services.db)
    stale_stats.by_branch = racing  # type: ignore[method-assign]
    stale = await StoredWeeks(services.db, stale_stats).figures(1, [period])
    assert stale[0][1].due == 3  # what was read before the cancellation ...
    assert await _stored(services) == []  # ... is not kept
    fresh = await weeks.figures(1, [period])
    assert fresh[0][1].due == 2 and await _stored(services) == ["2026-11-16"]


async def test_a_reader_inside_an_older_snapshot_stores_nothing(services: Services, clock: FakeClock) -> None:
    await _week47(services, clock)
    reader = services.db.reader
    # A long read (an export streams its rows) keeps the reader in the snapshot it began with.
    cursor = await reader.execute("SELECT id FROM wishes")
    assert await cursor.fetchone() is not None
    try:
        figures = await StoredWeeks(services.db, services.stats).figures(1, [W47.period(SH)])
        assert figures[0][1].due == 3
        assert await _stored(services) == []
    finally:
        await cursor.close()
    await StoredWeeks(services.db, services.stats).figures(1, [W47.period(SH)])
    assert await _stored(services) == ["2026-11-16"]


async def test_the_scheduler_stores_the_week_that_ended_even_in_quiet_hours(
    services: Services, clock: FakeClock
) -> None:
    await _week47(services, clock)
    assert await services.reports.weekly_pass(at(11, 23, 0, 5)) == 0  # 00:05: nothing is sent
    assert await _stored(services) == ["2026-11-16"]


async def test_counts_by_status_follow_every_change(services: Services, clock: FakeClock) -> None:
    p = await _week47(services, clock)
    await services.wishes.cancel(p.boss, 2, "重复登记")
    await services.wishes.create(p.boss, draft(due=date(2026, 12, 1)), 1)
    counted = await services.db.reader.execute_fetchall(
        "SELECT status, n FROM wish_counts WHERE community_id = 1 AND n > 0 ORDER BY status"
    )
    assert [tuple(r) for r in counted] == [("cancelled", 1), ("claimed", 1), ("fulfilled", 1), ("pending", 1)]
    snapshot = await services.stats.snapshot(Scope(community_id=1), date(2026, 11, 23))
    assert (snapshot.pending, snapshot.claimed, snapshot.overdue) == (1, 1, 1)


async def test_an_upgraded_database_counts_the_wishes_it_had(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for version, name, sql in migrations()[:6]:
            conn.executescript(sql)
            conn.execute("INSERT INTO schema_version VALUES (?, ?, '2026-01-01T00:00:00Z')", (version, name))
        conn.execute("INSERT INTO communities (id, name, created_at) VALUES (1, 'c', '2026-01-01T00:00:00Z')")
        for status in ("pending", "pending", "open", "fulfilled"):
            holder = 7 if status == "fulfilled" else None
            conn.execute(
                "INSERT INTO wishes (community_id, status, beneficiary_name, beneficiary_phone,"
                " beneficiary_address, category, description, due_date, created_by, created_at, updated_at,"
                " holder_id) VALUES (1, ?, '王秀英', '', '', 'other', '电暖器', '2026-12-01', 9001,"
                " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', ?)",
                (status, holder),
            )
    settings = Settings(_env_file=None, bot_token="1:x", db=str(path), admins=frozenset({COORDINATOR}))  # type: ignore[call-arg]
    services = Services.build(settings, clock)
    await services.db.open()
    try:
        rows = await services.db.reader.execute_fetchall("SELECT status, n FROM wish_counts ORDER BY status")
        assert [tuple(r) for r in rows] == [("fulfilled", 1), ("open", 1), ("pending", 2)]
    finally:
        await services.close()


def test_the_week_of_a_due_date_is_its_monday() -> None:
    """The triggers find the week a due date falls in by its Monday, as SQLite computes it."""
    with sqlite3.connect(":memory:") as conn:
        for offset in range(-3, 12):
            day = date(2026, 11, 16) + timedelta(days=offset)
            (monday,) = conn.execute("SELECT date(?, 'weekday 0', '-6 days')", (day.isoformat(),)).fetchone()
            assert monday == IsoWeek.of(day).first_day.isoformat(), day


async def _line_stored(services: Services, line: Line, first_day: str = "2026-11-16") -> str | None:
    """A line kept with the week beginning `first_day` (migrations 0014, 0015), if stored."""
    rows = await services.db.reader.execute_fetchall(
        f"SELECT {line} FROM report_weeks WHERE community_id = 1 AND first_day = ?", (first_day,)
    )
    return str(rows[0][0]) if rows and rows[0][0] is not None else None


async def test_the_service_line_is_stored_and_cleared_by_hours_rules_and_settings(
    services: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The week's hours and points (bot/points) are stored with it (migration 0014); a
    correction of a wish's hours, a points rule or the default hours clear it, and the next
    report counts what recounting gives."""
    p = await _week47(services, clock)
    first = await _report(services)
    assert first.service is not None and first.service.wishes == 1
    assert await _line_stored(services, "service") is not None

    async def recount(*_: Any) -> None:
        raise AssertionError("a stored service line was worked out again")

    with monkeypatch.context() as patched:
        patched.setattr(services.points, "totals", recount)
        assert await _report(services) == first

    async def fresh() -> Any:
        period = W47.period(SH)
        community = await services.communities.get(1)
        assert community is not None
        return await services.points.totals(community, period.start, period.end)

    # A coordinator corrects the hours of wish 1 (fulfilled in W47) after the week.
    await services.wishes.hours.record(p.boss, 1, 55)
    assert await _line_stored(services, "service") is None
    corrected = await _report(services)
    assert corrected.service == await fresh() and corrected.service != first.service
    assert await _line_stored(services, "service") is not None
    # The points rule changes: every week's line of the community is cleared.
    await services.org.set_setting(p.boss, 1, "points_per_wish", "20")
    assert await _line_stored(services, "service") is None
    ruled = await _report(services)
    assert ruled.service == await fresh()
    # A late step of a wish fulfilled in another week leaves W47's line alone.
    await services.wishes.deliver(p.alice, 3)
    assert await _line_stored(services, "service") is not None


async def test_the_followup_line_is_stored_and_cleared_by_what_changes_it_only(
    services: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The follow-up line (done / waiting at the week's end) is stored with the week (migration
    0015) and read from then on, however long the community's history; a follow-up recorded
    after the week leaves it alone, while one of the week's follow-ups taken back, an older
    wish no longer fulfilled, or another counting window clear it, and the next report
    counts what recounting gives."""
    p = await _week47(services, clock)
    await services.followups.record(p.boss, 1, Outcome.SATISFIED, None, None)  # 11-23, after W47
    first = await _report(services)
    assert first.followups == FollowupFigures(done=0, waiting=0)  # wish 1 waits 14 days
    assert await _line_stored(services, "followups") is not None

    async def recount(*_: Any) -> None:
        raise AssertionError("a stored follow-up line was worked out again")

    with monkeypatch.context() as patched:
        patched.setattr(services.followups, "figures", recount)
        assert await _report(services) == first

    async def fresh() -> FollowupFigures:
        community = await services.communities.get(1)
        assert community is not None
        return await services.followups.figures(community, W47.period(SH).end)

    async def operator(sql: str, *args: object) -> None:
        async with services.db.transaction() as conn:
            await conn.execute(sql, args)

    # Waiting one day instead of fourteen: wish 1 (fulfilled 11-16) now counted by 11-22, its
    # follow-up (11-23) not: one waiting.
    await operator("UPDATE communities SET followup_days = 1 WHERE id = 1")
    assert await _line_stored(services, "followups") is None
    shorter = await _report(services)
    assert shorter.followups == await fresh() == FollowupFigures(done=0, waiting=1)
    assert await _line_stored(services, "followups") is not None
    # The follow-up was in fact made in the week: W47 counts it done.
    await operator("UPDATE followups SET recorded_at = '2026-11-20T02:00:00Z' WHERE wish_id = 1")
    assert await _line_stored(services, "followups") is None
    dated = await _report(services)
    assert dated.followups == await fresh() == FollowupFigures(done=1, waiting=0)
    # Counting since after wish 1 was fulfilled: nothing to count.
    await operator("UPDATE communities SET followups_since = '2026-11-21T00:00:00Z' WHERE id = 1")
    assert await _line_stored(services, "followups") is None
    assert (await _report(services)).followups == await fresh() == FollowupFigures()
    await operator("UPDATE communities SET followups_since = NULL WHERE id = 1")
    assert (await _report(services)).followups == FollowupFigures(done=1, waiting=0)
    # Later steps leave W47's line alone: a wish fulfilled after the week, a follow-up of it.
    await services.wishes.deliver(p.alice, 3)
    await services.wishes.confirm(p.boss, 3)
    await services.followups.record(p.boss, 3, Outcome.PARTLY, None, None)
    assert await _line_stored(services, "followups") is not None
    # Erasing a follow-up's note and photo (personal data) counts nothing differently.
    await operator("UPDATE followups SET note = NULL, photo_file_id = NULL WHERE wish_id = 1")
    assert await _line_stored(services, "followups") is not None
    # The follow-up taken back (an operator's correction) clears it.
    await operator("DELETE FROM followups WHERE wish_id = 1")
    assert await _line_stored(services, "followups") is None
    assert (await _report(services)).followups == await fresh() == FollowupFigures(done=0, waiting=1)
    # Wish 1 no longer fulfilled (an operator's correction, fulfilled_at kept): nothing counted.
    await operator("UPDATE wishes SET status = 'delivered' WHERE id = 1")
    assert await _line_stored(services, "followups") is None
    assert (await _report(services)).followups == await fresh() == FollowupFigures()

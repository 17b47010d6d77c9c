"""The weekly report: its numbers (from storage/stats.py), its text, its chart, its delivery.

A report covers one ISO week, Monday 00:00 to Sunday 24:00 in the community's time zone. The
scheduled one goes out at the community's report time (default Monday 09:00) for the last full
week, to every bound group and every coordinator, once (recorded in `reminders`); `/report`
builds the same for any week that has ended.

Completion rate (stated once, here and in the report): of the wishes whose due date falls in
the week (rejected and cancelled ones left out), the share fulfilled by the end of the week.
Because it is measured at the week's end, a week's rate never changes afterwards, so the
8-week history and "change from last week" compare like with like.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, tzinfo

from bot.errors import DomainError, InvalidInput
from bot.followups import render as followup_render
from bot.followups.service import FollowupService
from bot.models import (
    Community,
    Figures,
    NewOutbox,
    OutboxKind,
    Reminder,
    ReminderKind,
    Rendered,
)
from bot.people.directory import Directory
from bot.people.policies import Actor
from bot.points.rules import ServiceTotals
from bot.points.service import PointsService
from bot.points.views import totals_params
from bot.reports.chart_worker import ChartWorker
from bot.reports.figures import format_percent
from bot.reports.model import BranchRow, ReportOutput, WeeklyReport
from bot.settings import Settings
from bot.texts import t
from bot.timing import (
    IsoWeek,
    community_zone,
    in_quiet_hours,
    latest_weekly_slot,
    report_week_for,
)
from storage.db import Database
from storage.followups import FollowupFigures
from storage.groups import GroupRepo
from storage.media import MediaRepo
from storage.members import MemberRepo
from storage.models import Period as ReportPeriod
from storage.organisation import BranchRepo, CommunityRepo
from storage.outbox import OutboxRepo
from storage.reminders import ReminderRepo
from storage.stats import StatsRepo
from storage.stats_weeks import Line, StoredWeeks

HISTORY_WEEKS = 8


class ReportService:
    def __init__(
        self,
        *,
        db: Database,
        stats: StatsRepo,
        reminders: ReminderRepo,
        communities: CommunityRepo,
        branches: BranchRepo,
        groups: GroupRepo,
        members: MemberRepo,
        directory: Directory,
        media: MediaRepo,
        outbox: OutboxRepo,
        settings: Settings,
        charts: ChartWorker,
        followups: FollowupService | None = None,
        points: PointsService | None = None,
    ) -> None:
        self._db = db
        self._charts = charts
        self._stats = stats
        self._reminders = reminders
        self._communities = communities
        self._branches = branches
        self._groups = groups
        self._members = members
        self._directory = directory
        self._media = media
        self._outbox = outbox
        self._settings = settings
        self._weeks = StoredWeeks(db, stats)
        self._followups = followups
        self._points = points

    def zone(self, community: Community) -> tzinfo:
        return community_zone(community, self._settings.zone)

    # --- numbers --------------------------------------------------------------------------

    async def build(self, community: Community, week: IsoWeek) -> WeeklyReport:
        """The report of a week that has ended, with the weeks before it for the history.

        Every week it shows has ended, and a finished week's figures are stored once (see
        storage/stats_weeks.py): only weeks not stored yet are computed.
        """
        zone = self.zone(community)
        weeks = [week.shifted(-back) for back in range(HISTORY_WEEKS - 1, -1, -1)]  # oldest first
        figures = await self._weeks.figures(community.id, [w.period(zone) for w in weeks])
        by_branch = figures[-1]
        rows = [
            BranchRow(branch_id=b.id, name=b.name, figures=by_branch.get(b.id, Figures(branch_id=b.id)))
            for b in await self._branches.for_community(community.id)
        ]
        unposted = by_branch.get(None)
        if unposted is not None and (unposted.due or unposted.overdue):
            # Wishes due this week that never reached a branch: the table must show them.
            rows.append(BranchRow(branch_id=None, name="", figures=unposted))
        totals = [_total(list(f.values())) for f in figures]
        return WeeklyReport(
            community_id=community.id,
            community_name=community.name,
            week=week,
            this=totals[-1],
            previous=totals[-2],
            branches=rows,
            history=[(w.label, total.completion_rate) for w, total in zip(weeks, totals, strict=True)],
            followups=await self._followup_line(community, week.period(zone)),
            followup_days=community.followup_days,
            service=await self._service(community, week.period(zone)),
        )

    async def _service(self, community: Community, period: ReportPeriod) -> ServiceTotals | None:
        """The week's hours and points (kept true by the triggers of migration 0014)."""
        points = self._points
        if points is None:
            return None

        async def work(community: Community) -> dict[str, int]:
            return (await points.totals(community, period.start, period.end)).model_dump()

        return ServiceTotals(**await self._kept(community, period, "service", work))

    async def _followup_line(self, community: Community, period: ReportPeriod) -> FollowupFigures | None:
        """Follow-ups done and waiting as they stood at the week's end (migration 0015)."""
        followups = self._followups
        if followups is None:
            return None

        async def work(community: Community) -> dict[str, int]:
            return (await followups.figures(community, period.end)).model_dump()

        return FollowupFigures(**await self._kept(community, period, "followups", work))

    async def _kept(
        self,
        community: Community,
        period: ReportPeriod,
        line: Line,
        work: Callable[[Community], Awaitable[dict[str, int]]],
    ) -> dict[str, int]:
        """A line of the report stored with its finished week once worked out, worked out (and
        stored) otherwise. Unlike the week's figures these read the community's settings and
        history beyond the week, so the migrations' triggers clear them on those changes too."""
        stored = await self._weeks.line(community.id, period, line)
        if stored is not None:
            return stored
        token = await self._weeks.reserve_line(community.id, period, line)
        if token is not None:
            # Read again after the reservation: a settings change just before it must count.
            community = await self._communities.get(community.id) or community
        values = await work(community)
        if token is not None:
            await self._weeks.store_line(community.id, period, line, token, values)
        return values

    async def followups_waiting(self, community: Community, now: datetime, lang: str) -> str | None:
        """For coordinators' copies only (it names the wishes, masked): what still waits for a
        follow-up now. None when nothing does."""
        if self._followups is None:
            return None
        items, total = await self._followups.waiting_for_report(community, now)
        return followup_render.report_waiting(
            items, total, days=community.followup_days, lang=lang, zone=self.zone(community), now=now
        )

    async def output(self, report: WeeklyReport, lang: str) -> ReportOutput:
        chart, caption = await self._charts.draw(report, lang)
        return ReportOutput(text=render_text(report, lang), chart=chart, caption=caption)

    # --- on demand ------------------------------------------------------------------------

    async def community_for(self, actor: Actor, chat_id: int | None) -> Community:
        """A group's own community; in private the one the coordinator works in now (/use)."""
        group = await self._groups.get(chat_id) if chat_id is not None and chat_id < 0 else None
        community_id = group.community_id if group is not None else actor.current_community
        community = await self._communities.get(community_id) if community_id is not None else None
        if community is None:
            raise DomainError("err.no_community")
        return community

    def week_asked(self, community: Community, text: str | None, now: datetime) -> IsoWeek:
        """The week `/report [week]` means; raises InvalidInput for a bad or unfinished week."""
        zone = self.zone(community)
        if not text:
            return IsoWeek.of(now.astimezone(zone).date()).shifted(-1)
        week = IsoWeek.parse(text)
        if week is None:
            raise InvalidInput("report.bad_week")
        if now < week.period(zone).end:
            raise InvalidInput(
                "report.not_over", week=week.label, day=(week.last_day + timedelta(days=1)).isoformat()
            )
        return week

    # --- the scheduled pass ---------------------------------------------------------------

    async def weekly_pass(self, now: datetime) -> int:
        """At each community's report time, the last full week's report to every bound group and
        every coordinator who can be reached, once each; a late pass catches up once."""
        queued = 0
        for community in await self._communities.all():
            zone = self.zone(community)
            local = now.astimezone(zone)
            if not await self._stats.has_wishes(community.id):
                continue  # nothing to report before the first wish
            # The week that ended last is stored as soon as the pass sees it end (quiet hours
            # or not: nothing is sent), so /report and the report day find it ready.
            await self._weeks.figures(community.id, [IsoWeek.of(local.date()).shifted(-1).period(zone)])
            if in_quiet_hours(local.hour, community):
                continue
            week = report_week_for(latest_weekly_slot(local, community, zone))
            waiting = [
                (chat, lang)
                for chat, lang in await self._recipients(community)
                if not await self._reminders.any_sent(ReminderKind.WEEKLY_REPORT, chat, week.label)
            ]
            if not waiting:
                continue
            report = await self.build(community, week)
            outputs = {
                lang: await self.output(report, lang) for lang in sorted({lang for _, lang in waiting})
            }
            # Coordinators' copies (private chats: positive ids) also list what waits for a follow-up.
            private_langs = sorted({lang for chat, lang in waiting if chat > 0})
            followup_lists = {
                lang: await self.followups_waiting(community, now, lang) for lang in private_langs
            }
            async with self._db.transaction() as conn:
                keys = {
                    lang: await self._media.put(conn, out.chart, "image/png", now)
                    for lang, out in outputs.items()
                }
                for chat, lang in waiting:
                    row = Reminder(
                        kind=ReminderKind.WEEKLY_REPORT,
                        community_id=community.id,
                        recipient=chat,
                        period=week.label,
                    )
                    if not await self._reminders.record(conn, [row], now):
                        continue
                    out = outputs[lang]
                    await self._outbox.enqueue(
                        conn,
                        [
                            NewOutbox(kind=OutboxKind.MESSAGE, chat_id=chat, payload=Rendered(text=out.text)),
                            NewOutbox(
                                kind=OutboxKind.MESSAGE,
                                chat_id=chat,
                                payload=Rendered(text=out.caption, photo_media=keys[lang]),
                            ),
                        ],
                        now,
                    )
                    queued += 2
                    if chat > 0 and (listing := followup_lists.get(lang)):
                        listed = Rendered(text=listing)
                        item = NewOutbox(kind=OutboxKind.MESSAGE, chat_id=chat, payload=listed)
                        await self._outbox.enqueue(conn, [item], now)
                        queued += 1
        return queued

    async def _recipients(self, community: Community) -> list[tuple[int, str]]:
        """(chat, language): bound groups, then coordinators who registered and can be reached."""
        found = [(g.chat_id, g.lang) for g in await self._groups.active_for_community(community.id)]
        coordinators = await self._directory.coordinators(community.id)
        members = await self._members.get_many(coordinators)
        found += [(uid, m.lang) for uid, m in members.items() if m.unreachable_at is None]
        return found


# --- text and chart (pure) ----------------------------------------------------------------------


def _total(parts: list[Figures]) -> Figures:
    total = Figures()
    for part in parts:
        total = total.plus(part)
    return total.model_copy(update={"branch_id": None})


def _delta(value: int, before: int) -> str:
    change = value - before
    return f"+{change}" if change > 0 else (f"{change}" if change < 0 else "±0")


def _with_delta(lang: str, value: int, before: int) -> str:
    return t(lang, "report.delta", value=value, delta=_delta(value, before))


def _followup_lines(report: WeeklyReport, lang: str) -> list[str]:
    line = followup_render.rate_line(report.followups, report.followup_days, lang)
    return [line] if line else []


def _rate(lang: str, rate: float | None) -> str:
    return format_percent(rate) if rate is not None else t(lang, "report.no_rate")


def render_text(report: WeeklyReport, lang: str) -> str:
    this, before = report.this, report.previous
    lines = [
        t(
            lang,
            "report.title",
            week=report.week.label,
            first=report.week.first_day.isoformat(),
            last=report.week.last_day.isoformat(),
            community=report.community_name,
        ),
        "",
        t(
            lang,
            "report.activity",
            **{
                name: _with_delta(lang, getattr(this, name), getattr(before, name))
                for name in ("collected", "verified", "posted", "claimed", "delivered", "fulfilled")
            },
        ),
    ]
    if this.completion_rate is None:
        rate_line = t(lang, "report.rate_none")
    else:
        rate_line = t(
            lang,
            "report.rate",
            rate=_rate(lang, this.completion_rate),
            fulfilled=this.due_fulfilled,
            due=this.due,
        )
    if before.completion_rate is None:
        rate_line += t(lang, "report.rate_change_none")
    elif this.completion_rate is not None:
        points = round((this.completion_rate - before.completion_rate) * 100, 1)
        shown = f"{points:+.1f}".removesuffix(".0") if points else "±0"
        rate_line += t(lang, "report.rate_change", rate=_rate(lang, before.completion_rate), delta=shown)
    else:
        rate_line += t(lang, "report.rate_previous", rate=_rate(lang, before.completion_rate))
    lines += [
        rate_line,
        t(lang, "report.overdue", overdue=_with_delta(lang, this.overdue, before.overdue)),
        *_followup_lines(report, lang),
        *([t(lang, "hp.report_service", **totals_params(report.service))] if report.service else []),
        t(lang, "report.formula"),
        t(lang, "report.change_note"),
        "",
        t(lang, "report.branches"),
    ]
    for row in report.branches:
        f = row.figures
        lines.append(
            t(
                lang,
                "report.branch_line",
                name=row.name or t(lang, "report.unassigned"),
                due=f.due,
                fulfilled=f.due_fulfilled,
                rate=_rate(lang, f.completion_rate),
                overdue=f.overdue,
            )
        )
    return "\n".join(lines)[:4096]

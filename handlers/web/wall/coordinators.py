"""The wall's route for coordinators: the dashboard of a community they coordinate, with what
each list lets them do (coordinators_actions.py and coordinators_desk.py carry it out).

Cards here are the masked ones plus `details` ({name, phone, address}, else null): a list's card
carries its beneficiary's details exactly when the dashboard found that the chat's VIEW_DETAILS
policy shows them to this asker (the community's coordinators, as /wish and the verification
card do), so a coordinator can verify or chase a wish without going back to the chat. The
members' wall keeps its masked cards for everyone, coordinators too.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.models import Figures, Wish
from bot.reports.model import WeeklyReport
from bot.texts import t
from bot.wall import cards
from bot.wall.dashboard import Dashboard, Late, Pending
from bot.wall.query import ID_MAX, single, whole
from handlers.web.wall.common import Caller, api, ok


def _rate(due: int, fulfilled: int) -> float | None:
    return round(fulfilled / due, 4) if due else None


def _figures(figures: Figures) -> dict[str, Any]:
    return {
        "due": figures.due,
        "due_fulfilled": figures.due_fulfilled,
        "completion_rate": _rate(figures.due, figures.due_fulfilled),
        "overdue": figures.overdue,
    }


def _week(report: WeeklyReport, lang: str) -> dict[str, Any]:
    return {
        "label": report.week.label,
        **_figures(report.this),
        "branches": [
            {"id": row.branch_id, "name": row.name or t(lang, "report.unassigned"), **_figures(row.figures)}
            for row in report.branches
        ],
    }


def _card(found: Dashboard, wish: Wish, lang: str, names: dict[int, str]) -> dict[str, Any]:
    return cards.desk_card(wish, lang, names, found.shows(wish)).model_dump(mode="json")


def _late(found: Dashboard, late: Late, lang: str, names: dict[int, str]) -> dict[str, Any]:
    card = _card(found, late.wish, lang, names)
    earliest, latest = late.window
    return {
        **card,
        "holders": late.holders,
        "days_late": late.days_late,
        "extend": {"earliest": earliest.isoformat(), "latest": latest.isoformat()},
    }


def _pending(found: Dashboard, item: Pending, lang: str, names: dict[int, str]) -> dict[str, Any]:
    card = _card(found, item.wish, lang, names)
    repeat = None
    if item.repeat is not None:
        repeat = {
            "months": item.repeat.months,
            "earlier": [e.code for e in item.repeat.earlier],
            "name_only": item.repeat.name_only,
        }
    return {**card, "own": item.own, "repeat": repeat}


@api
async def dashboard(request: web.Request, caller: Caller) -> web.Response:
    raw = single({name: request.query.getall(name) for name in request.query}, ("community",))
    community_id = whole("community", raw["community"], 1, ID_MAX) if raw.get("community") else None
    found = await caller.core.wall.dashboard(caller.actor, community_id)
    lang, names = caller.lang, {b.id: b.name for b in found.branches}
    counts = found.counts
    return ok(
        {
            "community": {"id": found.community.id, "name": found.community.name},
            "today": found.today.isoformat(),
            "counts": {
                "pending": counts.pending,
                "verified": counts.verified,
                "open": counts.open,
                "claimed": counts.claimed,
                "delivered": counts.delivered,
                "overdue": counts.overdue,
            },
            "this_week": {
                "label": found.week.label,
                "due": found.this_week.due,
                "due_fulfilled": found.this_week.due_fulfilled,
                "completion_rate": _rate(found.this_week.due, found.this_week.due_fulfilled),
            },
            "weeks": [_week(report, lang) for report in found.weeks],
            "formula": t(lang, "fig.formula"),
            "overdue": [_late(found, late, lang, names) for late in found.overdue],
            "pending": [_pending(found, item, lang, names) for item in found.pending],
            "four_eyes": found.community.four_eyes,
            "verified": [_card(found, w, lang, names) for w in found.verified],
            "post_branches": [b.model_dump() for b in cards.branch_items(found.post_branches)],
        }
    )

"""Pure renderers for hours and points: leaderboards, the rules, the privacy choice, and the
short lines records and reports add. Leaderboards go to groups too: they name members (or "a
volunteer") and never a wish or a beneficiary."""

from __future__ import annotations

from bot.callbacks import PrivacyCallback
from bot.models import Button, Community, Rendered
from bot.points.board import Board
from bot.points.hours import as_number, format_tenths
from bot.points.rules import PointsRules, ServiceTotals
from bot.points.service import Reapplied
from bot.texts import t

BOARD_TOP = 20
MAX_MESSAGE = 4096


def totals_params(totals: ServiceTotals) -> dict[str, object]:
    return {
        "hours": format_tenths(totals.hours_tenths),
        "points": format_tenths(totals.points_tenths),
        "wishes": totals.wishes,
    }


def rules_line(rules: PointsRules, lang: str) -> str:
    joint = t(lang, "hp.joint_shared" if rules.joint_shared else "hp.joint_split")
    return t(
        lang,
        "hp.rules_line",
        per_wish=rules.per_wish,
        bonus=rules.on_time_bonus,
        per_hour=rules.per_hour,
        joint=joint,
    )


def leaderboard_text(board: Board, lang: str, viewer: int | None = None) -> str:
    """The ranking; `viewer` (in their private chat only) finds their own line marked, and their
    place under the list when it is not among the first."""
    where = board.community.name + (f" · {board.branch.name}" if board.branch else "")
    period = board.period
    lines = [
        t(
            lang,
            "hp.board_title",
            where=where,
            start=period.start.isoformat(),
            end=period.last_day.isoformat(),
        )
    ]
    if not board.rows:
        lines.append(t(lang, "hp.board_empty"))
    for row in board.rows[:BOARD_TOP]:
        name = row.name if row.name is not None else t(lang, "hp.board_hidden")
        if row.user_id == viewer:
            name += t(lang, "hp.you_mark")
        lines.append(t(lang, "hp.board_line", rank=row.rank, name=name, **totals_params(row.totals)))
    if len(board.rows) > BOARD_TOP:
        lines.append(t(lang, "hp.board_more", count=len(board.rows) - BOARD_TOP))
        mine = next((r for r in board.rows[BOARD_TOP:] if r.user_id == viewer), None)
        if mine is not None:
            lines.append(t(lang, "hp.board_your_place", rank=mine.rank, **totals_params(mine.totals)))
    lines += ["", rules_line(board.rules, lang), t(lang, "hp.board_hint")]
    return "\n".join(lines)[:MAX_MESSAGE]


def rules_text(community: Community, lang: str) -> str:
    return "\n".join(
        [
            t(lang, "hp.rules_title", community=community.name),
            rules_line(PointsRules.of(community), lang),
            t(lang, "hp.hours_default_line", hours=community.hours_default),
            "",
            t(lang, "hp.rules_how"),
        ]
    )


def privacy_card(lang: str, hidden: bool) -> Rendered:
    text = t(lang, "hp.privacy_hidden" if hidden else "hp.privacy_shown") + "\n" + t(lang, "hp.privacy_hint")
    choice = (
        Button(text=t(lang, "hp.btn_show"), callback_data=PrivacyCallback(hide="n").pack())
        if hidden
        else Button(text=t(lang, "hp.btn_hide"), callback_data=PrivacyCallback(hide="y").pack())
    )
    return Rendered(text=text, buttons=((choice,),))


def service_line(totals: ServiceTotals, lang: str) -> str:
    """A record's or a report's hours and points, one line."""
    return t(lang, "hp.service_line", **totals_params(totals))


def cell_number(tenths: int | None) -> int | float | None:
    """Hours or points (kept in tenths) as a number a spreadsheet can add up."""
    return None if tenths is None else as_number(tenths)


def service_cells(service: ServiceTotals) -> list[int | float | None]:
    """A record's or a branch report's hours and points, as the sheets' last two columns."""
    return [cell_number(service.hours_tenths), cell_number(service.points_tenths)]


def served_suffix(hours_tenths: int | None, points_tenths: int | None, lang: str) -> str:
    """A record line's hours and points: nothing before delivery, hours until confirmed."""
    if hours_tenths is None:
        return ""
    if points_tenths is None:
        return "\n" + t(lang, "hp.line_delivered", hours=format_tenths(hours_tenths))
    return "\n" + t(
        lang, "hp.line_served", hours=format_tenths(hours_tenths), points=format_tenths(points_tenths)
    )


def reapplied_text(done: Reapplied, lang: str) -> str:
    """What /points reapply did: the period's points under the rules before and now."""
    period = done.period
    return "\n".join(
        [
            t(
                lang,
                "hp.reapplied",
                start=period.start.isoformat(),
                end=period.last_day.isoformat(),
                wishes=done.after.wishes,
                before=format_tenths(done.before.points_tenths),
                after=format_tenths(done.after.points_tenths),
            ),
            rules_line(done.rules, lang),
        ]
    )

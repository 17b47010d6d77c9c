"""What the wall's JSON says about a wish: pure renderers, no I/O, like bot/wishes/cards.py.

`wall_card` is the group card as data: the masked name and the category, never the full name,
phone or address. `held_card` adds those, and is only ever given a wish that
WishService.details returned for the actor (the VIEW_DETAILS policy), so the wall shows them
exactly when the chat would; `desk_card` (the coordinators' dashboard lists) adds them only when
the dashboard was told the same policy shows them to this actor.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.categories.book import CategoryChoice, label_of
from bot.models import Branch, Frozen, Wish, WishStatus
from bot.points.hours import as_number
from bot.records.model import MemberRecord
from bot.records.views import summary_line
from bot.texts import t
from bot.wishes.cards import mask_name
from bot.wishes.releases import ASKED


class Joint(Frozen):
    have: int
    need: int


class WallCard(Frozen):
    id: int
    code: str
    masked_name: str
    category: str
    category_label: str
    description: str
    value_yuan: int | float | None
    due_date: date
    branch: str | None
    joint: Joint | None
    status: str
    status_label: str


class Details(Frozen):
    name: str
    phone: str | None  # None once erased (retention, /forget)
    address: str | None


class DeskCard(WallCard):
    details: Details | None  # None unless the VIEW_DETAILS policy shows them to the asker


class DueWindow(Frozen):
    """The new due dates the holder may ask for (the same window as in the chat)."""

    earliest: date
    latest: date


class HeldCard(WallCard):
    details: Details
    delivery_note: str | None = None
    extend: DueWindow | None = None  # while it is claimed; None once delivered
    # The hours a delivery records unless the member states others (the community's default),
    # while it is claimed.
    hours_default: int | float | None = None


class Choice(Frozen):
    key: str
    label: str


class BranchItem(Frozen):
    id: int
    name: str


class ServiceRecord(Frozen):
    """A member's service record over a period (/myrecord's figures): the wishes fulfilled in
    it with their hours and points, and the claims behind them."""

    start: date
    end: date  # the period's last day
    wishes: int  # fulfilled in the period
    hours: int | float
    points: int | float
    claimed: int
    in_progress: int
    overdue: int
    summary: str  # /myrecord's summary line, in their language


def value_yuan(value_fen: int | None) -> int | float | None:
    """Fen as yuan: a whole number when it is one (200, not 200.0), else two decimals' worth."""
    if value_fen is None:
        return None
    yuan, fen = divmod(value_fen, 100)
    return yuan if fen == 0 else value_fen / 100


def wall_card(wish: Wish, lang: str, branch_names: Mapping[int, str]) -> WallCard:
    """A wish as any member of its community may see it."""
    joint = Joint(have=len(wish.holders), need=wish.needed_members) if wish.is_joint else None
    return WallCard(
        id=wish.id,
        code=wish.code,
        masked_name=mask_name(wish.beneficiary_name),
        category=wish.category,
        category_label=label_of(wish, lang),
        description=wish.description,
        value_yuan=value_yuan(wish.value_fen),
        due_date=wish.due_date,
        branch=branch_names.get(wish.branch_id) if wish.branch_id is not None else None,
        joint=joint,
        status=wish.status.value,
        status_label=t(lang, f"status.{wish.status.value}"),
    )


def held_card(
    wish: Wish,
    lang: str,
    branch_names: Mapping[int, str],
    window: DueWindow | None,
    hours_default: int | None = None,
) -> HeldCard:
    """The holder's view: the card plus the delivery details (see the module docstring).
    `hours_default` in tenths."""
    card = wall_card(wish, lang, branch_names)
    return HeldCard(
        **card.model_dump(),
        details=_details(wish),
        delivery_note=wish.delivery_note if wish.status is WishStatus.DELIVERED else None,
        extend=window,
        hours_default=as_number(hours_default) if hours_default is not None else None,
    )


def desk_card(wish: Wish, lang: str, branch_names: Mapping[int, str], shown: bool) -> DeskCard:
    """A dashboard list's card: with the details exactly when `shown`, which the dashboard
    decided for this actor and this wish through the VIEW_DETAILS policy."""
    card = wall_card(wish, lang, branch_names)
    return DeskCard(**card.model_dump(), details=_details(wish) if shown else None)


def _details(wish: Wish) -> Details:
    return Details(
        name=wish.beneficiary_name,
        phone=wish.beneficiary_phone or None,
        address=wish.beneficiary_address or None,
    )


def categories(choices: list[CategoryChoice]) -> list[Choice]:
    """The wall's category filter: the community's visible categories (bot/categories)."""
    return [Choice(key=c.key, label=c.label) for c in choices]


def branch_items(branches: list[Branch]) -> list[BranchItem]:
    return [BranchItem(id=b.id, name=b.name) for b in branches]


def release_reasons(lang: str) -> list[Choice]:
    """What the chat's Release asks, in its order and words: the wall offers the same."""
    return [Choice(key=r.value, label=t(lang, f"release.reason_{r.value}")) for r in ASKED]


def service_record(record: MemberRecord, lang: str) -> ServiceRecord:
    summary, service = record.summary, record.service
    return ServiceRecord(
        start=record.period.start,
        end=record.period.last_day,
        wishes=service.wishes,
        hours=as_number(service.hours_tenths),
        points=as_number(service.points_tenths),
        claimed=summary.claimed,
        in_progress=summary.in_progress,
        overdue=summary.overdue,
        summary=summary_line(summary, lang),
    )

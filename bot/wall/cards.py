"""What the wall's JSON says about a wish: pure renderers, no I/O, like bot/wishes/cards.py.

`wall_card` is the group card as data: the masked name and the category, never the full name,
phone or address. `held_card` adds those, and is only ever given a wish that
WishService.details returned for the actor (the VIEW_DETAILS policy), so the wall shows them
exactly when the chat would.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.categories.book import CategoryChoice, label_of
from bot.models import Branch, Frozen, Wish, WishStatus
from bot.texts import t
from bot.wishes.cards import mask_name


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


class DueWindow(Frozen):
    """The new due dates the holder may ask for (the same window as in the chat)."""

    earliest: date
    latest: date


class HeldCard(WallCard):
    details: Details
    delivery_note: str | None = None
    extend: DueWindow | None = None  # while it is claimed; None once delivered


class Choice(Frozen):
    key: str
    label: str


class BranchItem(Frozen):
    id: int
    name: str


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


def held_card(wish: Wish, lang: str, branch_names: Mapping[int, str], window: DueWindow | None) -> HeldCard:
    """The holder's view: the card plus the delivery details (see the module docstring)."""
    card = wall_card(wish, lang, branch_names)
    return HeldCard(
        **card.model_dump(),
        details=Details(
            name=wish.beneficiary_name,
            phone=wish.beneficiary_phone or None,
            address=wish.beneficiary_address or None,
        ),
        delivery_note=wish.delivery_note if wish.status is WishStatus.DELIVERED else None,
        extend=window,
    )


def categories(choices: list[CategoryChoice]) -> list[Choice]:
    """The wall's category filter: the community's visible categories (bot/categories)."""
    return [Choice(key=c.key, label=c.label) for c in choices]


def branch_items(branches: list[Branch]) -> list[BranchItem]:
    return [BranchItem(id=b.id, name=b.name) for b in branches]

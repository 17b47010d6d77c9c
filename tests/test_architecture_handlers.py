"""Handlers never reach a repository: they turn a request into calls on the core, and the core
alone asks storage. Checked on the source, so a handler that only a rare update runs is caught too.
"""

from __future__ import annotations

import ast
import dataclasses
import typing
from pathlib import Path

from bot.core import Core
from bot.messaging.sender import OutboxSender
from bot.services import Services

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = sorted((ROOT / "handlers").rglob("*.py"))


def _from_storage(cls: type) -> set[str]:
    """The attributes of a dataclass whose type is defined in storage/ (a repository, the database)."""
    # Names Services imports for its annotations only (it imports the sender when it makes one).
    hints = typing.get_type_hints(cls, localns={"OutboxSender": OutboxSender})
    return {
        f.name
        for f in dataclasses.fields(cls)
        if getattr(hints[f.name], "__module__", "").split(".")[0] == "storage"
    }


REPOSITORIES = _from_storage(Services)


def _is_services(node: ast.expr, aliases: set[str]) -> bool:
    """`context.services`, `self.services`, `services`, or a name given one of those."""
    if isinstance(node, ast.Attribute):
        return node.attr == "services"
    return isinstance(node, ast.Name) and (node.id == "services" or node.id in aliases)


def repository_uses(source: str) -> list[str]:
    """Every `services.<repository>` in a module, as `line: services.name`."""
    tree = ast.parse(source)
    aliases = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _is_services(node.value, set())
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    return [
        f"{node.lineno}: services.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in REPOSITORIES
        and _is_services(node.value, aliases)
    ]


def test_the_repositories_are_known() -> None:
    assert {"db", "wish_repo", "members", "groups", "communities", "requests", "drafts"} <= REPOSITORIES
    assert not REPOSITORIES & {"wishes", "org", "directory", "settings", "clock", "core"}


def test_the_check_sees_a_repository_however_it_is_reached() -> None:
    source = (
        "async def h(update, context):\n"
        "    await context.services.members.get(1)\n"
        "    services = context.services\n"
        "    await services.groups.get(2)\n"
        "    s = context.services\n"
        "    await s.wish_repo.get(3)\n"
        "    await context.services.wishes.get(4)\n"
    )
    assert repository_uses(source) == ["2: services.members", "4: services.groups", "6: services.wish_repo"]


def test_no_handler_reaches_a_repository() -> None:
    found = {
        str(path.relative_to(ROOT)): uses
        for path in HANDLERS
        if (uses := repository_uses(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_handlers_view_of_the_core_holds_no_repository() -> None:
    assert _from_storage(Core) == set()

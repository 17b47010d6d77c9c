"""The shape of the code, checked: layers that hold, no import cycles, rooms that stay small.

handlers/ -> bot/ -> storage/, never backwards. The composition root (bot/app.py, which puts
the three layers together, and the command line that starts it) is the one place allowed to
import handlers/.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bot", "handlers", "storage")
# bot.demo.server puts the same application and web server together for `wishwall demo`.
COMPOSITION_ROOT = {"bot.app", "bot.serve", "bot.demo.server"}
MODULE_MAX_LINES = 450
CLASS_MAX_LINES = 300


def _modules() -> dict[str, Path]:
    found = {}
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every module of ours this one imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in names if name in MODULES}


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def _layer(module: str) -> str:
    return module.split(".", 1)[0]


def test_no_import_goes_up_a_layer() -> None:
    allowed = {("handlers", "bot"), ("bot", "storage")}
    upward = [
        (module, target)
        for module, targets in GRAPH.items()
        for target in targets
        if _layer(module) != _layer(target)
        and (_layer(module), _layer(target)) not in allowed
        and module not in COMPOSITION_ROOT
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    assert cycles == []


def test_the_check_sees_a_cycle_and_an_upward_import() -> None:
    """The two tests above would notice: storage importing the core would be both."""
    assert "storage.db" in GRAPH and "bot.models" in GRAPH
    assert all(_layer(t) == "storage" for t in GRAPH["storage.wishes"])
    assert "handlers.registry" in GRAPH["bot.app"]  # the composition root, and only it


def test_modules_and_classes_stay_small() -> None:
    too_big = []
    for name, path in MODULES.items():
        source = path.read_text(encoding="utf-8")
        lines = source.count("\n")
        if lines > MODULE_MAX_LINES:
            too_big.append(f"module {name}: {lines} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                length = node.end_lineno - node.lineno + 1
                if length > CLASS_MAX_LINES:
                    too_big.append(f"class {name}.{node.name}: {length} lines")
    assert too_big == []


def test_sql_lives_in_storage_and_storage_knows_no_telegram() -> None:
    for name, path in MODULES.items():
        source = path.read_text(encoding="utf-8")
        if _layer(name) == "storage":
            assert "telegram" not in {n.split(".")[0] for n in _all_imports(path)}, name
        else:
            assert "execute(" not in source, f"SQL outside storage/: {name}"


def _all_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names

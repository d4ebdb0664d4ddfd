"""The package's rooms and their import direction (design.md, "Layout"): a circle between
modules, or an import from a lower room into a higher one, fails here with the edge named."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "devdb"

# Lower rooms first. A module may import its own room and any room before it.
ROOMS = (
    ("errors", "faults", "background", "progress"),
    ("project",),
    ("server", "app", "lint"),
    ("migrations",),
    ("copies",),
    ("backups", "vector", "branches"),
    ("rehearse",),  # fills copies with vector's embeddings, answers with lint's findings
    ("commands",),
    ("cli", "pytest_plugin"),
    ("__main__",),
)
RANK = {room: rank for rank, rooms in enumerate(ROOMS) for room in rooms}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported_modules(path: Path) -> set[str]:
    """devdb modules `path` imports anywhere (functions included: a lazy import is still a
    dependency), resolved to the module that holds the name."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [n if n in MODULES else node.module for n in names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name.startswith("devdb.") and name != module_name(path):
                found.add(name)
    return found


GRAPH = {name: imported_modules(path) for name, path in MODULES.items()}


def room(module: str) -> str:
    return module.split(".")[1]


def test_every_module_is_in_a_room() -> None:
    assert sorted({room(m) for m in MODULES if m != "devdb"} - RANK.keys()) == []


def test_no_import_goes_up_a_room() -> None:
    upward = [
        f"{a} -> {b}"
        for a, targets in GRAPH.items()
        if a != "devdb"
        for b in sorted(targets)
        if RANK[room(b)] > RANK[room(a)] or (RANK[room(b)] == RANK[room(a)] and room(a) != room(b))
    ]
    assert upward == []


def test_no_import_circles() -> None:
    circles: list[list[str]] = []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in GRAPH.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            if component:
                circles.append(sorted([node, *component]))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert circles == []

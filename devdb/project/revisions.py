"""The revision graph of an Alembic project, read from the revision files' own text.

Which revision a file declares and which ones it revises, then ancestors and heads. Pure
functions (no file reading, no Alembic import), so the warm path in migrations/ and the
linter in lint/ read the same graph the same way.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Declared:
    """What a revision file assigns at module level (Alembic imports it and reads these)."""

    revision: str | None  # None: no string literal, so Alembic would not load it as one
    down_revisions: tuple[str, ...] | None  # () the base; None: not a literal devdb can read


_ASSIGN = re.compile(
    r"^(revision|down_revision)[ \t]*(?::[^=\n]*)?=[ \t]*(.+?)[ \t]*(?:#.*)?$", re.MULTILINE
)
_NOT_LITERAL = object()


def declared_in_source(source: str, filename: str = "<revision>") -> Declared:
    """A line-anchored regex plus ``ast.literal_eval`` of each value; where that is not
    conclusive (multi-line tuples, an assignment written twice) the whole file is parsed.
    A file that is not Python raises SyntaxError."""
    quick = _quick_values(source)
    if quick is not None:
        return _declared(quick)
    return declared_in_tree(ast.parse(source, filename=filename))


def declared_in_tree(tree: ast.Module) -> Declared:
    """From a parsed module: the last module-level assignment of each name wins."""
    values: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                try:
                    values[target.id] = ast.literal_eval(value)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    values[target.id] = _NOT_LITERAL
    return _declared(values)


def _quick_values(source: str) -> dict[str, Any] | None:
    found: dict[str, Any] = {}
    for name, value in _ASSIGN.findall(source):
        if name in found:
            return None  # assigned twice: the full parse decides which one counts
        try:
            found[name] = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
    return found if "revision" in found and "down_revision" in found else None


def _declared(values: Mapping[str, Any]) -> Declared:
    revision = values.get("revision")
    down = values.get("down_revision", _NOT_LITERAL)
    downs: tuple[str, ...] | None
    if down is None:
        downs = ()
    elif isinstance(down, str):
        downs = (down,)
    elif isinstance(down, list | tuple) and all(isinstance(d, str) for d in down):
        downs = tuple(down)
    else:
        downs = None
    return Declared(revision if isinstance(revision, str) else None, downs)


def ancestors(parents: Mapping[str, Sequence[str]], start: Iterable[str]) -> set[str]:
    """`start` and every known revision below it (what a database at `start` has applied)."""
    seen: set[str] = set()
    stack = list(start)
    while stack:
        rev = stack.pop()
        if rev in seen or rev not in parents:
            continue
        seen.add(rev)
        stack.extend(parents[rev])
    return seen


def heads(parents: Mapping[str, Sequence[str]]) -> list[str]:
    """Revisions nobody revises: more than one means the branches need a merge."""
    revised = {d for downs in parents.values() for d in downs}
    return sorted(r for r in parents if r not in revised)

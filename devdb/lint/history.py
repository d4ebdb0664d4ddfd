"""The revision graph of the known migration files, read by devdb.project.revisions (the
same reading as the warm path's in migrations/scripts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devdb.lint.pysource import PySource
from devdb.project.revisions import Declared, declared_in_source


@dataclass
class Ancestry:
    order: list[Path]  # every known ancestor, parents before children
    complete: bool  # the chain reaches the base with every revision known


class RevisionGraph:
    def __init__(self, sources: dict[Path, PySource]) -> None:
        self.sources = sources
        self.declared = {path: _declared(src) for path, src in sources.items()}
        self.by_rev: dict[str, Path] = {}
        for path, declared in self.declared.items():
            if declared.revision:
                self.by_rev.setdefault(declared.revision, path)

    def parents(self, path: Path) -> tuple[list[Path], bool]:
        """Known parent files, and whether every parent is known."""
        downs = self.declared[path].down_revisions
        if downs is None:
            return [], False
        found = [self.by_rev[r] for r in downs if r in self.by_rev]
        return found, len(found) == len(downs)

    def ancestors(self, path: Path) -> Ancestry:
        order: list[Path] = []
        complete = True
        seen: set[Path] = {path}
        # Iterative post-order DFS (histories can be thousands of revisions deep).
        stack: list[tuple[Path, bool]] = []
        start, ok = self.parents(path)
        complete &= ok
        stack.extend((p, False) for p in reversed(start))
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if node in seen:
                continue
            seen.add(node)
            if self.sources[node].syntax_error:
                complete = False
            stack.append((node, True))
            parents, ok = self.parents(node)
            complete &= ok
            stack.extend((p, False) for p in reversed(parents) if p not in seen)
        return Ancestry(order, complete)


def _declared(src: PySource) -> Declared:
    if src.syntax_error:
        return Declared(None, None)
    try:
        return declared_in_source(src.text, str(src.path))
    except (SyntaxError, ValueError):  # ValueError: null bytes, which read_source records
        return Declared(None, None)

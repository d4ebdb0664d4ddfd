"""The revision graph of the known migration files (from their revision/down_revision)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devdb.lint.pysource import PySource


@dataclass
class Ancestry:
    order: list[Path]  # every known ancestor, parents before children
    complete: bool  # the chain reaches the base with every revision known


class RevisionGraph:
    def __init__(self, sources: dict[Path, PySource]) -> None:
        self.sources = sources
        self.by_rev: dict[str, Path] = {}
        for path, src in sources.items():
            if src.revision:
                self.by_rev.setdefault(src.revision, path)

    def parents(self, path: Path) -> tuple[list[Path], bool]:
        """Known parent files, and whether every parent is known."""
        downs = self.sources[path].down_revisions
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

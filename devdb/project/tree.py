"""The repository's files as discovery sees them: a bounded walk that skips what no app reads."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "env",
    "node_modules",
    "__pycache__",
    ".devdb",
    ".tox",
    "build",
    "dist",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "site-packages",
}


def walk_files(root: Path, max_depth: int = 4) -> Iterator[Path]:
    """Files under root, breadth-first, skipping virtualenvs and caches."""
    level = [root]
    for _ in range(max_depth + 1):
        next_level: list[Path] = []
        for folder in level:
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIP_DIRS and not entry.name.endswith(".egg-info"):
                        next_level.append(Path(entry.path))
                elif entry.is_file():
                    yield Path(entry.path)
        level = next_level


def shown_path(path: Path, root: Path) -> str:
    """`path` as the user sees it: relative to the project root when under it."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def add_keys(keys: list[str], new: Iterable[str]) -> None:
    """Append the env key names of `new` that `keys` lacks (compared case-insensitively)."""
    seen = {key.upper() for key in keys}
    for key in new:
        if key and key.upper() not in seen:
            seen.add(key.upper())
            keys.append(key)

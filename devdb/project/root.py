"""Which folder is the project: the one module every command needs first, so stdlib only."""

from __future__ import annotations

from pathlib import Path

PROJECT_MARKERS = ("pyproject.toml", "devdb.toml", ".git", "alembic.ini")


def find_project_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding a devdb config, else a project marker."""
    start = start.resolve()
    candidates = [start, *start.parents]
    for folder in candidates:
        if (folder / "devdb.toml").is_file():
            return folder
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "[tool.devdb" in pyproject.read_text(errors="replace"):
            return folder
    for folder in candidates:
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    return start

"""Discover a backend's layout from its files: what `devdb init` writes and `up` falls back to."""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
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
EXAMPLE_NAMES = (
    "env.example",
    ".env.example",
    ".env.sample",
    "example.env",
    ".env.template",
    "env.sample",
)
APP_ENTRY_NAMES = ("main.py", "app.py", "server.py", "manage.py")


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


@dataclass
class Discovered:
    alembic_ini: Path | None = None
    env_example: Path | None = None
    app_dir: Path | None = None
    app_command: list[str] = field(default_factory=list)
    fixtures_dir: Path | None = None
    python: str | None = None
    notes: list[str] = field(default_factory=list)


def _closest(paths: list[Path], anchor: Path | None) -> Path | None:
    if not paths:
        return None
    if anchor is None:
        return min(paths, key=lambda p: len(p.parts))

    def distance(p: Path) -> tuple[int, int]:
        common = len(os.path.commonpath([p.parent, anchor]).split(os.sep))
        return (len(p.parent.parts) + len(anchor.parts) - 2 * common, len(p.parts))

    return min(paths, key=distance)


def _has_alembic_section(path: Path) -> bool:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path)
    except configparser.Error:
        return False
    return parser.has_option("alembic", "script_location")


def discover(root: Path) -> Discovered:
    files = list(walk_files(root))
    found = Discovered()
    inis = [p for p in files if p.name == "alembic.ini" and _has_alembic_section(p)]
    found.alembic_ini = _closest(inis, None)
    anchor = found.alembic_ini.parent if found.alembic_ini else root
    if len(inis) > 1 and found.alembic_ini:
        found.notes.append(
            f"several alembic.ini files; using {found.alembic_ini.relative_to(root)}"
        )

    examples = [p for p in files if p.name in EXAMPLE_NAMES]
    found.env_example = _closest(examples, anchor)

    entries = [p for p in files if p.name in APP_ENTRY_NAMES and p.name != "manage.py"]
    entry = _closest([p for p in entries if p.name == "main.py"], anchor) or _closest(
        entries, anchor
    )
    if entry is not None:
        found.app_dir = entry.parent
        found.app_command = ["python", entry.name]

    fixture_dirs = [
        p.parent
        for p in files
        if p.parent.name in ("fixtures", "seeds") and p.suffix in (".sql", ".csv", ".py")
    ]
    found.fixtures_dir = _closest(sorted(set(fixture_dirs)), anchor)

    for folder in (anchor, root):
        for venv in (".venv", "venv"):
            python = folder / venv / "bin" / "python"
            if python.exists():
                found.python = str(python)
                return found
    return found


_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    return _SLUG.sub("-", name.lower()).strip("-") or "project"

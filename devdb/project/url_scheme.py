"""The URL scheme (and driver) a project's database URL needs when no env example shows one.

SQLAlchemy 2.1 reads `postgresql://` as psycopg (3); before 2.1 as psycopg2. A project that
installs only psycopg2 therefore needs `postgresql+psycopg2://`, one with only asyncpg
`postgresql+asyncpg://`. The evidence, in order of trust: a `KEY=postgresql+driver://…` line
in the README or docs (what the authors tell users to write), then the drivers the project
declares (pyproject dependencies, requirements files, Pipfile) when it declares SQLAlchemy.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

_DOC_NAMES = ("README.md", "README.rst", "README.txt", "README", "docs/README.md")
_REQUIREMENT_FILES = ("requirements.txt", "requirements-dev.txt", "requirements/base.txt")
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_SCHEME = re.compile(r"^(postgres(?:ql)?(?:\+[a-z0-9_]+)?)://", re.IGNORECASE)
# psycopg (3) first: a project declaring both was ported to it
_DRIVERS = (
    ("psycopg", "postgresql+psycopg"),
    ("psycopg-binary", "postgresql+psycopg"),
    ("psycopg2", "postgresql+psycopg2"),
    ("psycopg2-binary", "postgresql+psycopg2"),
    ("asyncpg", "postgresql+asyncpg"),
)
_MAX_DOC_BYTES = 400_000


class SchemeChoice(NamedTuple):
    scheme: str
    evidence: str  # for the user, e.g. "README.md:49" or "psycopg2-binary in pyproject.toml"


def normalized(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(lines: Iterable[str]) -> list[str]:
    """Distribution names of requirement strings (`psycopg[binary]>=3`, `-e .`, comments)."""
    names = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = _REQUIREMENT_NAME.match(line)
        if match:
            names.append(normalized(match.group(1)))
    return names


def _pyproject_names(path: Path) -> list[str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    project: Any = data.get("project", {})
    specs = list(project.get("dependencies", []) if isinstance(project, dict) else [])
    poetry = data.get("tool", {}).get("poetry", {})
    if isinstance(poetry, dict):
        for table in (poetry.get("dependencies", {}), *_poetry_groups(poetry)):
            if isinstance(table, dict):
                specs += [str(name) for name in table]
    return requirement_names(str(spec) for spec in specs if isinstance(spec, str))


def _poetry_groups(poetry: dict[str, Any]) -> list[Any]:
    groups = poetry.get("group", {})
    return (
        [g.get("dependencies", {}) for g in groups.values() if isinstance(g, dict)]
        if isinstance(groups, dict)
        else []
    )


def declared_dependencies(folders: Iterable[Path]) -> dict[str, str]:
    """Distribution name -> the file declaring it, over each folder's pyproject.toml,
    requirements files and Pipfile."""
    found: dict[str, str] = {}
    for folder in folders:
        candidates: list[tuple[Path, list[str]]] = []
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            candidates.append((pyproject, _pyproject_names(pyproject)))
        for name in (*_REQUIREMENT_FILES, "Pipfile"):
            path = folder / name
            if path.is_file():
                try:
                    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
                except OSError:
                    continue
                if name == "Pipfile":
                    lines = [
                        line.split("=", 1)[0].strip().strip('"') for line in lines if "=" in line
                    ]
                candidates.append((path, requirement_names(lines)))
        for path, names in candidates:
            for dist in names:
                found.setdefault(dist, str(path))
    return found


def documented_scheme(folders: Iterable[Path], url_keys: Iterable[str]) -> SchemeChoice | None:
    """The scheme of a `KEY=postgresql+driver://…` line (KEY one of `url_keys`) in a README."""
    keys = {key.upper() for key in url_keys}
    if not keys:
        return None
    line_pattern = re.compile(
        r"(?:^|[\s`'\"])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*[\"']?(postgres[^\s\"'`]*)"
    )
    for folder in folders:
        for name in _DOC_NAMES:
            path = folder / name
            try:
                if not path.is_file() or path.stat().st_size > _MAX_DOC_BYTES:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for number, line in enumerate(text.splitlines(), 1):
                for key, value in line_pattern.findall(line):
                    scheme = _SCHEME.match(value)
                    if key.upper() in keys and scheme and "+" in scheme.group(1):
                        return SchemeChoice(scheme.group(1).lower(), f"{path.name}:{number}")
    return None


def declared_scheme(dependencies: dict[str, str]) -> SchemeChoice | None:
    """The driver a SQLAlchemy project declares, when it declares exactly one kind."""
    if "sqlalchemy" not in dependencies and "sqlmodel" not in dependencies:
        return None  # the URL is not for SQLAlchemy: keep libpq's own `postgresql://`
    kinds = {scheme: dist for dist, scheme in _DRIVERS if dist in dependencies}
    if len(kinds) != 1:
        return None  # none, or several (sync and async): the example must say
    ((scheme, dist),) = kinds.items()
    return SchemeChoice(scheme, f"{dist} in {Path(dependencies[dist]).name}")


def default_url_scheme(folders: Iterable[Path], url_keys: Iterable[str]) -> SchemeChoice | None:
    """The scheme for URL keys no example gives a scheme to, or None (plain `postgresql`)."""
    ordered = list(dict.fromkeys(folders))
    return documented_scheme(ordered, url_keys) or declared_scheme(declared_dependencies(ordered))

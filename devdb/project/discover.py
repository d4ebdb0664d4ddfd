"""Discover a backend's layout from its files, each fact with its evidence.

What `devdb init` shows and writes, and what every command falls back to for a key the
config leaves out. The tree is walked once; only what the config does not set is looked for.
"""

from __future__ import annotations

import configparser
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from devdb.project.evidence import Fact, shown
from devdb.project.tree import SKIP_DIRS as SKIP_DIRS
from devdb.project.tree import walk_files as walk_files

EXAMPLE_NAMES = (
    "env.example",
    ".env.example",
    ".env.sample",
    "example.env",
    ".env.template",
    "env.sample",
    ".env.dist",
    ".env.local.example",
    ".env.dev.example",
    "sample.env",
    "env.template",
)
APP_ENTRY_NAMES = ("main.py", "app.py", "server.py", "manage.py")
# Env examples and fixtures here belong to tests or another part of the repository.
_NOT_BACKEND = {"tests", "test"}


@dataclass
class Configured:
    """What the config already says (absolute paths): discovery skips those facts."""

    alembic_ini: Path | None = None
    env_example: Path | None = None
    env_file: Path | None = None
    fixtures_dir: Path | None = None
    app_dir: Path | None = None
    app_command: list[str] | None = None
    python: str | None = None


@dataclass
class Discovered:
    alembic_ini: Path | None = None
    env_example: Path | None = None
    env_file: Path | None = None
    env_readers: list[Path] = field(default_factory=list)  # other files the app stack reads
    app_dir: Path | None = None
    app_command: list[str] = field(default_factory=list)
    python_path: list[Path] = field(default_factory=list)
    fixtures_dir: Path | None = None
    python: str | None = None
    python_problem: str | None = None  # requires-python excludes the interpreter
    facts: list[Fact] = field(default_factory=list)
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


def _ini_names_script_location(path: Path) -> bool:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return False
    return parser.has_option("alembic", "script_location") or (path.parent / "env.py").is_file()


def _has_alembic_section(path: Path) -> bool:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return False
    if parser.has_option("alembic", "script_location"):
        return True
    if parser.has_section("alembic") and _toml_script_location(path.parent / "pyproject.toml"):
        return True  # Alembic >= 1.16's pyproject template: the layout is in [tool.alembic]
    # Flask-Migrate's migrations/alembic.ini: script_location is set in code
    return parser.has_section("alembic") and (path.parent / "env.py").is_file()


def _toml_script_location(pyproject: Path) -> bool:
    import tomllib

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    section = data.get("tool", {}).get("alembic")
    return isinstance(section, dict) and bool(section.get("script_location"))


def _in_backend(path: Path, root: Path) -> bool:
    from devdb.project.start import is_decoy

    try:
        parts = path.relative_to(root).parts[:-1]
    except ValueError:
        return True
    return not is_decoy(path, root) and not any(p.lower() in _NOT_BACKEND for p in parts)


def _find_alembic_ini(files: list[Path], root: Path, found: Discovered) -> Path | None:
    inis = [p for p in files if p.name == "alembic.ini"]
    usable = [p for p in inis if _in_backend(p, root) and _has_alembic_section(p)]
    usable = usable or [p for p in inis if _has_alembic_section(p)]
    chosen = _closest(usable, None)
    if chosen is None:
        return None
    evidence = (
        "the only alembic.ini"
        if len(usable) == 1
        else (
            f"the shallowest of {len(usable)} alembic.ini files (set alembic_ini to choose another)"
        )
    )
    if not _ini_names_script_location(chosen):
        evidence += "; its script_location is in pyproject.toml (tool.alembic)"
    found.facts.append(Fact("alembic.ini", shown(chosen, root), evidence))
    if len(usable) > 1:
        found.notes.append(f"several alembic.ini files; using {shown(chosen, root)}")
    return chosen


def _python_sources(files: list[Path], folders: list[Path], root: Path) -> list[Path]:
    picked = [
        p
        for p in files
        if p.suffix == ".py"
        and _in_backend(p, root)
        and not p.name.startswith(("test_", "conftest"))
        and any(p.is_relative_to(folder) for folder in folders)
    ]
    return sorted(set(picked), key=lambda p: (len(p.parts), str(p)))


def _choose_env_file(
    found: Discovered,
    files: list[Path],
    root: Path,
    start_dir: Path,
    ini_dir: Path | None,
    start_evidence: str,
) -> None:
    from devdb.project.envreaders import find_readers

    folders = [start_dir] + ([ini_dir] if ini_dir and not ini_dir.is_relative_to(start_dir) else [])
    readers = [
        r
        for r in find_readers(_python_sources(files, folders, root))
        if _in_backend(r.source, root)
    ]
    # env.py's own reads run with the process in the alembic.ini folder, the app's in start_dir
    resolved: list[tuple[Path, str, int]] = []
    for reader in readers:
        in_migrations = ini_dir is not None and reader.source.name == "env.py"
        cwd = ini_dir if in_migrations and ini_dir else start_dir
        path = reader.resolve(cwd)
        how = f"{reader.how} in {shown(reader.source, root)}"
        resolved.append((path, how, reader.rank + (0 if in_migrations else 100)))
        if not in_migrations and ini_dir and ini_dir != start_dir and reader.where.relative:
            # the developer's own `alembic current` runs in the alembic.ini folder and imports
            # these settings too: that folder's copy must agree
            other = reader.resolve(ini_dir)
            if other != path:
                resolved.append((other, f"{how}, read from {shown(ini_dir, root)}/ by alembic", -1))
    compose_files = _compose_env_files(root, ini_dir or start_dir)
    if resolved:
        existing = [item for item in resolved if item[0].is_file()]
        path, how, _ = max(existing or resolved, key=lambda item: item[2])
        found.env_file = path
        found.facts.append(
            Fact(
                "env file",
                shown(path, root),
                f"{how}, run from {shown(start_dir, root)}/ ({start_evidence})",
            )
        )
    # compose `env_file:` is read even where no settings code names a file
    others = {p for p, _, _ in resolved} | set(compose_files)
    found.env_readers = sorted(p for p in others if p != found.env_file)


def _compose_env_files(root: Path, anchor: Path) -> list[Path]:
    from devdb.project.compose import app_service

    try:
        service_found = app_service(anchor, root)
    except Exception:  # a compose file devdb cannot read is not a reason to stop
        return []
    if service_found is None:
        return []
    _, service, path = service_found
    entries = service.get("env_file") or []
    entries = entries if isinstance(entries, list) else [entries]
    found = []
    for entry in entries:
        value = entry.get("path") if isinstance(entry, dict) else entry
        if isinstance(value, str) and "$" not in value:
            found.append((path.parent / value).resolve())
    return found


def _start_env_file(command: list[str], start_dir: Path) -> Path | None:
    """`uvicorn --env-file X` and `flask --env-file X` load X into the environment before the
    app is imported: what the app sees comes from X, over any file its settings read."""
    if not any(word in ("uvicorn", "flask") for word in command):
        return None
    for index, word in enumerate(command):
        value = None
        if word == "--env-file" and index + 1 < len(command):
            value = command[index + 1]
        elif word.startswith("--env-file="):
            value = word.split("=", 1)[1]
        if value and "$" not in value:
            return (start_dir / value).resolve()
    return None


def discover(
    root: Path,
    configured: Configured | None = None,
    state_dir: Path | None = None,
    requires_python: str | None = None,  # pyproject's [project] requires-python
) -> Discovered:
    from devdb.project.start import find_start

    configured = configured or Configured()
    found = Discovered()
    walked: list[Path] = []

    def tree() -> list[Path]:  # walked once, and only when something is left to discover
        if not walked:
            walked.extend(walk_files(root))
        return walked

    found.alembic_ini = configured.alembic_ini or _find_alembic_ini(tree(), root, found)
    ini_dir = found.alembic_ini.parent if found.alembic_ini else None

    # how the app starts: its directory is where relative env files are read
    start_evidence = "the project root"
    start_dir = configured.app_dir
    if configured.app_dir is None or configured.app_command is None:
        starts = find_start(root, tree(), ini_dir)
        if configured.app_dir is not None:
            starts = [s for s in starts if s.directory == configured.app_dir] or starts[:0]
        if starts:
            start = starts[0]
            start_dir = start.directory
            found.app_command = list(start.command)
            found.python_path = list(start.python_path)
            start_evidence = start.evidence
            other = next(
                (s for s in starts[1:] if s.directory != start.directory and s.trust >= 35), None
            )
            if other is not None:
                found.notes.append(
                    f"the app's start is in {shown(start.directory, root)}/ by {start.evidence}, "
                    f"not {shown(other.directory, root)}/ by {other.evidence}; "
                    "set app_dir and app_command in [tool.devdb] to choose"
                )
            found.facts.append(
                Fact(
                    "app start",
                    f"{' '.join(start.command)} in {shown(start.directory, root)}/",
                    start.evidence,
                )
            )
    if start_dir is None:
        entries = [
            p
            for p in tree()
            if p.name in APP_ENTRY_NAMES and p.name != "manage.py" and _in_backend(p, root)
        ]
        entry = _closest([p for p in entries if p.name == "main.py"], ini_dir) or _closest(
            entries, ini_dir
        )
        if entry is not None:
            start_dir = entry.parent
            found.app_command = found.app_command or ["python", entry.name]
            start_evidence = f"{shown(entry, root)} (no other start evidence)"
    if start_dir is not None and not found.app_command and configured.app_command is None:
        entry = next(
            (start_dir / n for n in APP_ENTRY_NAMES[:3] if (start_dir / n).is_file()), None
        )
        if entry is not None:
            found.app_command = ["python", entry.name]
    found.app_dir = start_dir
    if configured.app_dir is not None and configured.app_command is not None:
        from devdb.project.start import python_path_for

        found.python_path = list(python_path_for(root, configured.app_dir, configured.app_command))
    process_dir = start_dir or ini_dir or root

    command = configured.app_command if configured.app_command is not None else found.app_command
    loaded_by_start = _start_env_file(command, process_dir)
    if configured.env_file is not None or loaded_by_start is not None:
        found.env_file = configured.env_file or loaded_by_start
        if configured.env_file is None and loaded_by_start is not None:
            found.facts.append(
                Fact(
                    "env file",
                    shown(loaded_by_start, root),
                    f"--env-file in the app's start ({start_evidence}), over its settings' files",
                )
            )
        # the other files the stack reads are still found: each gets the same DB values
        readers = Discovered()
        _choose_env_file(readers, tree(), root, process_dir, ini_dir, start_evidence)
        others = {*readers.env_readers, *filter(None, [readers.env_file])}
        found.env_readers = sorted(others - {found.env_file})
    else:
        _choose_env_file(found, tree(), root, process_dir, ini_dir, start_evidence)

    if configured.env_example is not None:
        found.env_example = configured.env_example
    else:
        examples = [p for p in tree() if p.name in EXAMPLE_NAMES and _in_backend(p, root)]
        anchor = found.env_file.parent if found.env_file else (ini_dir or root)
        found.env_example = _closest(examples, anchor)
        decoys = [p for p in tree() if p.name in EXAMPLE_NAMES and not _in_backend(p, root)]
        if found.env_example is not None:
            found.facts.append(
                Fact(
                    "env example",
                    shown(found.env_example, root),
                    "the example nearest the env file",
                )
            )
        for decoy in decoys:
            found.notes.append(
                f"{shown(decoy, root)} is not the backend's (another part of the repository); not used"
            )
    if found.env_file is None:
        base = found.env_example.parent if found.env_example else process_dir
        found.env_file = base / ".env"
        reason = (
            "beside the env example"
            if found.env_example
            else f"where the app starts ({start_evidence})"
        )
        found.facts.append(
            Fact("env file", shown(found.env_file, root), f"no settings code names one; {reason}")
        )
        found.env_readers = [p for p in found.env_readers if p != found.env_file]

    found.fixtures_dir = configured.fixtures_dir
    if found.fixtures_dir is None:
        fixture_dirs = {
            p.parent
            for p in tree()
            if p.parent.name in ("fixtures", "seeds")
            and p.suffix in (".sql", ".csv", ".py")
            and _in_backend(p, root)
        }
        found.fixtures_dir = _closest(sorted(fixture_dirs), ini_dir or root)

    if state_dir is not None:
        from devdb.project.interpreter import (
            choose_interpreter,
            nearest_requires_python,
            requires_python_problem,
        )

        folders = [f for f in (start_dir, ini_dir, root) if f is not None]
        chosen = choose_interpreter(root, folders, state_dir, configured.python)
        found.python = chosen.python
        found.notes += chosen.notes
        nearest = nearest_requires_python(folders, root)
        spec, declared_in = nearest or (requires_python, "pyproject.toml")
        found.python_problem = requires_python_problem(spec, chosen.version, declared_in)
        found.facts.append(Fact("interpreter", chosen.python, chosen.evidence))
    return found


_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    return _SLUG.sub("-", name.lower()).strip("-") or "project"

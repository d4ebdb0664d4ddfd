"""The Python that runs the project's migrations and app.

Explicit config first; then the virtualenv the user is working in (`VIRTUAL_ENV`); then the
project's own (`.venv`, `venv`) if it can import Alembic and SQLAlchemy; then devdb's own.
A committed or half-made `.venv` that cannot is passed over, and said in one line.
Checks of other interpreters are cached in .devdb/ under the interpreter's file stamp.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

_PROBE = (
    "import importlib.util as u, sys; "
    "missing = [m for m in ('alembic', 'sqlalchemy') if u.find_spec(m) is None]; "
    "print('%d.%d.%d' % sys.version_info[:3]); print(','.join(missing))"
)
_VENV_NAMES = (".venv", "venv", "env")
_VERSION = re.compile(r"^\d+(\.\d+)*$")


@dataclass
class Interpreter:
    python: str
    evidence: str
    version: tuple[int, ...] | None = None
    notes: list[str] = field(default_factory=list)


def _stamp(python: Path) -> str:
    try:
        stat = python.stat()
    except OSError:
        return ""
    return f"{stat.st_mtime_ns}-{stat.st_size}-{stat.st_ino}"


def _probe(python: Path, cache: dict[str, list[object]]) -> tuple[tuple[int, ...] | None, str]:
    """(version, the problem or "") — the problem names what it cannot import or run."""
    key = str(python)
    stamp = _stamp(python)
    cached = cache.get(key)
    if cached and cached[0] == stamp:
        version_text, problem = str(cached[1]), str(cached[2])
    else:
        version_text, problem = _run_probe(python)
        cache[key] = [stamp, version_text, problem]
    version = (
        tuple(int(p) for p in version_text.split(".")) if _VERSION.match(version_text) else None
    )
    return version, problem


def _run_probe(python: Path) -> tuple[str, str]:
    try:
        result = subprocess.run(
            [str(python), "-c", _PROBE], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "", f"cannot run it ({exc.__class__.__name__})"
    lines = result.stdout.splitlines()
    if result.returncode != 0 or not lines:
        return "", f"cannot run it (exit {result.returncode})"
    missing = lines[1] if len(lines) > 1 else ""
    return lines[0], f"cannot import {missing.replace(',', ', ')}" if missing else ""


def _venv_python(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def choose_interpreter(
    root: Path, folders: list[Path], state_dir: Path, configured: str | None
) -> Interpreter:
    own = Interpreter(sys.executable, "devdb's own interpreter", tuple(sys.version_info[:3]))
    if configured:
        return Interpreter(configured, "python in the devdb config")
    cache_path = state_dir / "interpreters.json"
    try:
        cache = json.loads(cache_path.read_text())
    except (OSError, ValueError):
        cache = {}
    before = dict(cache)
    notes: list[str] = []
    candidates: list[tuple[Path, str]] = []
    active = os.environ.get("VIRTUAL_ENV")
    if active:
        candidates.append((_venv_python(Path(active)), f"the active virtualenv {active}"))
    seen: set[Path] = set()
    for folder in folders:
        for name in _VENV_NAMES:
            venv = folder / name
            if venv in seen or (not (venv / "pyvenv.cfg").is_file() and name == "env"):
                continue
            seen.add(venv)
            if _venv_python(venv).exists() or venv.is_dir():
                shown = os.path.relpath(venv, root)
                candidates.append((_venv_python(venv), f"the project's virtualenv {shown}"))
    chosen: Interpreter | None = None
    for python, evidence in candidates:
        if Path(sys.executable) == python or Path(sys.prefix) == python.parent.parent:
            chosen = Interpreter(sys.executable, evidence, own.version)
            break
        version, problem = _probe(python, cache) if python.exists() else (None, "no bin/python")
        if not problem:
            chosen = Interpreter(str(python), evidence, version)
            break
        notes.append(f"passed over {evidence}: {problem}")
    if cache != before:
        try:
            state_dir.mkdir(mode=0o700, exist_ok=True)
            cache_path.write_text(json.dumps(cache))
        except OSError:
            pass
    result = chosen or own
    result.notes = notes
    return result


_CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|~=|>|<)\s*([0-9][0-9.]*)(\.\*)?\s*$")


def nearest_requires_python(folders: list[Path], root: Path) -> tuple[str, str] | None:
    """(requires-python, the pyproject.toml declaring it) nearest to the app: a workspace
    member's own (backend/pyproject.toml) before the repository root's."""
    import tomllib

    for folder in folders:
        for candidate in (folder, *folder.parents):
            path = candidate / "pyproject.toml"
            if path.is_file():
                try:
                    project = tomllib.loads(path.read_text(encoding="utf-8")).get("project")
                except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                    project = None
                spec = project.get("requires-python") if isinstance(project, dict) else None
                if isinstance(spec, str):
                    return spec, str(path.relative_to(root)) if path.is_relative_to(root) else str(
                        path
                    )
            if candidate == root or not candidate.is_relative_to(root):
                break
    return None


def requires_python_problem(
    spec: object, version: tuple[int, ...] | None, declared_in: str = "pyproject.toml"
) -> str | None:
    """One line when `spec` (pyproject's `requires-python`) excludes `version`, else None."""
    if version is None or not isinstance(spec, str):
        return None
    for clause in spec.split(","):
        match = _CLAUSE.match(clause)
        if not match:
            continue
        op, number, star = match.groups()
        wanted = tuple(int(p) for p in number.split("."))
        have = version[: len(wanted)] if star or op in ("==", "!=") else version
        ok = {
            ">=": have >= wanted,
            ">": have > wanted,
            "<=": have <= wanted,
            "<": have < wanted,
            "==": have == wanted,
            "!=": have != wanted,
            "~=": have >= wanted and version[: len(wanted) - 1] == wanted[:-1],
        }[op]
        if not ok:
            shown = ".".join(str(p) for p in version)
            return f"this project requires Python {spec.strip()} ({declared_in}), and the interpreter devdb found is {shown}"
    return None

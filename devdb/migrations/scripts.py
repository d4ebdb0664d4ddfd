"""Warm-path facts about an Alembic project, read without importing alembic or sqlalchemy.

Everything here is plain file reading (configparser, ast, hashlib) plus one psycopg query,
so `devdb up` can decide "nothing to do" in milliseconds.
"""

from __future__ import annotations

import ast
import configparser
import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devdb.errors import DevdbError, first_line
from devdb.project import revisions as revision_graph
from devdb.project.revisions import declared_in_source

# Alembic loads every *.py in a versions folder except __init__.py and editor lock files.
_IGNORED_NAME = re.compile(r"^(__init__\.py|\.#.*)$")
_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}


@dataclass(frozen=True)
class AlembicIni:
    """The parts of alembic.ini (or [tool.alembic]) that decide where migrations live."""

    ini_path: Path
    script_location: Path
    version_locations: tuple[Path, ...]  # empty: the default <script_location>/versions
    recursive_version_locations: bool
    prepend_sys_path: tuple[str, ...]  # as written; alembic resolves them against the cwd

    @property
    def version_dirs(self) -> tuple[Path, ...]:
        return self.version_locations or (self.script_location / "versions",)

    @property
    def env_py(self) -> Path:
        return self.script_location / "env.py"


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


# One command reads alembic.ini and each migration file once: later reads in the same
# process are served from here while the file's stat stamp is unchanged.
_INI_CACHE: dict[tuple[Path, str], tuple[object, AlembicIni]] = {}
_BYTES_CACHE: dict[Path, tuple[tuple[int, int, int], bytes]] = {}


def read_bytes(path: Path) -> bytes:
    """The file's bytes, read once per process while it is unchanged."""
    stamp = _stamp(path)
    cached = _BYTES_CACHE.get(path)
    if stamp is not None and cached is not None and cached[0] == stamp:
        return cached[1]
    data = path.read_bytes()
    if stamp is not None:
        _BYTES_CACHE[path] = (stamp, data)
    return data


def read_alembic_ini(ini_path: Path, section: str = "alembic") -> AlembicIni:
    """Parse alembic.ini the way Alembic does (``%(here)s``, path separators, pyproject)."""
    ini_path = Path(ini_path).resolve()
    if not ini_path.is_file():
        raise DevdbError(
            f"Alembic config not found: {ini_path}", "Set alembic_ini in devdb config."
        )
    stamp = (_stamp(ini_path), _stamp(ini_path.parent / "pyproject.toml"))
    cached = _INI_CACHE.get((ini_path, section))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    parsed = _parse_alembic_ini(ini_path, section)
    _INI_CACHE[(ini_path, section)] = (stamp, parsed)
    return parsed


def _parse_alembic_ini(ini_path: Path, section: str) -> AlembicIni:
    here = ini_path.parent
    opts: dict[str, Any] = {}
    if ini_path.suffix == ".toml":
        opts.update(_toml_options(ini_path))
    else:
        parser = configparser.ConfigParser(defaults={"here": str(here)})
        try:
            parser.read(ini_path, encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise DevdbError(
                f"{_shown(ini_path)} is not UTF-8 text (byte {exc.start})",
                "save it as UTF-8; Alembic reads it as UTF-8 too",
            ) from exc
        except configparser.Error as exc:
            raise DevdbError(
                f"{_shown(ini_path)}:{_ini_error_line(exc)}: {_ini_problem(exc)}",
                "fix that line of the Alembic config (INI: [section] headers, key = value)",
            ) from exc
        if parser.has_section(section):
            for key in parser.options(section):
                if key == "here":
                    continue
                try:
                    opts[key] = parser.get(section, key)
                except configparser.Error as exc:
                    line = _option_line(ini_path, section, key)
                    problem = (
                        f"%({exc.reference})s names no option"
                        if isinstance(exc, configparser.InterpolationMissingOptionError)
                        else first_line(exc)
                    )
                    raise DevdbError(
                        f"{_shown(ini_path)}:{line}: {key} cannot be read: {problem}",
                        "write a literal % as %% (configparser interpolation), "
                        "or use only %(here)s",
                    ) from exc
        pyproject = here / "pyproject.toml"
        if pyproject.is_file():  # alembic >= 1.16: ini values win, [tool.alembic] fills gaps
            for key, value in _toml_options(pyproject).items():
                opts.setdefault(key, value)

    location = opts.get("script_location")
    if not location and (here / "env.py").is_file():
        location = str(here)  # Flask-Migrate's migrations/alembic.ini: set in code
    if not location:
        raise DevdbError(
            f"{_shown(ini_path)} has no script_location in its [{section}] section",
            "add `script_location = <folder holding env.py>` there, or point devdb's "
            "alembic_ini at the config `alembic upgrade` uses",
        )
    prepend = _split_list(opts.get("prepend_sys_path"), opts, legacy=r", *|(?: +)|:")
    script_dir = _resolve_location(str(location), here, prepend)
    if not script_dir.is_dir() and not _is_package_form(str(location)):
        line = _option_line(ini_path, section, "script_location")
        at = f"{_shown(ini_path)}:{line}" if line else _shown(ini_path)
        raise DevdbError(
            f"{at}: script_location points at {_shown(script_dir)}, which does not exist",
            "set script_location to the folder holding env.py and versions/",
        )
    versions = tuple(
        _resolve_dir(v, here) for v in _split_list(opts.get("version_locations"), opts)
    )
    recursive = str(opts.get("recursive_version_locations", "false")).lower() == "true"
    return AlembicIni(ini_path, script_dir, versions, recursive, tuple(prepend))


def script_location(ini_path: Path) -> Path:
    """The migration environment folder (holding env.py) named by alembic.ini."""
    return read_alembic_ini(ini_path).script_location


def migration_files(ini_path: Path) -> list[Path]:
    """Every revision file Alembic would load, sorted."""
    ini = read_alembic_ini(ini_path)
    files: set[Path] = set()
    for folder in ini.version_dirs:
        if not folder.is_dir():
            continue
        found = folder.rglob("*.py") if ini.recursive_version_locations else folder.glob("*.py")
        files.update(
            p for p in found if not _IGNORED_NAME.match(p.name) and "__pycache__" not in p.parts
        )
    return sorted(files)


def migrations_hash(ini_path: Path) -> str:
    """One sha256 over env.py and every migration file (sorted relative path + content).

    env.py is included: it decides what the migrations do (version table, schema, hooks).
    """
    ini = read_alembic_ini(ini_path)
    base = ini.ini_path.parent
    files = migration_files(ini_path)
    if ini.env_py.is_file():
        files.append(ini.env_py)
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: _rel(p, base)):
        rel = _rel(path, base).encode()
        data = read_bytes(path)
        digest.update(len(rel).to_bytes(4, "big") + rel)
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def revision_hashes(ini_path: Path) -> dict[str, str]:
    """sha256 of each migration file keyed by its revision id (for "edited after applied")."""
    return {
        rev: _sha256(read_bytes(path))
        for rev, (_down, path) in parse_revision_ids(migration_files(ini_path)).items()
    }


def parse_revision_ids(files: Iterable[Path]) -> dict[str, tuple[tuple[str, ...], Path]]:
    """revision -> (down_revisions, path), from module-level literal assignments
    (devdb.project.revisions). Files without a literal ``revision`` are skipped (Alembic
    would ignore or reject them); a down_revision that is not a literal counts as the base."""
    out: dict[str, tuple[tuple[str, ...], Path]] = {}
    for path in files:
        source = read_bytes(path).decode("utf-8", errors="replace")
        try:
            declared = declared_in_source(source, str(path))
        except SyntaxError as exc:
            raise DevdbError(
                f"Migration {path.name} has a syntax error on line {exc.lineno}: {exc.msg}"
            ) from exc
        if declared.revision is not None:
            out[declared.revision] = (declared.down_revisions or (), path)
    return out


def ancestors(
    revisions: Mapping[str, tuple[tuple[str, ...], Path]], start: Iterable[str]
) -> set[str]:
    """`start` and every revision below it (what a database at `start` has applied)."""
    return revision_graph.ancestors(_parents(revisions), start)


def find_heads(revisions: Mapping[str, tuple[tuple[str, ...], Path]]) -> list[str]:
    """Revisions nobody revises: more than one means the branches need a merge."""
    return revision_graph.heads(_parents(revisions))


def _parents(revisions: Mapping[str, tuple[tuple[str, ...], Path]]) -> dict[str, tuple[str, ...]]:
    return {rev: downs for rev, (downs, _path) in revisions.items()}


def unknown_revisions(db_revs: Iterable[str], known: Iterable[str]) -> list[str]:
    """DB revisions the code does not know (a branch switch, a deleted file)."""
    known_set = set(known)
    return sorted(r for r in db_revs if r not in known_set)


def db_revisions(
    conn: Any, version_table: str = "alembic_version", schema: str | None = None
) -> list[str]:
    """The revision(s) stamped in the database, read with psycopg; [] when never migrated."""
    from psycopg import sql

    qualified = f"{schema}.{version_table}" if schema else version_table
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (_quote_regclass(qualified),))
    exists = row.fetchone()
    if not exists or not exists[0]:
        return []
    ident = sql.Identifier(schema, version_table) if schema else sql.Identifier(version_table)
    rows = conn.execute(sql.SQL("SELECT version_num FROM {}").format(ident)).fetchall()
    return sorted(str(r[0]) for r in rows)


def _quote_regclass(name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def _toml_options(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DevdbError(f"Cannot parse {path}: {first_line(exc)}") from exc
    section = data.get("tool", {}).get("alembic", {})
    here = str(path.parent)
    out: dict[str, Any] = {}
    for key, value in section.items() if isinstance(section, dict) else ():
        if isinstance(value, str):
            out[key] = value.replace("%(here)s", here)
        elif isinstance(value, list):
            out[key] = [str(v).replace("%(here)s", here) for v in value]
        else:
            out[key] = value
    return out


def _split_list(value: Any, opts: Mapping[str, Any], legacy: str = r", *|(?: +)") -> list[str]:
    if not value:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v]
    sep_name = opts.get("path_separator") or opts.get("version_path_separator")
    if sep_name:
        sep = _SEPARATORS.get(str(sep_name), str(sep_name))
        return [x.strip() for x in str(value).split(sep) if x.strip()]
    return [x for x in re.split(legacy, str(value).strip()) if x]


def _resolve_dir(value: str, here: Path) -> Path:
    path = Path(value)
    return (path if path.is_absolute() else here / path).resolve()


def _resolve_location(value: str, here: Path, prepend: list[str]) -> Path:
    """A folder, or Alembic's ``package:path`` resource form (found without importing)."""
    direct = _resolve_dir(value, here)
    if direct.is_dir() or not _is_package_form(value):
        return direct
    package, _, sub = value.partition(":")
    roots = [_resolve_dir(p, here) for p in prepend] + [here]
    for root in roots:
        candidate = root.joinpath(*package.split("."), sub)
        if candidate.is_dir():
            return candidate.resolve()
    return direct


def _is_package_form(value: str) -> bool:
    """`package:path` (found through the installed package, which devdb does not import)."""
    return ":" in value and not (len(value) > 1 and value[1] == ":")


def _shown(path: Path) -> str:
    """The path relative to the working directory when it is below it, else absolute."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _ini_error_line(exc: configparser.Error) -> int | str:
    errors = getattr(exc, "errors", None)  # ParsingError: [(line, text)]
    if errors:
        return int(errors[0][0])
    lineno = getattr(exc, "lineno", None)
    return lineno if isinstance(lineno, int) else "?"


def _ini_problem(exc: configparser.Error) -> str:
    """configparser's message without its file name and line (the caller says those)."""
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"a line before any [section] header: {exc.line.strip()!r}"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"{exc.option} appears twice in [{exc.section}]"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"[{exc.section}] appears twice"
    errors = getattr(exc, "errors", None)
    if isinstance(exc, configparser.ParsingError) and errors:
        return f"not a `key = value` line: {_literal_line(errors[0][1])!r}"
    return first_line(exc)


def _literal_line(shown: str) -> str:
    """configparser keeps a bad line as its repr()."""
    try:
        return str(ast.literal_eval(shown)).strip()
    except (ValueError, SyntaxError):
        return shown


def _option_line(ini_path: Path, section: str, key: str) -> int | None:
    """The line where `key` is set in `[section]` (for messages), if it can be found."""
    current = None
    try:
        lines = read_bytes(ini_path).decode("utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped[1:-1].strip()
        elif current == section and re.match(rf"{re.escape(key)}\s*[=:]", stripped, re.I):
            return number
    return None


def _rel(path: Path, base: Path) -> str:
    # paths come from resolved folders already: plain string work, no syscalls
    text, prefix = path.as_posix(), base.as_posix().rstrip("/") + "/"
    return text[len(prefix) :] if text.startswith(prefix) else text


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

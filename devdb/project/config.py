"""Project configuration: `[tool.devdb]` in pyproject.toml (or devdb.toml), else discovered."""

from __future__ import annotations

import hashlib
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devdb.errors import DevdbError
from devdb.project.discover import Configured, discover, slug
from devdb.project.evidence import Fact
from devdb.project.root import find_project_root

DEFAULT_IMAGE = "pgvector/pgvector:0.8.1-pg18"
OFFLINE_IMAGE = "devdb-offline/pgvector:pg18"
ENGINES = ("auto", "docker", "embedded", "external")
PER_TEST_DATABASES = ("memory", "disk")
STATE_DIRNAME = ".devdb"


@dataclass
class Config:
    project_root: Path
    project_name: str
    engine: str = "auto"
    image: str = DEFAULT_IMAGE
    image_is_default: bool = True
    port: int | None = None
    url: str | None = None  # external engine only
    database: str | None = None
    user: str | None = None
    alembic_ini: Path | None = None
    env_example: Path | None = None
    env_file: Path | None = None
    env_readers: list[Path] = field(default_factory=list)  # other env files the stack reads
    fixtures_dir: Path | None = None
    app_dir: Path | None = None
    app_command: list[str] = field(default_factory=list)
    python: str = sys.executable
    python_path: list[Path] = field(default_factory=list)  # PYTHONPATH for migrations and app
    python_problem: str | None = None  # requires-python excludes the interpreter
    env_keys: dict[str, Any] = field(default_factory=dict)
    extensions: list[str] = field(default_factory=lambda: ["vector"])
    embedding_dim: int | None = None  # None: discovered from the project by lint
    sensitive_tables: list[str] = field(default_factory=list)  # lint patterns; [] = defaults
    ready_timeout: float = 60.0
    templates_keep: int = 3
    backups_dir: Path | None = None  # default: .devdb/backups
    backups_keep: int = 5  # automatic backups kept; manual ones are never pruned
    backup_max_age: float = 60  # minutes: the gate reuses a backup this young
    per_test_databases: str = "memory"  # the pytest plugin's clones: "memory" or "disk"
    test_command: str | None = None  # the project's tests (a shell line): `rehearse` runs them
    source: str = "discovered"
    notes: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)  # what discovery found, with evidence

    @property
    def state_dir(self) -> Path:
        return self.project_root / STATE_DIRNAME

    @property
    def backups_path(self) -> Path:
        return self.backups_dir or self.state_dir / "backups"

    @property
    def path_hash(self) -> str:
        return hashlib.sha256(str(self.project_root).encode()).hexdigest()[:8]

    @property
    def resource_name(self) -> str:
        """Docker names: one container and one volume per checkout."""
        return f"devdb-{slug(self.project_name)}-{self.path_hash}"

    @property
    def migrations_dir(self) -> Path | None:
        return self.alembic_ini.parent if self.alembic_ini else None

    def rel(self, path: Path | None) -> str:
        if path is None:
            return "-"
        try:
            return str(path.relative_to(self.project_root))
        except ValueError:
            return str(path)


def _read_pyproject(root: Path) -> tuple[dict[str, Any], tomllib.TOMLDecodeError | None]:
    """pyproject.toml parsed once per load: its [tool.devdb], [project] name and
    requires-python all come from here."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return {}, None
    try:
        return tomllib.loads(pyproject.read_text(encoding="utf-8")), None
    except UnicodeDecodeError as exc:
        return {}, tomllib.TOMLDecodeError(f"not UTF-8 text (byte {exc.start})")
    except tomllib.TOMLDecodeError as exc:
        return {}, exc


def _read_toml_table(
    root: Path, pyproject: dict[str, Any], pyproject_error: tomllib.TOMLDecodeError | None
) -> tuple[dict[str, Any], str]:
    devdb_toml = root / "devdb.toml"
    try:
        if devdb_toml.is_file():
            try:
                data = tomllib.loads(devdb_toml.read_text(encoding="utf-8"))
            except UnicodeDecodeError as exc:
                raise tomllib.TOMLDecodeError(f"not UTF-8 text (byte {exc.start})") from exc
            tool = data.get("tool")
            nested = tool.get("devdb") if isinstance(tool, dict) else None
            return (data if nested is None else nested), "devdb.toml"
        if pyproject_error is not None:
            raise pyproject_error
        tool = pyproject.get("tool")
        table = tool.get("devdb") if isinstance(tool, dict) else None
        if table is not None:
            return table, "pyproject.toml [tool.devdb]"
    except tomllib.TOMLDecodeError as exc:
        raise DevdbError(
            f"cannot parse the devdb config in {root}: {exc}", "fix the TOML syntax"
        ) from exc
    return {}, "discovered"


_PATH_KEYS = ("alembic_ini", "env_example", "env_file", "fixtures_dir", "app_dir", "backups_dir")
_KNOWN_KEYS = {
    *_PATH_KEYS,
    "engine",
    "image",
    "port",
    "url",
    "database",
    "user",
    "app_command",
    "python",
    "env_keys",
    "extensions",
    "embedding_dim",
    "lint",  # [tool.devdb.lint], read by devdb.commands.lint
    "ready_timeout",
    "templates_keep",
    "project_name",
    "sensitive_tables",
    "backups_keep",
    "backup_max_age",
    "per_test_databases",
    "test_command",
    "branches",  # a database per git branch, read by devdb.branches.onoff
}


# One discovery per command: the fast path's config is the typer path's when it hands over.
_LOADED: dict[tuple[Path, tuple[tuple[str, Any], ...]], Config] = {}


def load_config(start: Path | None = None, **overrides: Any) -> Config:
    """Find the project from `start` (cwd), read its config, fill gaps by discovery."""
    root = find_project_root(start or Path.cwd())
    key = (root, tuple(sorted((k, v) for k, v in overrides.items() if v is not None)))
    if key not in _LOADED:
        _LOADED[key] = read_config(root, **overrides)
    return _LOADED[key]


def read_config(root: Path, **overrides: Any) -> Config:
    """The project's config discovered now (a long-lived process: the reset agent)."""
    pyproject, pyproject_error = _read_pyproject(root)
    table, source = _read_toml_table(root, pyproject, pyproject_error)
    project_table = pyproject.get("project")
    if not isinstance(project_table, dict):
        project_table = {}
    if not isinstance(table, dict):
        raise DevdbError(
            f"{source} is not a table of settings",
            "write it as [tool.devdb] with key = value lines",
        )
    check_types(root, table, source)
    unknown = set(table) - _KNOWN_KEYS
    if unknown:
        raise DevdbError(
            f"unknown key(s) in {source}: {', '.join(sorted(unknown))}",
            "see the configuration reference in the README",
        )
    name = table.get("project_name") or _text_or_none(project_table.get("name")) or root.name
    config = Config(project_root=root, project_name=name, source=source)
    for key in _PATH_KEYS:
        value = table.get(key)
        if value is not None:
            setattr(config, key, (root / value).resolve())
    command = table.get("app_command")
    if isinstance(command, str):
        import shlex

        command = shlex.split(command)
    found = discover(
        root,
        Configured(
            alembic_ini=config.alembic_ini,
            env_example=config.env_example,
            env_file=config.env_file,
            fixtures_dir=config.fixtures_dir,
            app_dir=config.app_dir,
            app_command=list(command) if command is not None else None,
            python=table.get("python"),
        ),
        config.state_dir,
        requires_python=_text_or_none(project_table.get("requires-python")),
    )
    config.notes = list(found.notes)
    config.facts = list(found.facts)
    config.alembic_ini = found.alembic_ini
    config.env_example = found.env_example
    config.env_file = found.env_file
    config.env_readers = found.env_readers
    config.fixtures_dir = found.fixtures_dir
    config.app_dir = found.app_dir
    config.app_command = list(command) if command is not None else found.app_command
    config.python = found.python or sys.executable
    config.python_path = found.python_path
    config.python_problem = found.python_problem
    for key in (
        "engine",
        "port",
        "url",
        "database",
        "user",
        "env_keys",
        "extensions",
        "embedding_dim",
        "ready_timeout",
        "templates_keep",
        "sensitive_tables",
        "backups_keep",
        "backup_max_age",
        "per_test_databases",
        "test_command",
    ):
        if key in table:
            setattr(config, key, table[key])
    if "image" in table:
        config.image, config.image_is_default = table["image"], False
    for key, value in overrides.items():
        if value is None:
            continue
        if key == "image":
            config.image_is_default = False
        setattr(config, key, value)
    if config.url and config.engine == "auto":
        config.engine = "external"
    if config.engine not in ENGINES:
        raise DevdbError(f"unknown engine {config.engine!r}", f"use one of: {', '.join(ENGINES)}")
    if config.per_test_databases not in PER_TEST_DATABASES:
        raise DevdbError(
            f"per_test_databases = {config.per_test_databases!r} in {source} is not a choice",
            f"use one of: {', '.join(repr(choice) for choice in PER_TEST_DATABASES)}",
        )
    validate_values(config, source)
    return config


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# key: (is the value usable, what to write instead)
_VALUE_RULES: dict[str, tuple[Any, str]] = {
    "port": (lambda v: v is None or (_whole(v) and 1 <= v <= 65535), "a whole number 1-65535"),
    "ready_timeout": (lambda v: _number(v) and v > 0, "a number of seconds above 0"),
    "templates_keep": (lambda v: _whole(v) and v >= 1, "a whole number, 1 or more"),
    "backups_keep": (lambda v: _whole(v) and v >= 0, "a whole number, 0 or more"),
    "backup_max_age": (lambda v: _number(v) and v >= 0, "a number of minutes, 0 or more"),
    "embedding_dim": (lambda v: v is None or (_whole(v) and v > 0), "a whole number above 0"),
}


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


# key: (is the raw value of the right kind, what to write instead); ranges come later
_TYPE_RULES: dict[str, tuple[Any, str]] = {
    **{key: (lambda v: isinstance(v, str), "a path in quotes") for key in _PATH_KEYS},
    **{
        key: (lambda v: isinstance(v, str), "a string in quotes")
        for key in ("engine", "image", "url", "database", "user", "python", "project_name")
    },
    "per_test_databases": (lambda v: isinstance(v, str), "a string in quotes"),
    "test_command": (lambda v: isinstance(v, str), "a command line in quotes"),
    "app_command": (lambda v: isinstance(v, str) or _strings(v), "a command line in quotes"),
    "extensions": (_strings, 'a list of names, e.g. ["vector"]'),
    "sensitive_tables": (_strings, 'a list of name patterns, e.g. ["user", "payment"]'),
    "env_keys": (
        lambda v: (
            isinstance(v, dict) and all(isinstance(x, str) or _strings(x) for x in v.values())
        ),
        'a table of role = "KEY" (or ["KEY", …]) pairs, e.g. { url = "DATABASE_URL" }',
    ),
    "lint": (lambda v: isinstance(v, dict), "a [tool.devdb.lint] table"),
}


def check_types(root: Path, table: dict[str, Any], source: str) -> None:
    """The kind of each raw value (a port that is a string, a path that is a number): one
    line naming file:line and the fix, before any value is used."""
    for key, value in table.items():
        usable, wanted = _TYPE_RULES.get(key, (None, ""))
        if usable is None or usable(value):
            continue
        raise DevdbError(
            f"{_key_line(root, source, key)}: {key} = {value!r} is not usable",
            f"write {wanted} there, or remove the line for the default",
        )


def validate_values(config: Config, source: str) -> None:
    """Types and ranges of the configured values: one line naming file:line and the fix."""
    for key, (usable, wanted) in _VALUE_RULES.items():
        value = getattr(config, key)
        if usable(value):
            continue
        where = _key_line(config.project_root, source, key)
        raise DevdbError(
            f"{where}: {key} = {value!r} is not usable",
            f"write {wanted} there, or remove the line for the default",
        )


def _key_line(root: Path, source: str, key: str) -> str:
    """`pyproject.toml:12` where `key = …` is set (the file alone when no line matches)."""
    import re

    name = "devdb.toml" if source == "devdb.toml" else "pyproject.toml"
    try:
        lines = (root / name).read_text(errors="replace").splitlines()
    except OSError:
        return source
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(lines, start=1):
        if pattern.match(line):
            return f"{name}:{number}"
    return name


def require_alembic(config: Config) -> Path:
    if config.alembic_ini is None or not config.alembic_ini.is_file():
        raise DevdbError(
            f"no alembic.ini found under {config.project_root}",
            "run devdb from the backend's repository, or set alembic_ini in [tool.devdb]",
        )
    if config.python_problem:
        raise DevdbError(
            config.python_problem,
            "create the project's .venv with a Python it supports, or set python in [tool.devdb]",
        )
    return config.alembic_ini

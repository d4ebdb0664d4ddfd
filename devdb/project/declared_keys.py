"""Env key names an app declares, for a project without an env example.

Three places, read without importing the app: BaseSettings classes (pydantic-settings, v1
or v2, found with `ast`), the compose file's app service (`environment:`, `${VAR}`
interpolations, `env_file:`), and literal `os.environ`/`os.getenv` look-ups. A settings
class that reads an env file and forbids extra keys (pydantic-settings' default) makes its
own keys the only ones: anything else in that file would fail validation.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devdb.project.tree import walk_files

COMPOSE_NAMES = (
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
)
_DB_IMAGE = re.compile(r"(^|/)(postgres|postgis|pgvector|timescaledb|timescale|supabase/postgres)")
_DB_SERVICE_NAMES = {"db", "postgres", "postgresql", "database", "pg", "pgvector"}
_APP_SERVICE_NAMES = {"app", "api", "backend", "web", "server", "service"}
# `${VAR}`, `${VAR:-default}`, `${VAR?err}`, `$VAR`; `$$` is a literal dollar.
_INTERPOLATION = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))")
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_MAX_PY_FILES = 5000


@dataclass
class DeclaredKeys:
    keys: list[str] = field(default_factory=list)
    source: str = ""  # where from, for the user: "Settings in app/core/config.py; …"
    forbids_extra: bool = False  # a settings class reading the env file rejects other keys
    notes: list[str] = field(default_factory=list)  # files that could not be read
    values: dict[str, str] = field(default_factory=dict)  # literal values (compose), e.g. URLs

    def __bool__(self) -> bool:
        return bool(self.keys)


def _add(keys: list[str], new: Iterable[str]) -> None:
    seen = {key.upper() for key in keys}
    for key in new:
        if key and key.upper() not in seen:
            seen.add(key.upper())
            keys.append(key)


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


# --- compose ---------------------------------------------------------------------------


def _compose_files(app_dir: Path, project_root: Path) -> list[Path]:
    """The compose files of the nearest folder (app dir up to the project root) having one."""
    folders = [app_dir]
    if app_dir.is_relative_to(project_root):
        folders += [p for p in app_dir.parents if p.is_relative_to(project_root)]
    if project_root not in folders:
        folders.append(project_root)
    for folder in folders:
        found = [folder / name for name in COMPOSE_NAMES if (folder / name).is_file()]
        if found:
            return found
    return []


def _interpolated(value: object) -> list[str]:
    if not isinstance(value, str):
        return []
    return [a or b for a, b in _INTERPOLATION.findall(value.replace("$$", ""))]


def _is_db_service(name: str, service: dict[str, Any]) -> bool:
    image = service.get("image")
    if isinstance(image, str) and _DB_IMAGE.search(image.lower()):
        return True
    return name.lower() in _DB_SERVICE_NAMES and "build" not in service


def _depends_on(service: dict[str, Any]) -> list[str]:
    depends = service.get("depends_on") or []
    if isinstance(depends, dict):
        return [str(name) for name in depends]
    if isinstance(depends, list):
        return [str(name) for name in depends]
    return []


def _as_mapping(environment: object) -> dict[str, object]:
    if isinstance(environment, dict):
        return {str(key): value for key, value in environment.items()}
    if isinstance(environment, list):
        pairs = (str(item).partition("=") for item in environment)
        return {key.strip(): (value if sep else None) for key, sep, value in pairs}
    return {}


def _as_items(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _merge_service(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Compose's merge of an override file: environment merged, env_file appended."""
    merged = {**base, **override}
    if "environment" in base and "environment" in override:
        merged["environment"] = {
            **_as_mapping(base["environment"]),
            **_as_mapping(override["environment"]),
        }
    if "env_file" in base and "env_file" in override:
        merged["env_file"] = _as_items(base["env_file"]) + _as_items(override["env_file"])
    return merged


def _environment_keys(service: dict[str, Any]) -> list[str]:
    keys: list[str] = []
    environment = service.get("environment") or {}
    if isinstance(environment, dict):
        for key, value in environment.items():
            _add(keys, [str(key)])
            _add(keys, _interpolated(value))
    elif isinstance(environment, list):
        for item in environment:
            if isinstance(item, str):
                key, _, value = item.partition("=")
                _add(keys, [key.strip()])
                _add(keys, _interpolated(value))
    return keys


def _env_file_keys(service: dict[str, Any], base: Path, notes: list[str]) -> list[str]:
    from dotenv import dotenv_values

    entries = service.get("env_file") or []
    if not isinstance(entries, list):
        entries = [entries]
    keys: list[str] = []
    for entry in entries:
        path = entry.get("path") if isinstance(entry, dict) else entry
        if not isinstance(path, str):
            continue
        env_path = base / path
        if env_path.is_file():
            try:
                _add(keys, dotenv_values(env_path, interpolate=False))
            except (OSError, UnicodeDecodeError):
                notes.append(f"cannot read {env_path}")
    return keys


def compose_keys(app_dir: Path, project_root: Path) -> tuple[list[str], str, list[str]]:
    """(keys, source, notes) from the app service of the nearest compose file(s)."""
    found, notes = _app_service(app_dir, project_root)
    if found is None:
        return [], "", notes
    name, service, path = found
    keys = _environment_keys(service)
    _add(keys, _env_file_keys(service, path.parent, notes))
    return keys, f"compose service '{name}' in {_rel(path, project_root)}", notes


def compose_values(app_dir: Path, project_root: Path) -> dict[str, str]:
    """Literal values the app service sets (they carry the URL's scheme and driver)."""
    found, _ = _app_service(app_dir, project_root)
    if found is None:
        return {}
    environment = _as_mapping(found[1].get("environment") or {})
    return {
        key: value
        for key, value in environment.items()
        if isinstance(value, str) and "$" not in value
    }


def _app_service(
    app_dir: Path, project_root: Path
) -> tuple[tuple[str, dict[str, Any], Path] | None, list[str]]:
    import yaml

    class Loader(yaml.SafeLoader):
        """Compose's own tags: `!reset` empties a value, `!override` replaces it."""

    def override(loader: yaml.SafeLoader, node: yaml.Node) -> object:
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_scalar(node)

    Loader.add_constructor("!reset", lambda loader, node: None)
    Loader.add_constructor("!override", override)

    notes: list[str] = []
    services: dict[str, tuple[dict[str, Any], Path]] = {}
    for path in _compose_files(app_dir, project_root):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            notes.append(f"cannot parse {_rel(path, project_root)}")
            continue
        if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
            continue
        for key, service in data["services"].items():
            name = str(key)
            if not isinstance(service, dict):
                continue
            if name in services:  # an override file
                services[name] = (_merge_service(services[name][0], service), services[name][1])
            else:
                services[name] = (service, path)
    db_names = {name for name, (svc, _) in services.items() if _is_db_service(name, svc)}

    def score(item: tuple[int, str]) -> tuple[int, int]:
        index, name = item
        service = services[name][0]
        points = 4 * bool(db_names & set(_depends_on(service)))
        points += 2 * ("build" in service)
        points += name.lower() in _APP_SERVICE_NAMES
        return (points, -index)

    candidates = [
        (index, name)
        for index, (name, (service, _)) in enumerate(services.items())
        if name not in db_names and ("build" in service or db_names & set(_depends_on(service)))
    ]
    if not candidates:
        return None, notes
    _, name = max(candidates, key=score)
    service, path = services[name]
    return (name, service, path), notes


def app_service(anchor: Path, project_root: Path) -> tuple[str, dict[str, Any], Path] | None:
    """(name, service, compose file) of the app's service in the nearest compose file(s)."""
    return _app_service(anchor, project_root)[0]


# --- python sources ------------------------------------------------------------------------


def _python_files(app_dir: Path, project_root: Path) -> Iterator[tuple[Path, str]]:
    seen: set[Path] = set()
    count = 0
    for root in (app_dir, project_root):
        if not root.is_dir():
            continue
        for path in walk_files(root, max_depth=6):
            if path.suffix != ".py" or path in seen:
                continue
            seen.add(path)
            count += 1
            if count > _MAX_PY_FILES:
                return
            try:
                yield path, path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue


def _name_of(node: ast.expr) -> str:
    """`Foo` or `mod.Foo` -> "Foo"; `Foo[...]` -> "Foo"."""
    if isinstance(node, ast.Subscript):
        return _name_of(node.value)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _strings(node: ast.expr | None) -> list[str]:
    """Literal strings in `node`: "A", ["A", "B"], AliasChoices("A", "B"), AliasPath("A", 0)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [s for elt in node.elts for s in _strings(elt)]
    if isinstance(node, ast.Call):
        name = _name_of(node.func)
        if name == "AliasChoices":
            return [s for arg in node.args for s in _strings(arg)]
        if name == "AliasPath" and node.args:
            return _strings(node.args[0])[:1]
    return []


def _literal(node: ast.expr) -> object:
    if isinstance(node, ast.Attribute):  # Extra.forbid
        return node.attr
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return ...  # present but not a literal


_CONFIG_KEYS = ("env_prefix", "extra", "case_sensitive", "env_file", "env_nested_delimiter")


def _class_config(node: ast.ClassDef) -> dict[str, object]:
    config: dict[str, object] = {}
    for keyword in node.keywords:  # class Settings(BaseSettings, env_prefix="APP_")
        if keyword.arg in _CONFIG_KEYS:
            config[keyword.arg] = _literal(keyword.value)
    for stmt in node.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            target, value = stmt.target, stmt.value
        if isinstance(target, ast.Name) and target.id == "model_config" and value is not None:
            if isinstance(value, ast.Call):
                pairs = [(kw.arg, kw.value) for kw in value.keywords if kw.arg]
            elif isinstance(value, ast.Dict):
                pairs = [
                    (k.value, v)
                    for k, v in zip(value.keys, value.values, strict=False)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                ]
            else:
                pairs = []
            config.update({k: _literal(v) for k, v in pairs if k in _CONFIG_KEYS})
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Config":  # pydantic v1
            for inner in stmt.body:
                if isinstance(inner, ast.Assign) and len(inner.targets) == 1:
                    name = inner.targets[0]
                    if isinstance(name, ast.Name) and name.id in _CONFIG_KEYS:
                        config[name.id] = _literal(inner.value)
    return config


def _field_call(stmt: ast.AnnAssign) -> ast.Call | None:
    if isinstance(stmt.value, ast.Call) and _name_of(stmt.value.func) == "Field":
        return stmt.value
    annotation = stmt.annotation
    if isinstance(annotation, ast.Subscript) and _name_of(annotation.value) == "Annotated":
        elts = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
        for elt in elts[1:]:
            if isinstance(elt, ast.Call) and _name_of(elt.func) == "Field":
                return elt
    return None


@dataclass
class _Field:
    name: str
    aliases: list[str]  # env names used as they are (no prefix)
    annotation: str  # the type's name, to follow nested models


def _class_fields(node: ast.ClassDef) -> list[_Field]:
    fields: list[_Field] = []
    for stmt in node.body:
        if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
            continue
        name = stmt.target.id
        if (
            name.startswith("_")
            or name == "model_config"
            or _name_of(stmt.annotation) == "ClassVar"
        ):
            continue
        aliases: list[str] = []
        call = _field_call(stmt)
        if call is not None:
            by_name = {kw.arg: kw.value for kw in call.keywords if kw.arg}
            for option in ("validation_alias", "alias", "env"):
                aliases = _strings(by_name.get(option))
                if aliases:
                    break
        annotation = stmt.annotation
        if isinstance(annotation, ast.Subscript) and _name_of(annotation.value) == "Annotated":
            inner = annotation.slice
            annotation = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
        fields.append(_Field(name, aliases, _name_of(annotation)))
    return fields


@dataclass
class _Class:
    node: ast.ClassDef
    path: Path
    bases: list[str]


def _classes(tree: ast.Module, path: Path) -> list[_Class]:
    return [
        _Class(node, path, [_name_of(base) for base in node.bases])
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    ]


def _settings_keys(
    sources: list[tuple[Path, str]], project_root: Path
) -> tuple[list[str], str, bool, list[str]]:
    """(keys, source, forbids_extra, notes) of the BaseSettings classes in `sources`."""
    notes: list[str] = []
    tried: set[Path] = set()

    def parse(path: Path, text: str) -> ast.Module | None:
        tried.add(path)
        try:
            return ast.parse(text, filename=str(path))
        except (SyntaxError, ValueError):
            notes.append(f"cannot parse {_rel(path, project_root)}")
            return None

    classes: dict[str, _Class] = {}
    settings_names = {"BaseSettings"}
    pending = list(sources)
    for _ in range(5):  # follow subclasses defined in files that import a settings base
        wanted = [
            (path, text)
            for path, text in pending
            if path not in tried and any(name in text for name in settings_names)
        ]
        if not wanted:
            break
        for path, text in wanted:
            tree = parse(path, text)
            for cls in _classes(tree, path) if tree else []:
                classes.setdefault(cls.node.name, cls)
        grown = True
        while grown:
            grown = False
            for cls in classes.values():
                if cls.node.name not in settings_names and settings_names & set(cls.bases):
                    settings_names.add(cls.node.name)
                    grown = True

    settings = [cls for cls in classes.values() if cls.node.name in settings_names]
    if not settings:
        return [], "", False, notes

    def lineage(cls: _Class, depth: int = 0) -> list[_Class]:
        """`cls` and its settings/model bases, base first."""
        chain: list[_Class] = []
        for base in reversed(cls.bases):
            parent = classes.get(base)
            if parent is not None and parent is not cls and depth < 10:
                chain += lineage(parent, depth + 1)
        return [*chain, cls]

    def fields_and_config(cls: _Class) -> tuple[dict[str, _Field], dict[str, object]]:
        fields: dict[str, _Field] = {}
        config: dict[str, object] = {}
        for item in lineage(cls):
            config.update(_class_config(item.node))
            fields.update({f.name: f for f in _class_fields(item.node)})
        return fields, config

    parents = {base for cls in settings for base in cls.bases}
    leaves = [cls for cls in settings if cls.node.name not in parents] or settings
    keys: list[str] = []
    forbids = False
    for cls in leaves:
        fields, config = fields_and_config(cls)
        prefix = config.get("env_prefix")
        prefix = prefix if isinstance(prefix, str) else ""
        sensitive = config.get("case_sensitive") is True
        delimiter = config.get("env_nested_delimiter")
        extra = config.get("extra", "forbid")
        if extra == "forbid" and config.get("env_file") not in (None, ...):
            forbids = True

        def env_name(name: str, sensitive: bool = sensitive) -> str:
            return name if sensitive else name.upper()

        for item in fields.values():
            if item.aliases:
                _add(keys, [env_name(alias) for alias in item.aliases])
                continue
            nested = classes.get(item.annotation)
            if isinstance(delimiter, str) and delimiter and nested is not None:
                sub_fields, _ = fields_and_config(nested)
                _add(
                    keys,
                    [env_name(f"{prefix}{item.name}{delimiter}{sub}") for sub in sub_fields],
                )
            else:
                _add(keys, [env_name(prefix + item.name)])
    by_file: dict[Path, list[str]] = {}
    for cls in leaves:
        by_file.setdefault(cls.path, []).append(cls.node.name)
    source = "; ".join(
        f"{', '.join(names)} in {_rel(path, project_root)}" for path, names in by_file.items()
    )
    return keys, source, forbids, notes


_ENVIRON_METHODS = {"get", "setdefault", "pop"}
_LOOKUP_FUNCTIONS = {"getenv", "config", "env"}
_ENVIRONS_METHODS = {"str", "int", "bool", "float", "list", "dict", "url", "path", "json"}


def _lookup_name(node: ast.AST) -> str | None:
    """The key of `os.getenv("K")`, `os.environ["K"]`, `environ.get("K")`, `config("K")`."""
    key: ast.expr | None = None
    if isinstance(node, ast.Subscript) and _name_of(node.value) == "environ":
        key = node.slice
    elif isinstance(node, ast.Call) and node.args:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _ENVIRON_METHODS:
            if _name_of(func.value) == "environ":
                key = node.args[0]
        elif isinstance(func, ast.Attribute) and func.attr in _ENVIRONS_METHODS:
            if _name_of(func.value) == "env":  # environs: env.str("K")
                key = node.args[0]
        elif _name_of(func) in _LOOKUP_FUNCTIONS:
            key = node.args[0]
    if (
        isinstance(key, ast.Constant)
        and isinstance(key.value, str)
        and _ENV_NAME.fullmatch(key.value)
    ):
        return key.value
    return None


def environ_keys(sources: list[tuple[Path, str]]) -> tuple[list[str], int]:
    """Literal env look-ups in `sources`: (keys, number of files with some)."""
    keys: list[str] = []
    files = 0
    for path, text in sources:
        if "environ" not in text and "getenv" not in text and "config(" not in text:
            continue
        try:
            tree = ast.parse(text, filename=str(path))
        except (SyntaxError, ValueError):
            continue
        found = [name for node in ast.walk(tree) if (name := _lookup_name(node))]
        if found:
            files += 1
            _add(keys, found)
    return keys, files


def find_declared_keys(app_dir: Path, project_root: Path) -> DeclaredKeys:
    """The env keys the app declares (see module doc); empty when nothing is found."""
    result = DeclaredKeys()
    sources = list(_python_files(app_dir, project_root))
    # The app's own settings class first; elsewhere in the project only when it has none.
    in_app = [(path, text) for path, text in sources if path.is_relative_to(app_dir)]
    keys, source, forbids, notes = _settings_keys(in_app, project_root)
    if not keys:
        keys, source, forbids, more_notes = _settings_keys(sources, project_root)
        notes = sorted(set(notes) | set(more_notes))
    result.notes += notes
    parts: list[str] = []
    if keys:
        _add(result.keys, keys)
        parts.append(source)
        result.forbids_extra = forbids
    if not result.forbids_extra:
        keys, source, notes = compose_keys(app_dir, project_root)
        result.notes += notes
        if keys:
            _add(result.keys, keys)
            parts.append(source)
            result.values = compose_values(app_dir, project_root)
        keys, files = environ_keys(sources)
        if keys:
            _add(result.keys, keys)
            parts.append(f"env look-ups in {files} file{'s' if files != 1 else ''}")
    result.source = "; ".join(parts)
    return result

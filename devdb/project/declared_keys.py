"""Env key names an app declares, for a project without an env example.

Three places, read without importing the app: BaseSettings classes (pydantic-settings, v1
or v2, found with `ast`), the compose file's app service (`environment:`, `${VAR}`
interpolations, `env_file:`; read by devdb.project.compose), and literal
`os.environ`/`os.getenv` look-ups. A settings
class that reads an env file and forbids extra keys (pydantic-settings' default) makes its
own keys the only ones: anything else in that file would fail validation.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from devdb.project.compose import compose_keys, compose_values
from devdb.project.tree import add_keys, shown_path, walk_files

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
            notes.append(f"cannot parse {shown_path(path, project_root)}")
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
                add_keys(keys, [env_name(alias) for alias in item.aliases])
                continue
            nested = classes.get(item.annotation)
            if isinstance(delimiter, str) and delimiter and nested is not None:
                sub_fields, _ = fields_and_config(nested)
                add_keys(
                    keys,
                    [env_name(f"{prefix}{item.name}{delimiter}{sub}") for sub in sub_fields],
                )
            else:
                add_keys(keys, [env_name(prefix + item.name)])
    by_file: dict[Path, list[str]] = {}
    for cls in leaves:
        by_file.setdefault(cls.path, []).append(cls.node.name)
    source = "; ".join(
        f"{', '.join(names)} in {shown_path(path, project_root)}" for path, names in by_file.items()
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
            add_keys(keys, found)
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
        add_keys(result.keys, keys)
        parts.append(source)
        result.forbids_extra = forbids
    if not result.forbids_extra:
        keys, source, notes = compose_keys(app_dir, project_root)
        result.notes += notes
        if keys:
            add_keys(result.keys, keys)
            parts.append(source)
            result.values = compose_values(app_dir, project_root)
        keys, files = environ_keys(sources)
        if keys:
            add_keys(result.keys, keys)
            parts.append(f"env look-ups in {files} file{'s' if files != 1 else ''}")
    result.source = "; ".join(parts)
    return result

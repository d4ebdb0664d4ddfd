"""What a project's compose files say about its app: the app service (merged with overrides,
found by name or by depending on the database service), the env keys it sets or
interpolates, its `env_file:` readers, and literal values (they carry a URL's scheme)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from devdb.project.tree import add_keys, shown_path

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
            add_keys(keys, [str(key)])
            add_keys(keys, _interpolated(value))
    elif isinstance(environment, list):
        for item in environment:
            if isinstance(item, str):
                key, _, value = item.partition("=")
                add_keys(keys, [key.strip()])
                add_keys(keys, _interpolated(value))
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
                add_keys(keys, dotenv_values(env_path, interpolate=False))
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
    add_keys(keys, _env_file_keys(service, path.parent, notes))
    return keys, f"compose service '{name}' in {shown_path(path, project_root)}", notes


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
            notes.append(f"cannot parse {shown_path(path, project_root)}")
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

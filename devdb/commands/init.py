"""`devdb init`: write the discovered layout as `[tool.devdb]` so it can be reviewed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devdb.errors import DevdbError
from devdb.project.config import Config, require_alembic


def discovered_table(config: Config) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for key in ("alembic_ini", "env_example", "env_file", "fixtures_dir", "app_dir"):
        value = getattr(config, key)
        if value is not None:
            table[key] = config.rel(value)
    if config.app_command:
        table["app_command"] = list(config.app_command)
    if config.env_example is None:
        from devdb.project.declared_keys import find_declared_keys

        declared = find_declared_keys(config.app_dir or config.project_root, config.project_root)
        if declared.keys:
            table["env_keys_source"] = declared.source
    from devdb.project.envkeys import detect_key_map
    from devdb.server.checkout import open_project
    from devdb.server.envsync import _template

    template, _, _ = _template(open_project(config, create=False))
    key_map = detect_key_map(template.keys(), config.env_keys)
    roles: dict[str, Any] = {}
    for role in ("url", "test_url", "user", "password", "database", "host", "port"):
        keys = getattr(key_map, role)
        if keys:  # one key is written as a string, several (url = [...]) as a list
            roles[role] = keys[0] if isinstance(keys, list) and len(keys) == 1 else keys
    if roles:
        table["env_keys"] = roles
    return table


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def render_table(table: dict[str, Any]) -> str:
    lines = ["[tool.devdb]"]
    for key, value in table.items():
        if key == "env_keys_source":
            lines.append(f"# env key names found in: {value}")
            continue
        lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def init(config: Config, *, write: bool = True) -> tuple[Path, str, bool, dict[str, Any]]:
    """Returns (file, the table text, whether it was written, the table as data)."""
    if config.source != "discovered":
        raise DevdbError(f"already configured in {config.source}", "edit it there")
    if config.alembic_ini is None:
        raise DevdbError(
            f"no alembic.ini found under {config.project_root}",
            "run devdb init in the backend's repository, or write [tool.devdb] alembic_ini = ...",
        )
    require_alembic(config)  # a requires-python this interpreter misses: say so, write nothing
    table = discovered_table(config)
    text = render_table(table)
    pyproject = config.project_root / "pyproject.toml"
    target = pyproject if pyproject.is_file() else config.project_root / "devdb.toml"
    if write:
        existing = target.read_text() if target.exists() else ""
        separator = "\n" if existing and not existing.endswith("\n\n") else ""
        target.write_text(existing + separator + text)
    return target, text, write, table

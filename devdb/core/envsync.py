"""Fill the app's env file with the DB values of the server devdb runs."""

from __future__ import annotations

import os
from dataclasses import dataclass

from devdb.core.project import Project
from devdb.engines.base import Server


@dataclass
class EnvSync:
    values: dict[str, str]  # DB keys under the app's own names
    changed: bool  # the file differs from what devdb would write
    written: bool
    kept_user_values: list[str]
    path: str
    source: str


def _template(project: Project) -> tuple[dict[str, str], list[str] | None, str]:
    """The example's values, or the keys the app declares when there is no example."""
    from dotenv import dotenv_values

    config = project.config
    if config.env_example is not None and config.env_example.is_file():
        values = {
            k: v or "" for k, v in dotenv_values(config.env_example, interpolate=False).items()
        }
        return values, None, config.rel(config.env_example)
    from devdb.declared_keys import find_declared_keys

    declared = find_declared_keys(config.app_dir or config.project_root, config.project_root)
    template = {key: declared.values.get(key, "") for key in declared.keys}
    return template, declared.keys, declared.source or "no env example"


def db_values(
    project: Project, server: Server, database: str | None = None
) -> tuple[dict[str, str], list[str] | None, str]:
    from devdb.envkeys import DbParams, detect_key_map, render_db_values

    template, declared, source = _template(project)
    key_map = detect_key_map(template.keys(), project.config.env_keys)
    params = DbParams(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        database=database or project.database,
        test_database=project.test_database,
    )
    return render_db_values(key_map, params, template), declared, source


def sync_env_file(project: Project, server: Server, *, write: bool = True) -> EnvSync:
    from devdb.envfile import plan_env_file, write_env_file

    config = project.config
    assert config.env_file is not None
    values, declared, source = db_values(project, server)
    plan = plan_env_file(
        config.env_file,
        config.env_example if config.env_example and config.env_example.is_file() else None,
        values,
        declared_keys=declared,
        previously_written=project.state.env_written,
    )
    if write and plan.changed:
        write_env_file(plan)
        from devdb.envfile import ensure_gitignored

        ensure_gitignored(config.project_root, config.rel(config.env_file))
    if write:
        project.state.env_written = values
    effective = {k: v for k, v in values.items() if k not in plan.kept_user_values}
    return EnvSync(
        effective,
        plan.changed,
        write and plan.changed,
        plan.kept_user_values,
        config.rel(config.env_file),
        source,
    )


def app_environment(project: Project, values: dict[str, str]) -> dict[str, str]:
    """What the app and the migration child see:
    the example's values < the env file < the process environment < devdb's DB values.
    (The example counts so that settings requiring other keys import even before the env
    file exists.)"""
    from devdb.envfile import read_env_values

    config = project.config
    env: dict[str, str] = {}
    for path in (config.env_example, config.env_file):
        if path is not None and path.is_file():
            env.update(
                {k: v for k, v in read_env_values(path, interpolate=False).items() if v is not None}
            )
    env.update(os.environ)
    env.update(values)
    if config.python_path:  # what the project's Dockerfile or src layout puts on sys.path
        paths = [str(path) for path in config.python_path]
        env["PYTHONPATH"] = os.pathsep.join([*paths, *filter(None, [env.get("PYTHONPATH")])])
    return env

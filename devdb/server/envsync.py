"""Fill the app's env file with the DB values of the server devdb runs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from devdb.server.checkout import Project
from devdb.server.engines.base import Server

if TYPE_CHECKING:
    from collections.abc import Mapping

    from devdb.project.config import Config
    from devdb.project.envowned import EnvOwnership


@dataclass
class EnvSync:
    values: dict[str, str]  # DB keys under the app's own names
    changed: bool  # the file differs from what devdb would write
    written: bool
    kept_user_values: list[str]
    path: str
    source: str
    notices: list[str] = field(default_factory=list)  # one line each, said once ever


def _template(project: Project) -> tuple[dict[str, str], list[str] | None, str]:
    """The example's values, or the keys the app declares when there is no example."""
    from devdb.project.envfile import example_values

    config = project.config
    if config.env_example is not None and config.env_example.is_file():
        values = example_values(config.env_example)
        return values, None, config.rel(config.env_example)
    from devdb.project.declared_keys import find_declared_keys

    declared = find_declared_keys(config.app_dir or config.project_root, config.project_root)
    template = {key: declared.values.get(key, "") for key in declared.keys}
    return template, declared.keys, declared.source or "no env example"


def db_values(
    project: Project,
    server: Server,
    database: str | None = None,
    test_database: str | None = None,
) -> tuple[dict[str, str], list[str] | None, str]:
    from devdb.project.envkeys import DbParams, detect_key_map, render_db_values

    template, declared, source = _template(project)
    key_map = detect_key_map(template.keys(), project.config.env_keys)
    params = DbParams(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        database=database or project.database,
        test_database=test_database or project.test_database,
    )
    scheme = url_scheme(project.config, key_map.url, template)
    return render_db_values(key_map, params, template, scheme), declared, source


def url_scheme(config: Config, url_keys: list[str], template: Mapping[str, str]) -> str:
    """The scheme for URL keys the template gives none (the project's documented or declared
    driver, else plain `postgresql`); the files are read only when a key needs it."""
    from devdb.project.envkeys import has_postgres_scheme

    if all(has_postgres_scheme(template.get(key) or "") for key in url_keys):
        return "postgresql"
    from devdb.project.url_scheme import default_url_scheme

    folders = [config.app_dir or config.project_root, config.project_root]
    if config.alembic_ini is not None:
        folders.append(config.alembic_ini.parent)
    choice = default_url_scheme(folders, url_keys)
    return choice.scheme if choice else "postgresql"


def sync_env_file(project: Project, server: Server, *, write: bool = True) -> EnvSync:
    """The app's env file and every other file the stack reads (compose `env_file:`, the
    alembic folder's copy) get the same DB values; a tracked file is never rewritten."""
    from devdb.project.envfile import plan_env_file, write_env_file
    from devdb.project.envowned import load_ownership, save_ownership

    config = project.config
    assert config.env_file is not None
    values, declared, source = db_values(project, server)
    previously_written = project.state.env_written
    ownership = load_ownership(config.state_dir)
    if project.env_file_tracked:  # the server matches the file: the readers get its values
        sync = _tracked(project, values, source)
        sync.changed, sync.written = _sync_readers(
            project, sync.values, declared, previously_written, ownership, write
        )
        if write and config.env_readers:
            save_ownership(config.state_dir, ownership)
        return sync
    plan = plan_env_file(
        config.env_file,
        config.env_example if config.env_example and config.env_example.is_file() else None,
        values,
        declared_keys=declared,
        previously_written=previously_written,
        is_devdbs=ownership.is_devdbs,
    )
    path = config.rel(config.env_file)
    effective = {k: v for k, v in values.items() if k not in plan.kept_user_values}
    readers_changed, readers_written = _sync_readers(
        project, effective, declared, previously_written, ownership, write
    )
    notices: list[str] = []
    if write:
        if plan.changed:
            write_env_file(plan)
            from devdb.project.envfile import ensure_gitignored

            ensure_gitignored(config.project_root, path)
        project.state.env_written = values
        notices = _foreign_server_notices(
            project, server, ownership, plan.values, plan.kept_user_values
        )
        notices += ownership.reader_notices(config, (server.host, server.port), effective)
        ownership.record(path, effective)
        save_ownership(config.state_dir, ownership)
    return EnvSync(
        effective,
        plan.changed or readers_changed,
        write and (plan.changed or readers_written),
        plan.kept_user_values,
        path,
        source,
        notices,
    )


def _sync_readers(
    project: Project,
    values: dict[str, str],
    declared: list[str] | None,
    previously_written: dict[str, str],
    ownership: EnvOwnership,
    write: bool,
) -> tuple[bool, bool]:
    """The other env files the stack reads get `values` (the ownership rules apply to each:
    a user's own value is kept). (changed, written)."""
    from devdb.project.envfile import ensure_gitignored, is_tracked, plan_env_file, write_env_file

    config = project.config
    example = config.env_example if config.env_example and config.env_example.is_file() else None
    changed = written = False
    for reader in config.env_readers:
        if reader == config.env_file or is_tracked(config.project_root, reader):
            continue
        plan = plan_env_file(
            reader,
            example,
            values,
            declared_keys=declared,
            previously_written=previously_written,
            is_devdbs=ownership.is_devdbs,
        )
        changed |= plan.changed
        if not write:
            continue
        path = config.rel(reader)
        if plan.changed:
            write_env_file(plan)
            ensure_gitignored(config.project_root, path)
            written = True
        own = {k: v for k, v in values.items() if k not in plan.kept_user_values}
        ownership.record(path, own)
    return changed, written


def _tracked(project: Project, values: dict[str, str], source: str) -> EnvSync:
    """A committed env file is never rewritten: the server was provisioned to match it, so the
    app gets the file's own DB values; a DB key it lacks gets devdb's."""
    from devdb.project.envfile import read_env_values

    config = project.config
    assert config.env_file is not None
    in_file = read_env_values(config.env_file, interpolate=False)
    effective = {key: in_file.get(key) or value for key, value in values.items()}
    return EnvSync(effective, False, False, [], config.rel(config.env_file), source)


def _foreign_server_notices(
    project: Project,
    server: Server,
    ownership: EnvOwnership,
    file_values: dict[str, str],
    kept: list[str],
) -> list[str]:
    """One line, the first time only, for each kept user value that points at a server
    devdb does not run (another host:port than devdb's)."""
    from devdb.project.envkeys import db_address, detect_key_map

    key_map = detect_key_map(file_values.keys(), project.config.env_keys)
    ours = {(server.host, server.port), ("localhost", server.port)}
    path = project.config.rel(project.config.env_file) if project.config.env_file else ".env"
    notices: list[str] = []
    for key in kept:
        value = file_values.get(key, "")
        role = key_map.role_of(key)
        address = db_address(role, value, file_values, key_map)
        if address in ours or not ownership.first_notice(key, value):
            continue
        if address is not None:
            problem = (
                f"points at {address[0]}:{address[1]}, where devdb runs no server "
                f"(devdb's is on {server.host}:{server.port})"
            )
        else:
            problem = "differs from what devdb's server uses"
        notices.append(
            f"{key} in {path} is your own value and {problem}; remove that line and devdb "
            "fills it on the next `devdb up`, or see devdb's values with `devdb env`"
        )
    return notices


def app_environment(project: Project, values: dict[str, str]) -> dict[str, str]:
    """What the app and the migration child see:
    the example's values < the env file < the process environment < devdb's DB values.
    (The example counts so that settings requiring other keys import even before the env
    file exists.)"""
    from devdb.project.envfile import read_env_values

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

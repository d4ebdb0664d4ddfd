"""`devdb up`: a running, migrated, seeded database, then (in the CLI) the app."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from devdb.branches.onoff import follow_config
from devdb.branches.switch import catch_up
from devdb.copies.databases import (
    create_database,
    database_exists,
    database_revisions,
    ensure_extensions,
)
from devdb.copies.snapshots import create_from
from devdb.copies.templates import (
    building_name,
    current_hashes,
    ensure_template,
    migrate_and_seed,
    start_migrations,
    template_key,
)
from devdb.errors import DevdbError
from devdb.faults import fault_point
from devdb.progress import Progress, silent
from devdb.project.config import Config, require_alembic
from devdb.server.checkout import Project, open_project, project_lock
from devdb.server.engines.base import Server
from devdb.server.envsync import app_environment, sync_env_file
from devdb.server.timeline import mark as timing

if TYPE_CHECKING:
    from devdb.migrations.runner import MigrationSession


@dataclass
class UpResult:
    engine: str
    database: str
    port: int
    warm: bool
    env: dict[str, str] = field(repr=False)  # the app's environment (holds the password)
    env_file: str = ""
    env_written: bool = False
    applied: list[str] = field(default_factory=list)
    revision: list[str] = field(default_factory=list)
    fixtures_applied: bool = False
    extensions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def warm_up(config: Config, progress: Progress = silent) -> UpResult | None:
    """`up` when there is nothing to do (see _warm); None when there is: then call `up`."""
    started = time.monotonic()
    with project_lock(config, progress):
        project = open_project(config)
        result = _warm(project, *current_hashes(project))
    if result is not None:
        result.timings["total"] = time.monotonic() - started
    return result


def _warm(project: Project, migrations: str, fixtures: str | None) -> UpResult | None:
    """Nothing changed and the server answers: check only, touch nothing. No docker/alembic import."""
    state = project.state
    if not state.port or state.migrations_hash != migrations or state.fixtures_hash != fixtures:
        return None
    configured_port = project.config.port
    if not project.engine.managed or (configured_port and configured_port != state.port):
        return None  # a configured port elsewhere: the cold path moves the server
    import psycopg

    from devdb.migrations.scripts import db_revisions

    assert state.user and state.password
    server = Server("127.0.0.1", state.port, state.user, state.password)
    try:
        with psycopg.connect(server.conninfo(project.database), connect_timeout=1) as conn:
            revision = db_revisions(conn)
    except psycopg.Error:
        return None
    if sorted(revision) != sorted(state.extra.get("revision", [])):
        return None
    config = project.config
    assert config.env_file is not None
    if not config.env_file.exists():
        return None
    sync = sync_env_file(project, server, write=False)
    if sync.changed:
        return None
    follow_config(project)
    return UpResult(
        engine=project.engine_name,
        database=project.database,
        port=state.port,
        warm=True,
        env=app_environment(project, sync.values),
        env_file=sync.path,
        revision=revision,
        extensions=dict(state.extra.get("extensions", {})),
    )


def up(
    config: Config,
    *,
    progress: Progress = silent,
    reset_on_drift: bool = False,
    no_backup: bool = False,
    yes: bool = False,
    confirm: Callable[[str], bool] | None = None,
) -> UpResult:
    """An external database devdb did not create is migrated and seeded only with `yes` or
    when `confirm(question)` (the CLI's prompt; None without a terminal) says so."""
    started = time.monotonic()
    require_alembic(config)
    if config.env_example is not None and config.env_example.is_file():
        from devdb.project.envfile import check_example

        check_example(config.env_example)
    from devdb.migrations.drift import check_single_head

    with project_lock(config, progress):
        project = open_project(config)
        migrations, fixtures = current_hashes(project)
        if migrations != project.state.migrations_hash:
            check_single_head(config)  # before anything starts: needs a code change, not a reset
        warm = _warm(project, migrations, fixtures)
        if warm is not None:
            warm.timings["total"] = time.monotonic() - started
            return warm
        return _cold(
            project,
            migrations,
            fixtures,
            progress,
            started,
            reset_on_drift,
            no_backup,
            confirm=(lambda _question: True) if yes else confirm,
        )


def _cold(
    project: Project,
    migrations: str,
    fixtures: str | None,
    progress: Progress,
    started: float,
    reset_on_drift: bool,
    no_backup: bool = False,
    confirm: Callable[[str], bool] | None = None,
) -> UpResult:
    from devdb.commands.reset import drop_build_leftovers, remember_intent, wait_ready

    config = project.config
    timings: dict[str, float] = {}
    notes = [project.engine_note] if project.engine_note else []
    engine = project.engine
    external = not engine.managed
    if external:
        _check_external_target(project)

    timing("up: project model")
    remember_intent(project)  # engine and credentials on disk before a server is made with them
    fault_point("up_state_written")
    timing("up: state written")
    mark = time.monotonic()
    early: MigrationSession | None = None
    try:
        server = engine.start(progress)
        timing("up: engine.start")
        if not external:
            project.state.port = server.port
            project.state.extra["version_key"] = engine.version_key()
            project.save()
        fault_point("up_server_started")
        # not before the start: on 2 cores its imports slow initdb (CPU-bound) as much as
        # they gain (measured with bench up_reset --quick)
        early = _early_template_build(project, server, migrations, fixtures)
        timing("up: migration child spawned")
        progress(f"waiting for PostgreSQL on {server.host}:{server.port}")
        server = wait_ready(project, server, progress, notes)
        fault_point("up_ready")
        timing("up: server ready")
        timings["server"] = time.monotonic() - mark
        if external:
            _ask_external(project, server, confirm)
        else:
            drop_build_leftovers(server, project.database)
            missed = catch_up(project, server)
            if missed is not None:
                notes.append(missed.line().removeprefix("devdb: "))
        timing("up: build leftovers checked")
        # the test database needs nothing else: made while the working one is migrated
        from devdb.background import InThread

        test_database = (
            None if external else InThread(create_database, server, project.test_database)
        )

        from devdb.migrations.drift import detect_drift

        mark = time.monotonic()
        fixtures_applied = False
        applied: list[str] = []
        if external or database_exists(server, project.database):
            drift = detect_drift(config, server, project.database)
            if drift and not (reset_on_drift and not external):
                raise DevdbError(
                    "; ".join(d.message for d in drift),
                    "run `devdb reset` to rebuild it from these files (today's data stays recoverable "
                    "with `devdb reset --undo`), or `devdb up --reset-on-drift`",
                )
            if drift:
                from devdb.commands.reset import reset_project

                for item in drift:
                    notes.append(f"drift: {item.message}; reset it")
                reset_project(project, server, progress=progress)
            else:
                ensure_extensions(server, project.database, config.extensions, engine.name)
                from devdb.backups.gate import guard_migrations

                gate = guard_migrations(project, server, no_backup=no_backup, progress=progress)
                if gate is not None:
                    notes.append(gate.message)
                progress("applying migrations")
                before = database_revisions(server, project.database)
                revision = migrate_and_seed(project, server, project.database, progress)
                applied = [] if before == revision else revision
                fixtures_applied = True
        else:
            key = template_key(project, migrations, fixtures, project.state.extra["version_key"])
            template, built = ensure_template(project, server, key, progress, early)
            early = None  # ensure_template released it
            fault_point("up_template_built")
            timing("up: template built")
            fixtures_applied = built
            create_from(server, project.database, template)
            fault_point("up_database_created")
            timing("up: database created from the template")
            progress(f"created database {project.database} from the template")
            from devdb.commands.reset import start_refill
            from devdb.copies.snapshots import spare_name

            start_refill(
                project, server, template, spare_name(project.database, key)
            )  # first reset
            applied = ["(template)"] if built else []
            timing("up: refill started")
        if test_database is not None:
            test_database.result()
        timing("up: test database")
        extensions = ensure_extensions(server, project.database, config.extensions, engine.name)
        timings["database"] = time.monotonic() - mark
        timing("up: extensions")

        sync = sync_env_file(project, server)
        fault_point("up_env_written")
        timing("up: env file")
        notes.extend(sync.notices)
        env = app_environment(project, sync.values)

        revision = database_revisions(server, project.database)
        state = project.state
        state.migrations_hash = migrations
        state.fixtures_hash = fixtures
        state.extra["revision"] = revision
        state.extra["extensions"] = extensions
        state.extra["provisioned"] = True
        project.save()
        follow_config(project)
        timings["total"] = time.monotonic() - started
        timing("up: state saved")
        return UpResult(
            engine=project.engine_name,
            database=project.database,
            port=server.port,
            warm=False,
            env=env,
            env_file=sync.path,
            env_written=sync.written,
            applied=applied,
            revision=revision,
            fixtures_applied=fixtures_applied,
            extensions=extensions,
            notes=notes,
            timings=timings,
        )
    finally:
        if early is not None:  # not handed to ensure_template (which releases it), or failed
            early.release()


def _early_template_build(
    project: Project, server: Server, migrations: str, fixtures: str | None
) -> MigrationSession | None:
    """A checkout never migrated here builds its template first: spawn that Alembic child now,
    so its imports (~0.7 s) overlap the wait for the server."""
    if not project.engine.managed or project.state.migrations_hash is not None:
        return None
    key = template_key(project, migrations, fixtures, project.state.extra["version_key"])
    return start_migrations(project, server, building_name(project.database, key))


MAINTENANCE_DATABASES = ("postgres", "template0", "template1")


def _check_external_target(project: Project) -> None:
    if project.database in MAINTENANCE_DATABASES:
        raise DevdbError(
            f"the external URL names the maintenance database {project.database!r}; "
            "devdb never migrates or writes there",
            "end the URL with the app's database instead (…/app): devdb creates it if missing",
        )


def _ask_external(project: Project, server: Server, confirm: Callable[[str], bool] | None) -> None:
    """An external database devdb did not create is migrated and seeded only when the user
    says so; a missing one is created (and so is devdb's)."""
    from devdb.copies.databases import create_database
    from devdb.copies.snapshots import require_managed

    database = project.database
    if project.state.extra.get("external_confirmed") == database:
        return
    if not create_database(server, database):
        try:
            require_managed(server, database)
        except DevdbError:
            where = f"{server.host}:{server.port}"
            question = f"migrate and seed {database} on {where}, which devdb did not create?"
            if confirm is None or not confirm(question):
                raise DevdbError(
                    f"refusing to migrate and seed {database} on {where}: devdb did not create it",
                    "pass --yes if this is the app's database and you mean it",
                ) from None
    project.state.extra["external_confirmed"] = database

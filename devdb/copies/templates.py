"""Build the template (migrated + seeded snapshot) a checkout's databases are cloned from."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from devdb.copies import tablestats
from devdb.copies.databases import create_database, ensure_extensions
from devdb.copies.snapshots import (
    advisory_lock,
    drop,
    exists,
    seal_template,
    snapshot_key,
    template_name,
)
from devdb.errors import DevdbError
from devdb.progress import Progress, silent
from devdb.project.config import require_alembic
from devdb.server.checkout import Project
from devdb.server.engines.base import Server
from devdb.server.envsync import app_environment, db_values
from devdb.server.timeline import mark as timing

if TYPE_CHECKING:
    from devdb.migrations.runner import MigrationSession


class TemplateNotBuilt(DevdbError):
    pass


def current_hashes(project: Project) -> tuple[str, str | None]:
    """(migrations hash, fixtures hash) of the files on disk.

    Remembered in the state under a stamp of the files' stat (size, mtime, ctime, inode):
    writing a file changes its ctime, so an unchanged stamp means unchanged contents, and a
    reset at 200 revisions stats 200 files instead of reading and hashing them.
    """
    from devdb.copies.fixtures import fixture_files, fixtures_hash
    from devdb.migrations.scripts import migration_files, migrations_hash, read_alembic_ini

    config = project.config
    ini_path = require_alembic(config)
    fixtures_dir = (
        config.fixtures_dir if config.fixtures_dir and config.fixtures_dir.is_dir() else None
    )
    files = [ini_path, read_alembic_ini(ini_path).env_py, *migration_files(ini_path)]
    if fixtures_dir is not None:
        files += fixture_files(fixtures_dir)
    stamp = _stat_stamp(files)
    cached = project.state.extra.get("hashes")
    if isinstance(cached, list) and len(cached) == 3 and cached[0] == stamp:
        return cached[1], cached[2]
    migrations = migrations_hash(ini_path)
    fixtures = fixtures_hash(fixtures_dir) if fixtures_dir is not None else None
    project.state.extra["hashes"] = [stamp, migrations, fixtures]
    return migrations, fixtures


def _stat_stamp(files: list[Path]) -> str:
    parts = []
    for path in files:
        try:
            st = path.stat()
        except OSError:
            parts.append(f"{path}:-")
            continue
        parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}")
    return snapshot_key(*parts)


def template_key(project: Project, migrations: str, fixtures: str | None, version_key: str) -> str:
    return snapshot_key(migrations, fixtures, version_key, ",".join(project.config.extensions))


def start_migrations(project: Project, server: Server, database: str) -> MigrationSession:
    """The Alembic child for `database`, spawned now: it imports alembic and SQLAlchemy
    (~0.7 s) while the caller does something else, such as waiting for the server."""
    from devdb.migrations.runner import AlembicTarget, MigrationSession

    config = project.config
    values, _, _ = db_values(project, server, database)
    target = AlembicTarget(require_alembic(config), config.python, app_environment(project, values))
    return MigrationSession(target).start()


def migrate_and_seed(
    project: Project,
    server: Server,
    database: str,
    progress: Progress,
    session: MigrationSession | None = None,
) -> list[str]:
    """Run migrations to head and the fixtures on `database`; record per-revision hashes.
    `session`: one from start_migrations(…, database), started earlier; it is used up here."""
    import psycopg

    from devdb.copies.fixtures import apply_fixtures
    from devdb.migrations.scripts import revision_hashes
    from devdb.server.bookkeeping import set_meta

    config = project.config
    session = session or start_migrations(project, server, database)
    try:
        result = session.upgrade("head", progress=progress)
    except BaseException:
        session.close()
        raise
    session.release()
    timing("migrations: upgrade head (Alembic child)")
    if config.fixtures_dir is not None and config.fixtures_dir.is_dir():
        apply_fixtures(server.conninfo(database), config.fixtures_dir, progress=progress)
        timing("migrations: fixtures")
    with psycopg.connect(server.conninfo(database)) as conn:
        set_meta(conn, "migration_hashes", revision_hashes(require_alembic(config)))
    return list(result.current)


def building_name(database: str, key: str) -> str:
    return f"{database[:40]}__build_{key}"


def ensure_template(
    project: Project,
    server: Server,
    key: str,
    progress: Progress = silent,
    session: MigrationSession | None = None,
    *,
    build: bool = True,
) -> tuple[str, bool]:
    """The template for `key`, built by one replay if missing. (name, built now?)
    `session`: start_migrations(…, building_name(…)) begun earlier; closed when not needed.
    `build=False`: TemplateNotBuilt instead of a build."""
    name = template_name(project.database, key)
    try:
        if exists(server, name):
            return name, False
        if not build:
            raise TemplateNotBuilt(f"the template {name} is not built yet", "devdb reset builds it")
        with advisory_lock(server, name):
            if exists(server, name):  # another process built it while we waited
                return name, False
            building = building_name(project.database, key)
            drop(server, building)  # a leftover of an interrupted build
            progress("building the template: migrations + fixtures, once")
            create_database(server, building)
            ensure_extensions(server, building, project.config.extensions, project.engine_name)
            timing("template: database + extensions")
            migrate_and_seed(project, server, building, progress, session)
            session = None  # used up
            timing("template: migrated and seeded")
            _seal(project, server, building, name)
            timing("template: stats recorded, sealed")
        return name, True
    finally:
        if session is not None:
            session.release()


def _seal(project: Project, server: Server, building: str, name: str) -> None:

    record_template_stats(project, server, building, name)  # what "only fixture data" is
    seal_template(server, building, name)


BOOKKEEPING = ("_devdb",)  # not user data: devdb's own table in each database


# -- data the fixtures did not put there -------------------------------------------------
def record_template_stats(project: Project, server: Server, database: str, template: str) -> None:
    """Remember what a freshly built template holds (the caller saves the state). Without
    a record, the gate treats the database's data as the user's: safe, just not free."""
    import psycopg

    try:
        stats = tablestats.stats_of(server, database, BOOKKEEPING)
    except psycopg.Error:
        return
    known: dict[str, Any] = project.state.extra.setdefault("template_stats", {})
    known.pop(template, None)
    known[template] = {table: [s.rows, s.checksum] for table, s in stats.items()}
    while len(known) > max(project.config.templates_keep, 1) + 2:
        known.pop(next(iter(known)))

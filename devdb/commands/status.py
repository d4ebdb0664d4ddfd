"""`devdb status`: everything `devdb up` would act on, found without changing anything.

Read-only by construction: no server is started, no env file or state is written, the
bookkeeping table is only read. Fast: psycopg and plain file reading; no alembic, and no
docker SDK unless the checkout's server lives in Docker.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devdb.branches.catalog import describe_current
from devdb.errors import first_line
from devdb.project.config import Config
from devdb.server.checkout import Project, open_project

if TYPE_CHECKING:
    from devdb.server.engines.base import Server

# What a finding asks for, least to most: `fix` is a change to the code or config that no
# devdb command can make.
NEEDS_ORDER = ("nothing", "up", "reset", "fix")
UP, RESET, MERGE_HEADS = "devdb up", "devdb reset", "alembic merge -m 'merge heads' heads"
Graph = dict[str, tuple[tuple[str, ...], Path]]


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    fix: str  # the command (or edit) that settles it
    needs: str  # up | reset | fix

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message, "fix": self.fix}


@dataclass
class Status:
    engine: str
    database: str
    running: bool
    port: int | None
    answering: bool = False
    revision: list[str] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    unknown_revisions: list[str] = field(default_factory=list)
    extensions: dict[str, str] = field(default_factory=dict)
    engine_details: dict[str, Any] = field(default_factory=dict)
    env_file: str = ""
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth knowing, nothing for up to do

    @property
    def needs(self) -> str:
        """The strongest need among the findings: nothing | up | reset | fix."""
        return max((f.needs for f in self.findings), key=NEEDS_ORDER.index, default="nothing")

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["findings"] = [finding.as_dict() for finding in self.findings]
        data["needs"] = self.needs
        return data


def status(config: Config) -> Status:
    """What `devdb up` would do here, as findings (bad alembic.ini: a DevdbError)."""
    from devdb.migrations.drift import script_graph
    from devdb.migrations.scripts import find_heads

    graph = script_graph(config)  # a broken alembic.ini stops here, before any server work
    project = open_project(config, create=False)
    engine = project.engine
    server = engine.server()
    running = not engine.can_stop or (server is not None and engine.is_running())
    result = Status(
        engine=project.engine_name,
        database=project.database,
        running=running,
        port=server.port if server else project.state.port,
        heads=find_heads(graph),
        engine_details=engine.describe(),
        env_file=config.rel(config.env_file),
    )
    result.notes += [line for line in [describe_current(project)] if line]
    found = result.findings
    if len(result.heads) > 1:
        found.append(
            Finding(
                "multiple_heads",
                f"the migration scripts have {len(result.heads)} heads "
                f"({', '.join(result.heads)}); `devdb up` refuses to guess an order",
                f"{MERGE_HEADS}, then {UP}",
                "fix",
            )
        )
    if server is None:
        found.append(Finding("no_server", "no database server yet for this checkout", UP, "up"))
        return result
    if not running:
        found.append(
            Finding("server_stopped", f"the {project.engine_name} server is stopped", UP, "up")
        )
        last_known = [str(rev) for rev in project.state.extra.get("revision", [])]
        if last_known and all(rev in graph for rev in last_known):  # new files still show
            _pending_finding(graph, last_known, result, " (since the last `devdb up`)")
    else:
        _database_findings(project, server, graph, result)
    if result.answering or not running:
        found.extend(_local_findings(project, server, result))
    return result


def _database_findings(project: Project, server: Server, graph: Graph, result: Status) -> None:
    """Revisions, drift, pending migrations and extensions, over one connection."""
    import psycopg

    from devdb.migrations.drift import drift_between
    from devdb.migrations.scripts import db_revisions
    from devdb.server.bookkeeping import get_meta

    found = result.findings
    try:
        with psycopg.connect(server.conninfo(project.database), connect_timeout=3) as conn:
            result.answering = True
            result.revision = db_revisions(conn)
            recorded = get_meta(conn, "migration_hashes") or {}
            result.extensions = {
                name: version
                for name, version in conn.execute("SELECT extname, extversion FROM pg_extension")
            }
    except psycopg.Error as exc:
        found.append(_unreachable(project, server, exc))
        return
    result.unknown_revisions = [rev for rev in result.revision if rev not in graph]
    for drift in drift_between(project.config, graph, result.revision, recorded):
        fix = RESET if project.engine.managed else "rebuild or migrate it by hand"
        found.append(Finding(drift.kind, drift.message, fix, "reset"))
    if not result.unknown_revisions:
        _pending_finding(graph, result.revision, result)
    missing = [name for name in project.config.extensions if name not in result.extensions]
    if missing:
        found.append(
            Finding(
                "missing_extension",
                f"extension {', '.join(missing)} is not created in {project.database}",
                UP,
                "up",
            )
        )


def _pending_finding(graph: Graph, current: list[str], result: Status, since: str = "") -> None:
    from devdb.migrations.drift import pending_revisions

    result.pending = pending_revisions(graph, current)
    if result.pending:
        count = len(result.pending)
        result.findings.append(
            Finding(
                "pending_migrations",
                f"{count} migration{'s' if count > 1 else ''} not applied yet{since}: "
                + ", ".join(result.pending),
                UP,
                "up",
            )
        )


def _unreachable(project: Project, server: Server, exc: Exception) -> Finding:
    """The app database did not take a connection: no database yet, or a server in trouble."""
    import psycopg

    try:
        with psycopg.connect(server.conninfo("postgres"), connect_timeout=1) as conn:
            row = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (project.database,)
            ).fetchone()
    except psycopg.Error:
        row = (1,)
    if row is None:
        return Finding(
            "no_database", f"the server runs but has no database {project.database} yet", UP, "up"
        )
    return Finding(
        "server_not_answering",
        f"the server on {server.host}:{server.port} does not answer: {first_line(exc)}",
        f"look at `devdb logs`, then {UP}",
        "up",
    )


def _local_findings(project: Project, server: Server, result: Status) -> list[Finding]:
    """The hashes up compares and the env file, when the database itself looks fine."""
    found = _hash_findings(project, result)
    env_finding = _env_file_finding(project, server, result.notes)
    if env_finding is not None:
        found.append(env_finding)
    return found


def _hash_findings(project: Project, result: Status) -> list[Finding]:
    from devdb.copies.templates import current_hashes

    if project.config.python_problem:  # up stops on it (current_hashes would raise it too)
        return [
            Finding(
                "python",
                project.config.python_problem,
                "create the project's .venv with a Python it supports, or set python in "
                "[tool.devdb]",
                "fix",
            )
        ]
    found: list[Finding] = []
    state = project.state
    migrations, fixtures = current_hashes(project)  # in memory only: status saves nothing
    migration_finding = any(
        f.kind in ("pending_migrations", "edited_migration", "unknown_revision", "multiple_heads")
        for f in result.findings
    )
    changed = state.migrations_hash not in (None, migrations)
    if not result.running and not migration_finding and changed:
        # no new revision, so an applied file (or env.py) changed: `up` stops on an edit
        found.append(
            Finding(
                "migrations_changed",
                "an applied migration or env.py changed since the last `devdb up`; the server "
                "is stopped, so devdb cannot yet tell which (an edited migration needs reset)",
                f"{RESET} (rebuilds from these files), or {UP} to see which changed",
                "reset",
            )
        )
    elif result.answering and not migration_finding and state.migrations_hash != migrations:
        message = (
            "devdb has not run this checkout's migrations on this database yet"
            if state.migrations_hash is None
            else "the migration environment (env.py or a migration file) changed since "
            "the last `devdb up`"
        )
        found.append(Finding("migrations_changed", message, UP, "up"))
    if state.fixtures_hash is not None and state.fixtures_hash != fixtures:
        found.append(
            Finding(
                "fixtures_changed",
                "the fixtures changed since the database was seeded",
                f"{UP} (runs them again), or {RESET} for a clean copy",
                "up",
            )
        )
    return found


def _env_file_finding(project: Project, server: Server, notes: list[str]) -> Finding | None:
    """The env file against what `up` would write; the user's own DB values go to `notes`."""
    from devdb.project.envfile import read_env_values
    from devdb.server.envsync import db_values, sync_env_file

    config = project.config
    if config.env_file is None:
        return None
    path = config.rel(config.env_file)
    if not config.env_file.exists():
        return Finding("env_file_missing", f"{path} does not exist", UP, "up")
    sync = sync_env_file(project, server, write=False)
    try:
        in_file = read_env_values(config.env_file, interpolate=False)
    except (OSError, ValueError):
        in_file = {}
    ours, _, _ = db_values(project, server)
    for key in sync.kept_user_values:
        if in_file.get(key) != ours.get(key):
            notes.append(
                f"{key} in {path} is your own value, not devdb's server; `devdb up` keeps it "
                "(remove the line to have devdb fill it; `devdb env` shows devdb's values)"
            )
    if not sync.changed:
        return None
    missing = [key for key in sync.values if key not in in_file]
    stale = [key for key, value in sync.values.items() if key in in_file and in_file[key] != value]
    problems = [
        f"{', '.join(keys)} {what}"
        for keys, what in ((missing, "missing"), (stale, "out of date"))
        if keys
    ]
    what = "; ".join(problems) or "differs from what devdb writes"
    return Finding("env_file_stale", f"{path}: {what}", UP, "up")

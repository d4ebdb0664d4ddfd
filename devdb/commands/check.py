"""`devdb check`: in a throwaway database — single head, upgrade, stairway, no-trace
downgrades, models match. Never touches the working database."""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from devdb.commands.lint import project_findings
from devdb.commands.reset import ensure_server
from devdb.copies import snapshots
from devdb.copies.databases import create_database, ensure_extensions
from devdb.errors import DevdbError
from devdb.progress import Progress, silent
from devdb.project.config import Config, require_alembic
from devdb.server.checkout import open_project, project_lock
from devdb.server.engines.base import Server
from devdb.server.envsync import app_environment, db_values

RAW_SQL_INDEX_METHODS = ("hnsw", "ivfflat", "gin", "gist", "brin")


@dataclass
class CheckStep:
    name: str
    ok: bool
    revision: str | None = None
    detail: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    ok: bool
    steps: list[CheckStep]
    revisions: int
    seconds: float
    unmodelled_indexes: list[str] = field(default_factory=list)
    # Lint findings on how migrations run (env.py without lock_timeout): warn, never fail.
    project_findings: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def first_failure(self) -> CheckStep | None:
        return next((step for step in self.steps if not step.ok), None)


def _snapshot(server: Server, database: str) -> Any:
    import psycopg

    from devdb.copies.schema_snapshot import snapshot_schema

    with psycopg.connect(server.conninfo(database)) as conn:
        return snapshot_schema(conn)


def _split_model_diffs(diffs: list[str]) -> tuple[list[str], list[str]]:
    """Index removals of raw-SQL index kinds (HNSW, IVFFlat, GIN…) are expected: models rarely
    declare them. Those are listed, not failed on."""
    expected, real = [], []
    for diff in diffs:
        lowered = diff.lower()
        if "remove_index" in lowered and any(method in lowered for method in RAW_SQL_INDEX_METHODS):
            expected.append(diff)
        else:
            real.append(diff)
    return expected, real


def check(config: Config, *, progress: Progress = silent, models: bool = True) -> CheckReport:
    from devdb.migrations.drift import check_single_head
    from devdb.migrations.runner import AlembicTarget, MigrationError, MigrationSession

    started = time.monotonic()
    steps: list[CheckStep] = []
    env_findings = [asdict(f) for f in project_findings(config)]
    try:
        heads = check_single_head(config)
        steps.append(CheckStep("single head", True, heads[0] if heads else None))
    except DevdbError as exc:
        steps.append(CheckStep("single head", False, None, [exc.message]))
        return CheckReport(False, steps, 0, time.monotonic() - started, [], env_findings)

    with project_lock(config, progress):
        project = open_project(config)
        server = ensure_server(project, progress)
    scratch = f"{project.database[:30]}__check_{uuid.uuid4().hex[:8]}"
    create_database(server, scratch)
    try:
        ensure_extensions(server, scratch, config.extensions, project.engine_name)
        values, _, _ = db_values(project, server, scratch)
        target = AlembicTarget(
            require_alembic(config), config.python, app_environment(project, values)
        )
        with MigrationSession(target).start() as session:
            order = [info.revision for info in session.heads().revisions]
            unmodelled = _stairway(session, server, scratch, order, steps, progress, MigrationError)
            if all(step.ok for step in steps) and models:
                progress("comparing models with the migrated schema")
                expected, real = _split_model_diffs(session.compare())
                steps.append(
                    CheckStep("models match schema", not real, order[-1] if order else None, real)
                )
                unmodelled = expected
    finally:
        snapshots.drop(server, scratch)
    ok = all(step.ok for step in steps)
    return CheckReport(ok, steps, len(order), time.monotonic() - started, unmodelled, env_findings)


def _stairway(
    session: Any,
    server: Server,
    scratch: str,
    order: list[str],
    steps: list[CheckStep],
    progress: Progress,
    migration_error: type[Exception],
) -> list[str]:
    """Each revision: up, snapshot, down, compare with the state before it, up again."""
    from devdb.copies.schema_snapshot import describe_difference

    before = _snapshot(server, scratch)
    for revision in order:
        progress(f"stairway {revision}: up → down → up")
        try:
            session.upgrade(revision)
            after_up = _snapshot(server, scratch)
            session.downgrade("-1")
            after_down = _snapshot(server, scratch)
            if after_down != before:
                steps.append(
                    CheckStep(
                        "downgrade leaves no trace",
                        False,
                        revision,
                        describe_difference(before, after_down),
                    )
                )
                return []
            session.upgrade(revision)
        except migration_error as exc:
            steps.append(CheckStep("stairway", False, revision, [str(exc)]))
            return []
        before = after_up
    steps.append(CheckStep("upgrade to head", True, order[-1] if order else None))
    steps.append(CheckStep("stairway up → down → up", True, None, [f"{len(order)} revisions"]))
    steps.append(CheckStep("downgrade leaves no trace", True))
    return []

"""`devdb rehearse`: the pending migrations on a copy at size, traced, with the downgrade
rehearsed; one report answering the runbook's Data Safety Checklist with measurements."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devdb.errors import DevdbError
from devdb.progress import Progress
from devdb.project.config import Config
from devdb.rehearse.report import Report

if TYPE_CHECKING:
    from devdb.rehearse.copy import Base
    from devdb.rehearse.synth import SynthResult
    from devdb.server.checkout import Project
    from devdb.server.engines.base import Server


@dataclass
class RehearseOptions:
    base: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    scale: int | None = None
    stats: Path | None = None
    seed: int = 0
    vector_rows: int | None = None
    max_lock: float = 1.0
    downgrade: bool = True
    measure_overhead: bool = False  # run the migrations again untraced, on another clone
    old_tests: str | None = None  # None: the config's test_command; "": no test runs


def vector_source(dim: int, seed: int) -> Iterator[list[float]]:
    """Clustered unit vectors, the same generator `devdb vector fill` uses."""
    from devdb.vector.embeddings import EmbeddingGenerator

    generator = EmbeddingGenerator(dim, 16, seed)
    while True:
        for _, vector in generator.rows(10_000):
            yield vector


def rehearse(config: Config, options: RehearseOptions, progress: Progress) -> Report:
    from devdb.copies.databases import live_server
    from devdb.rehearse import copy as copies
    from devdb.rehearse.synth import read_stats
    from devdb.server.checkout import open_project, project_lock

    started = time.perf_counter()
    project = open_project(config, create=False)
    server = project.engine.server() if project.engine_name == "external" else live_server(project)
    if server is None:
        raise DevdbError("the dev server is not running", "start it with `devdb up --no-app`")
    stats = read_stats(options.stats) if options.stats else None
    sizing: dict[str, Any] = {
        "rows": options.rows,
        "scale": options.scale,
        "stats": stats,
        "vector_rows": options.vector_rows,
    }
    command = config.test_command if options.old_tests is None else options.old_tests
    command = (command or "").strip() or None
    with project_lock(config, progress):
        progress("base: reading the base revision")
        base = copies.resolve_base(project, server, options.base)
        # The base checkout lives until the end (its tests run last) and goes even on Ctrl-C.
        try:
            if command and base.worktree is None and options.old_tests:
                raise DevdbError(
                    "--old-tests needs the base release's code, and the project is not in git",
                    "run rehearse in a git checkout, or leave out --old-tests",
                )
            return _rehearse(
                config, options, progress, project, server, base, sizing, command, started
            )
        finally:
            copies.close_base(base, config.project_root)


def _rehearse(
    config: Config,
    options: RehearseOptions,
    progress: Progress,
    project: Project,
    server: Server,
    base: Base,
    sizing: dict[str, Any],
    command: str | None,
    started: float,
) -> Report:
    import psycopg

    from devdb.background import InThread
    from devdb.migrations.runner import script_heads
    from devdb.rehearse import copy as copies
    from devdb.rehearse.downgrade import rehearse_downgrade
    from devdb.rehearse.downgrade import schema as rehearse_schema
    from devdb.rehearse.report import build_migration, data_safety_checklist, judge_lint
    from devdb.rehearse.trace import run_traced

    copy = copies.ensure_copy(
        project,
        server,
        base,
        sizing,
        vectors=vector_source,
        seed=options.seed,
        progress=progress,
    )
    copy_seconds = time.perf_counter() - started
    tests = None
    with copies.clone(server, copy.template, project, "run") as database:
        target = copies.migration_target(project, server, database)
        with psycopg.connect(server.conninfo(database)) as conn:
            table_rows = {
                name: int(count)
                for name, count in conn.execute(
                    "SELECT c.relname, c.reltuples FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind = 'r' AND n.nspname = 'public' AND c.reltuples >= 0 "
                    "AND c.relname <> 'alembic_version'"
                )
            }
        base_schema = rehearse_schema(server.conninfo(database)) if options.downgrade else None
        progress("migrations: traced, statement by statement")
        traced = run_traced(target, "heads", progress=progress)
        if not traced.applied:
            raise DevdbError(
                "nothing to rehearse: no migration is pending between the base and this code",
                "add a migration, or pick an older --base",
            )
        docs = {
            r.revision: r.doc.splitlines()[0] if r.doc else ""
            for r in script_heads(target).revisions
        }
        migrations = [
            build_migration(rev, docs.get(rev, ""), traced, table_rows, options.max_lock)
            for rev in traced.applied
        ]
        # lint's guesses on the same files, read while the copy is busy (tests, downgrade)
        linting = InThread(_lint, config, list(traced.applied))
        if command and base.worktree is not None:
            from devdb.rehearse.oldtests import rehearse_tests

            tests = rehearse_tests(
                project,
                server,
                command=command,
                base_root=base.worktree,
                copy_template=copy.template,
                migrated=database,
                progress=progress,
            )
        downgrade = None
        if options.downgrade:
            progress("downgrade: to base")
            assert base_schema is not None
            downgrade = rehearse_downgrade(
                target, server.conninfo(database), base.heads, base_schema
            )
    overhead = None
    if options.measure_overhead:
        with copies.clone(server, copy.template, project, "plain") as plain:
            progress("tracer overhead: the same migrations untraced")
            untraced = run_traced(
                copies.migration_target(project, server, plain), "heads", trace=False
            )
        overhead = (
            round((traced.seconds - untraced.seconds) / untraced.seconds, 4)
            if untraced.seconds > 0
            else None
        )
    findings, lint_problem = linting.result()
    for m in migrations:
        judge_lint(m, [f for f in findings if f.revision == m.revision], options.max_lock)
    problems = [
        f"{m.revision}: {p}" for m in migrations for p in m.problems if m.verdict == "blocks writes"
    ]
    if tests is not None and not tests["ok"]:
        problems.append(
            "the base release's tests fail on the new schema: "
            + ", ".join(tests["failing_only_in_mixed_pair"])
        )
    fill = copy.fill
    report = Report(
        project=config.project_name,
        base={"ref": base.ref, "commit": base.commit, "heads": base.heads},
        copy={
            "template": copy.template,
            "reused": copy.reused,
            "seconds": round(copy_seconds, 3),
            "rows": {t.table: t.rows for t in fill.tables} if fill else table_rows,
            "fill_rows_per_second": round(fill.rows / fill.seconds)
            if fill and fill.seconds
            else None,
        },
        migrations=migrations,
        seconds={
            "total": round(time.perf_counter() - started, 3),
            "migrations": round(traced.seconds, 4),
            "tracer_probes": round(traced.probe_seconds, 4),
        },
        tracer_overhead=overhead,
        downgrade=downgrade,
        tests=tests,
        max_lock_seconds=options.max_lock,
        ok=not problems,
        problems=problems,
        lint_problem=lint_problem,
    )
    from devdb.lint.model import DEFAULT_SENSITIVE_TABLE_PATTERNS, LintConfig

    patterns = config.sensitive_tables or DEFAULT_SENSITIVE_TABLE_PATTERNS
    report.checklist = data_safety_checklist(
        report, LintConfig(sensitive_table_patterns=list(patterns)).is_sensitive
    )
    return report


def _lint(config: Config, revisions: list[str]) -> tuple[list[Any], str | None]:
    """lint's findings on the rehearsed revisions; a lint that cannot run is one note."""
    from devdb.commands.lint import lint

    try:
        return list(lint(config, revisions).report.findings), None
    except DevdbError as exc:
        return [], f"lint did not run: {exc.message}"


def seed_synthetic(
    config: Config,
    *,
    rows: dict[str, int],
    scale: int | None,
    stats: Path | None,
    seed: int,
    vector_rows: int | None,
    progress: Progress,
) -> SynthResult:
    """`devdb seed --synthetic`: the rehearsal's generator adding rows to the working database
    (referenced tables first, one transaction per table); `devdb reset` takes them away."""
    from devdb.commands.migrate import running_server
    from devdb.rehearse.synth import fill_database, read_stats
    from devdb.server.checkout import open_project, project_lock

    counts = read_stats(stats) if stats else None
    with project_lock(config, progress):
        project = open_project(config)
        server = running_server(project)
        return fill_database(
            server.conninfo(project.database),
            vectors=vector_source,
            rows=rows,
            scale=scale,
            stats=counts,
            seed=seed,
            vector_rows=vector_rows,
            progress=progress,
        )

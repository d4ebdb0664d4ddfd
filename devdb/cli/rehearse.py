"""`devdb rehearse`: the release's migrations on a copy at size, measured."""

from __future__ import annotations

from pathlib import Path

import typer

from devdb.cli._common import ProjectOpt, load, out, print_json, progress_steps, run


def rehearse(
    base: str | None = typer.Option(
        None, "--base", help="Git ref of the release (default: merge-base with main)."
    ),
    rows: str | None = typer.Option(
        None, "--rows", help="Rows per table: documents=2_000_000,users=50k."
    ),
    scale: int | None = typer.Option(
        None, "--scale", help="Rows of every table --rows/--stats leave out (default 1000)."
    ),
    stats: Path | None = typer.Option(
        None, "--stats", help="Row counts exported from production (README: Rehearse)."
    ),
    seed: int = typer.Option(0, "--seed", help="Same seed, same rows."),
    vector_rows: int | None = typer.Option(
        None,
        "--vector-rows",
        help="At most this many rows per table get an embedding in a nullable vector column.",
    ),
    max_lock: float = typer.Option(
        1.0, "--max-lock", help="Seconds a write-blocking lock may be held."
    ),
    overhead: bool = typer.Option(
        False,
        "--overhead",
        help="Also run the migrations untraced on another clone and report the tracer's cost.",
    ),
    no_downgrade: bool = typer.Option(
        False, "--no-downgrade", help="Skip the downgrade rehearsal."
    ),
    old_tests: str | None = typer.Option(
        None,
        "--old-tests",
        help="Test command (a shell line) run from the base release's checkout on the migrated"
        " copy, then from this code (default: test_command in [tool.devdb]).",
    ),
    no_old_tests: bool = typer.Option(
        False, "--no-old-tests", help="Run no tests, even with test_command configured."
    ),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json | github"),
    project: Path | None = ProjectOpt,
) -> None:
    """Run this branch's pending migrations on a copy of the base release at size, traced
    statement by statement (locks and what they block, rewrites, rows, WAL, time), rehearse
    the downgrade, run the base release's tests on the new schema, and answer the runbook's
    Data Safety Checklist. Exit 1 when a lock that blocks writes is held longer than
    --max-lock, or when the base release's tests fail on the new schema only.

    Examples:
      devdb rehearse
      devdb rehearse --base v1.4.0 --rows documents=2_000_000,users=50_000
      devdb rehearse --stats stats.json --format github
      devdb rehearse --old-tests "python -m pytest -q tests"
    """
    if fmt not in ("text", "json", "github"):
        raise typer.BadParameter("use text, json or github", param_hint="--format")
    from devdb.commands.rehearse import RehearseOptions
    from devdb.commands.rehearse import rehearse as core_rehearse
    from devdb.rehearse.report import format_github, format_text
    from devdb.rehearse.synth import parse_rows

    options = RehearseOptions(
        base=base,
        rows=run(lambda: parse_rows(rows)) if rows else {},
        scale=scale,
        stats=stats,
        seed=seed,
        vector_rows=vector_rows,
        max_lock=max_lock,
        downgrade=not no_downgrade,
        measure_overhead=overhead,
        old_tests="" if no_old_tests else old_tests,
    )
    config = run(lambda: load(project))
    with progress_steps(fmt == "text") as progress:
        report = run(lambda: core_rehearse(config, options, progress))
    if fmt == "json":
        print_json(report.as_dict())
    elif fmt == "github":
        text = format_github(report)
        if text:
            out.print(text, markup=False, highlight=False)
    else:
        out.print(format_text(report), markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command(short_help="Rehearse the pending migrations on a copy at size, measured.")(rehearse)

"""migrate, seed."""

from __future__ import annotations

from pathlib import Path

import typer

from devdb.cli._common import (
    JsonOpt,
    NoBackupOpt,
    ProjectOpt,
    err,
    load,
    print_json,
    progress_steps,
    run,
)


def migrate(
    revision: str = typer.Argument("head", help="Target revision (head, a revision id, -1, base)."),
    project: Path | None = ProjectOpt,
    as_json: bool = JsonOpt,
    no_backup: bool = NoBackupOpt,
) -> None:
    """Apply (or roll back) Alembic migrations on the running database.

    Examples:
      devdb migrate           # to head
      devdb migrate -- -1     # one step down
    """
    from devdb.commands.migrate import migrate as core_migrate

    config = run(lambda: load(project))
    with progress_steps(not as_json) as progress:
        result = run(lambda: core_migrate(config, revision, progress=progress, no_backup=no_backup))
    if as_json:
        print_json(result.__dict__)
        return
    for note in result.notes:
        err.print(f"[yellow]note:[/] {note}")
    err.print(
        f"[green]✓[/] at {', '.join(result.revision) or 'base'}; "
        f"{len(result.applied)} step(s) in {result.seconds:.2f}s"
    )


def seed(
    synthetic: bool = typer.Option(
        False,
        "--synthetic",
        help="Add generated rows (types, keys, unique, CHECK, enums, vectors) instead of fixtures.",
    ),
    rows: str | None = typer.Option(
        None, "--rows", help="With --synthetic: rows per table, documents=1_000_000,users=5k."
    ),
    scale: int | None = typer.Option(
        None, "--scale", help="With --synthetic: rows of every table --rows leaves out (1000)."
    ),
    stats: Path | None = typer.Option(
        None, "--stats", help="With --synthetic: row counts exported from production."
    ),
    seed_value: int = typer.Option(0, "--seed", help="With --synthetic: same seed, same rows."),
    vector_rows: int | None = typer.Option(
        None, "--vector-rows", help="With --synthetic: at most this many embeddings per table."
    ),
    project: Path | None = ProjectOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Load fixtures (*.sql, *.csv, *.py with seed(conn)) in one transaction, or with
    --synthetic add generated rows at the size you ask (`devdb reset` takes them away).

    Examples:
      devdb seed
      devdb seed --synthetic --rows documents=1_000_000 --scale 10000
    """
    if not synthetic:
        if rows or scale is not None or stats or vector_rows is not None:
            raise typer.BadParameter("--rows, --scale, --stats and --vector-rows need --synthetic")
        from devdb.commands.migrate import seed as core_seed

        config = run(lambda: load(project))
        with progress_steps(not as_json) as progress:
            applied = run(lambda: core_seed(config, progress=progress))
        if as_json:
            print_json({"fixtures_applied": applied})
            return
        err.print("[green]✓[/] fixtures seeded" if applied else "fixtures unchanged; nothing to do")
        return
    from devdb.commands.rehearse import seed_synthetic
    from devdb.rehearse.synth import parse_rows

    counts = run(lambda: parse_rows(rows)) if rows else {}
    config = run(lambda: load(project))
    with progress_steps(not as_json) as progress:
        result = run(
            lambda: seed_synthetic(
                config,
                rows=counts,
                scale=scale,
                stats=stats,
                seed=seed_value,
                vector_rows=vector_rows,
                progress=progress,
            )
        )
    if as_json:
        print_json(result.as_dict())
        return
    for table in result.tables:
        err.print(f"  {table.table}: {table.rows:,} rows ({table.rows_per_second:,.0f} rows/s)")
    err.print(
        f"[green]✓[/] {result.rows:,} synthetic rows in {result.seconds:.2f}s (seed {result.seed})"
    )


def register(app: typer.Typer) -> None:
    app.command()(migrate)
    app.command(short_help="Load the fixtures, or with --synthetic add generated rows at size.")(
        seed
    )

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


def seed(project: Path | None = ProjectOpt) -> None:
    """Load fixtures (*.sql, *.csv, *.py with seed(conn)) in one transaction. Example: devdb seed"""
    from devdb.commands.migrate import seed as core_seed

    config = run(lambda: load(project))
    with progress_steps() as progress:
        applied = run(lambda: core_seed(config, progress=progress))
    err.print("[green]✓[/] fixtures seeded" if applied else "fixtures unchanged; nothing to do")


def register(app: typer.Typer) -> None:
    app.command()(migrate)
    app.command()(seed)

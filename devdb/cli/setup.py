"""`devdb init`."""

from __future__ import annotations

from pathlib import Path

import typer

from devdb.cli._common import ProjectOpt, err, load, out, run


def init(
    project: Path | None = ProjectOpt,
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the config without writing it."),
) -> None:
    """Detect the backend's layout and write it to \\[tool.devdb] for review.

    Example:
      devdb init --dry-run    # see what devdb found
      devdb init              # append it to pyproject.toml (or devdb.toml)
    """
    from devdb.core.init import init as core_init

    config = run(lambda: load(project))
    target, text, written = run(lambda: core_init(config, write=not dry_run))
    out.print(text, end="")
    for note in config.notes:
        err.print(f"[yellow]note:[/] {note}")
    if written:
        err.print(f"[green]✓[/] written to {config.rel(target)}")


def register(app: typer.Typer) -> None:
    app.command()(init)

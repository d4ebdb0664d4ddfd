"""`devdb init`."""

from __future__ import annotations

from pathlib import Path

import typer

from devdb.cli._common import JsonOpt, ProjectOpt, err, load, out, print_json, run


def init(
    project: Path | None = ProjectOpt,
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the config without writing it."),
    as_json: bool = JsonOpt,
) -> None:
    """Detect the backend's layout and write it to \\[tool.devdb] for review.

    Each discovered fact is printed with its evidence (which file said so).

    Examples:
      devdb init --dry-run          # see what devdb found, and why
      devdb init                    # append it to pyproject.toml (or devdb.toml)
      devdb init --dry-run --json   # the same as data
    """
    from devdb.commands.init import init as core_init

    config = run(lambda: load(project))
    target, text, written, table = run(lambda: core_init(config, write=not dry_run))
    if as_json:
        print_json(
            {
                "config": table,
                "facts": [
                    {"name": f.name, "value": f.value, "evidence": f.evidence} for f in config.facts
                ],
                "env_readers": [config.rel(p) for p in config.env_readers],
                "notes": config.notes,
                "written": config.rel(target) if written else None,
            }
        )
        return
    for fact in config.facts:
        err.print(f"[cyan]{fact.name}[/] {fact.value} [dim]— {fact.evidence}[/]", highlight=False)
    for path in config.env_readers:
        err.print(f"[cyan]also read[/] {config.rel(path)} [dim]— gets the same DB values[/]")
    for note in config.notes:
        err.print(f"[yellow]note:[/] {note}")
    out.print(text, end="", highlight=False, markup=False)
    if written:
        err.print(f"[green]✓[/] written to {config.rel(target)}")


def register(app: typer.Typer) -> None:
    app.command()(init)

"""check (and, with the lint work, lint and revision): migration review commands."""

from __future__ import annotations

from pathlib import Path

import typer

from devdb.cli._common import ProjectOpt, err, load, out, print_json, progress_steps, run

FormatOpt = typer.Option("text", "--format", "-f", help="text | json")


def check(
    project: Path | None = ProjectOpt,
    fmt: str = FormatOpt,
    no_models: bool = typer.Option(False, "--no-models", help="Skip the models-vs-schema compare."),
) -> None:
    """Prove the migrations in a throwaway database: single head, upgrade to head, each step
    up → down → up, downgrades leave no trace, models match the schema.

    Examples:
      devdb check
      devdb check --format json
    """
    from devdb.core.check import check as core_check

    config = run(lambda: load(project))
    with progress_steps(fmt == "text") as progress:
        report = run(lambda: core_check(config, progress=progress, models=not no_models))
    if fmt == "json":
        print_json(report.as_dict())
    else:
        for step in report.steps:
            mark = "[green]✓[/]" if step.ok else "[red]✗[/]"
            where = f" at {step.revision}" if step.revision and not step.ok else ""
            out.print(f"{mark} {step.name}{where}")
            for line in step.detail if not step.ok else []:
                out.print(f"    {line}")
        for index in report.unmodelled_indexes:
            out.print(f"[dim]  note: not in the models (raw SQL, expected): {index}[/]")
        err.print(f"[dim]{report.revisions} revisions checked in {report.seconds:.1f}s[/]")
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(check)

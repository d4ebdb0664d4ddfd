"""check (and, with the lint work, lint and revision): migration review commands."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

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
    from devdb.commands.check import check as core_check

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
        for finding in report.project_findings:
            where = f"{finding['path']}:{finding['line']}" if finding["line"] else finding["path"]
            line = escape(f"{where}: {finding['code']} {finding['severity']} {finding['message']}")
            out.print(f"[yellow]![/] {line}", highlight=False)
        err.print(f"[dim]{report.revisions} revisions checked in {report.seconds:.1f}s[/]")
    if not report.ok:
        raise typer.Exit(1)


def lint(
    targets: list[str] | None = typer.Argument(None, help="Revision ids or migration files."),
    project: Path | None = ProjectOpt,
    everything: bool = typer.Option(False, "--all", help="Lint every migration (and env.py)."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json | github | sarif"),
    fail_on: str | None = typer.Option(
        None, "--fail-on", help="error | warning (default: fail_on in tool.devdb.lint, else error)"
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also show info findings."),
    rules: bool = typer.Option(False, "--rules", help="List every rule (Markdown) and exit."),
) -> None:
    """Lint migrations: runbook rules, long locks on live tables, pgvector pitfalls.

    Default: migrations not applied to the local database plus those changed on this branch.
    Severities: error (unsafe on production data or breaks deploy), warning (needs a look),
    info (review items; never fails; shown with --verbose).
    Suppress one finding with a reason: `# devdb: ignore DD204 -- table is empty in prod`;
    disable or re-level rules in the tool.devdb.lint table of pyproject.toml
    (disable = ["DD110"], severity = { DD205 = "warning" }, fail_on = "warning").

    Examples:
      devdb lint
      devdb lint --all --format github
      devdb lint --all --format sarif > devdb-lint.sarif
      devdb lint 0007 migrations/versions/0008_x.py --fail-on warning
    """
    if rules:
        from devdb.lint import format_rules

        out.print(format_rules(), markup=False)
        return
    from devdb.commands.lint import lint as core_lint
    from devdb.lint import FORMATS, format_report

    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    if fail_on not in (None, "error", "warning"):
        raise typer.BadParameter("use error or warning", param_hint="--fail-on")
    config = run(lambda: load(project))
    result = run(lambda: core_lint(config, targets or [], everything=everything))
    if fmt == "text" and not result.selected:
        err.print(f"nothing to lint ({result.reason}: none); `devdb lint --all` lints everything")
        return
    text = format_report(result.report, fmt, verbose=verbose)
    if text:
        out.print(text, markup=False, highlight=False)
    if fmt == "text":
        err.print(f"[dim]{len(result.selected)} migration(s) linted ({result.reason})[/]")
    if result.report.fails(fail_on or result.fail_on):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(lint)
    app.command(
        short_help="Autogenerate a migration, lint it, add the runbook's review checklist."
    )(revision)
    app.command(short_help="Prove the migrations: single head, up → down → up, models match.")(
        check
    )


def revision(
    message: str = typer.Option(..., "--message", "-m", help="Short description."),
    project: Path | None = ProjectOpt,
) -> None:
    """Autogenerate a migration from the models, lint it, and write the runbook's review
    checklist into it (names, nullability, foreign keys and cascades, indexes, renames).

    Example:
      devdb revision -m "add documents.summary"
    """
    from devdb.commands.revision import revision as core_revision

    config = run(lambda: load(project))
    with progress_steps() as progress:
        result = run(lambda: core_revision(config, message, progress=progress))
    out.print(config.rel(result.path))
    if result.fixed_pgvector_import:
        err.print("[yellow]note:[/] added the missing pgvector import autogenerate left out")
    for line in result.findings:
        err.print(f"  {line}", markup=False)
    err.print("[green]✓[/] written; review the checklist at the top of the file, then delete it")

"""up, down, destroy, status, env, logs, psql."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from devdb.cli import options
from devdb.cli._common import (
    EngineOpt,
    JsonOpt,
    NoBackupOpt,
    ProjectOpt,
    UrlOpt,
    YesOpt,
    ask,
    confirm_destructive,
    err,
    load,
    out,
    print_json,
    progress_steps,
    run,
)

if TYPE_CHECKING:
    from devdb.commands.status import Status


def up(
    project: Path | None = ProjectOpt,
    engine: str | None = EngineOpt,
    url: str | None = UrlOpt,
    no_app: bool = typer.Option(False, *options.NO_APP, help="Stop after migrations and fixtures."),
    as_json: bool = typer.Option(
        False, *options.JSON, help="Print the result as JSON on stdout; implies --no-app."
    ),
    reset_on_drift: bool = typer.Option(
        False, "--reset-on-drift", help="Rebuild the database when it drifted from the code."
    ),
    no_backup: bool = NoBackupOpt,
    yes: bool = typer.Option(
        False, "--yes", "-y", help="External: migrate a database devdb did not create."
    ),
) -> None:
    """Start the database, write the env file, migrate, seed, then run the app.

    Examples:
      devdb up                      # everything, then `python main.py`
      devdb up --no-app             # just the database
      devdb up --engine embedded    # no Docker needed
      devdb up --engine external --url postgresql://me@localhost/app
    """
    from devdb.commands.up import up as core_up

    config = run(lambda: load(project, engine=engine, url=url))
    with progress_steps(not as_json) as progress:
        result = run(
            lambda: core_up(
                config,
                progress=progress,
                reset_on_drift=reset_on_drift,
                no_backup=no_backup,
                yes=yes,
                confirm=ask if sys.stdin.isatty() else None,
            )
        )
    from devdb.cli.fast import report_warm_up, up_fields

    if as_json:
        print_json(up_fields(result.__dict__))
        return
    if result.warm:
        report_warm_up(result.__dict__)
    else:
        for note in result.notes:
            err.print(f"[yellow]note:[/] {note}")
        applied = "migrations applied" if result.applied else "no migrations to apply"
        ext = ", ".join(f"{k} {v}" for k, v in result.extensions.items())
        err.print(
            f"[green]✓[/] database {result.database} ready on 127.0.0.1:{result.port} "
            f"({result.engine}; {ext}); {applied}; "
            f"{'fixtures seeded' if result.fixtures_applied else 'fixtures unchanged'}; "
            f"{result.env_file} {'written' if result.env_written else 'unchanged'} "
            f"[dim]({result.timings['total']:.1f}s)[/]"
        )
    if no_app:
        return
    from devdb.app.launch import launch_app
    from devdb.cli.plain import say

    raise typer.Exit(run(lambda: launch_app(config, result.env, say)))


def down(project: Path | None = ProjectOpt) -> None:
    """Stop the database server; data is kept. Example: devdb down"""
    from devdb.commands.lifecycle import down as core_down

    config = run(lambda: load(project))
    stopped = run(lambda: core_down(config))
    err.print("[green]✓[/] stopped (data kept)" if stopped else "nothing was running")


def destroy(
    project: Path | None = ProjectOpt, yes: bool = YesOpt, no_backup: bool = NoBackupOpt
) -> None:
    """Remove the server, its data volume and devdb's state (backups stay).

    Data the fixtures did not put there is backed up first, unless --no-backup.

    Example: devdb destroy --yes
    """
    from devdb.commands.lifecycle import destroy as core_destroy

    config = run(lambda: load(project))
    confirm_destructive(f"destroy the database of {config.project_name} (all its data)", yes)
    with progress_steps() as progress:
        removed = run(lambda: core_destroy(config, progress, no_backup=no_backup))
    err.print("[green]✓[/] removed: " + (", ".join(removed) if removed else "nothing"))


def status(
    project: Path | None = ProjectOpt,
    as_json: bool = JsonOpt,
    check: bool = typer.Option(
        False, "--check", help="Exit 1 when `devdb up` or `devdb reset` is needed (for scripts)."
    ),
) -> None:
    """What `devdb up` would act on: server, revision, pending, drift, env file.

    Read-only: it never starts a server or writes the env file. Each finding
    names the command that settles it.

    --check for scripts, git hooks and CI: exit 0 when nothing needs doing,
    1 when `devdb up` or `devdb reset` is needed or something needs a fix
    (two heads, a broken alembic.ini), like `prisma migrate status`.

    Examples:
      devdb status
      devdb status --json     # "needs": nothing|up|reset|fix, "findings"
      devdb status --check || devdb up --no-app
    """
    from devdb.commands.status import status as core_status

    config = run(lambda: load(project))
    result = run(lambda: core_status(config))
    if as_json:
        print_json(result.as_dict())
    else:
        _print_status(result)
    if check and result.needs != "nothing":
        raise typer.Exit(1)


def _print_status(result: Status) -> None:
    from rich.markup import escape

    state = "[green]running[/]" if result.running else "[yellow]stopped[/]"
    out.print(f"engine      {result.engine} ({state}, port {result.port or '-'})")
    out.print(f"database    {result.database} {'(answering)' if result.answering else ''}")
    out.print(
        f"revision    {', '.join(result.revision) or '-'}   heads: {', '.join(result.heads) or '-'}"
    )
    if result.extensions:
        out.print("extensions  " + ", ".join(f"{k} {v}" for k, v in result.extensions.items()))
    out.print(f"env file    {result.env_file}")
    for note in result.notes:
        out.print(f"[yellow]note:[/] {escape(note)}")
    if not result.findings:
        out.print("[green]✓[/] up to date: `devdb up` has nothing to do")
        return
    colour = {"up": "yellow", "reset": "red", "fix": "red"}[result.needs]
    out.print(f"[{colour}]needs {result.needs}[/]")
    for finding in result.findings:
        out.print(f"  {finding.kind}: {escape(finding.message)}  [dim]→[/] {escape(finding.fix)}")


def env(
    project: Path | None = ProjectOpt,
    fmt: str = typer.Option("dotenv", "--format", "-f", help="dotenv | json | shell"),
) -> None:
    """Print the DB variables devdb writes. Example: eval "$(devdb env --format shell)" """
    import shlex

    if fmt not in ("dotenv", "json", "shell"):
        raise typer.BadParameter("use dotenv, json or shell", param_hint="--format")
    from devdb.commands.lifecycle import current_env_values

    config = run(lambda: load(project))
    values = run(lambda: current_env_values(config))
    if fmt == "json":
        print_json(values)
    elif fmt in ("dotenv", "shell"):
        prefix = "export " if fmt == "shell" else ""
        for key, value in values.items():
            sys.stdout.write(f"{prefix}{key}={shlex.quote(value)}\n")
    else:
        raise typer.BadParameter("use dotenv, json or shell", param_hint="--format")


def logs(
    project: Path | None = ProjectOpt,
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines."),
    lines: int = typer.Option(50, "--lines", "-n", min=1, help="How many lines of the end."),
) -> None:
    """The database server's log. Example: devdb logs -f"""
    from devdb.commands import lifecycle

    config = run(lambda: load(project))
    if follow:
        try:
            for chunk in run(lambda: lifecycle.follow_logs(config)):
                sys.stdout.write(chunk)
                sys.stdout.flush()
        except KeyboardInterrupt:
            return
        return
    sys.stdout.write(run(lambda: lifecycle.logs(config, lines)) + "\n")


def psql(
    project: Path | None = ProjectOpt,
    args: list[str] | None = typer.Argument(None, help="Extra psql arguments (after --)."),
) -> None:
    """Open psql on the app database (password passed in the environment, not argv).

    Examples:
      devdb psql
      devdb psql -- -c "select count(*) from documents"
    """
    from devdb.commands.lifecycle import connection_env, psql_binary

    config = run(lambda: load(project))
    libpq, _ = run(lambda: connection_env(config))
    binary = psql_binary()
    os.execvpe(binary, [binary, *(args or [])], {**os.environ, **libpq})


def register(app: typer.Typer) -> None:
    app.command()(up)
    app.command()(down)
    app.command()(destroy)
    app.command()(status)
    app.command()(env)
    app.command()(logs)
    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(psql)

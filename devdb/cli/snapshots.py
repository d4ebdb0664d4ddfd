"""reset."""

from __future__ import annotations

from pathlib import Path

import typer

from devdb.cli._common import (
    JsonOpt,
    NoBackupOpt,
    ProjectOpt,
    YesOpt,
    confirm_destructive,
    err,
    load,
    print_json,
    progress_steps,
    run,
)


def reset(
    project: Path | None = ProjectOpt,
    yes: bool = YesOpt,
    undo: bool = typer.Option(
        False, "--undo", help="Put back the database the last reset replaced."
    ),
    allow_external_reset: bool = typer.Option(
        False, "--allow-external-reset", help="Allow replacing a database on an external server."
    ),
    force_unmanaged: bool = typer.Option(
        False, "--force-unmanaged", help="Replace a database devdb did not create."
    ),
    as_json: bool = JsonOpt,
    no_backup: bool = NoBackupOpt,
) -> None:
    """Bring the database back to exactly the migrated + seeded state, in well under a second.

    The replaced database is kept (the last few), so a reset can be undone.
    That copy is reset's backup: --no-backup drops it instead (no undo).

    Examples:
      devdb reset --yes
      devdb reset --undo --yes     # get back what the last reset replaced
    """
    from devdb.cli.fast import report_reset
    from devdb.commands import reset as core

    config = run(lambda: load(project))
    what = (
        "put back the database the last reset replaced"
        if undo
        else f"reset database of {config.project_name}"
    )
    confirm_destructive(what, yes)
    if undo:
        restored = run(lambda: core.undo(config, allow_external=allow_external_reset))
        if as_json:
            print_json({"restored": restored})
        else:
            err.print(f"[green]✓[/] restored {restored}")
        return
    with progress_steps(not as_json) as progress:
        result = run(
            lambda: core.reset(
                config,
                progress=progress,
                allow_external=allow_external_reset,
                force_unmanaged=force_unmanaged,
                keep_previous=not no_backup,
            )
        )
    if as_json:
        print_json(result.__dict__)
    else:
        report_reset(result.__dict__, no_backup=no_backup)


def register(app: typer.Typer) -> None:
    app.command()(reset)

"""The typer app: thin commands over devdb.commands. Heavy imports happen per command."""

from __future__ import annotations

import typer

from devdb.cli import _common

app = typer.Typer(
    name="devdb",
    help=(
        "Local PostgreSQL + pgvector + Alembic for Python backends.\n\n"
        "Example: devdb up   (start the DB, write .env, migrate, seed, run the app)"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    _common.APP.debug = debug
    if version:
        from devdb import __version__

        _common.out.print(f"devdb {__version__}")
        raise typer.Exit(0)
    if ctx.invoked_subcommand is None:
        _common.out.print(ctx.get_help())
        raise typer.Exit(0)


def _register() -> None:
    from devdb.cli import (
        backup,
        branches,
        database,
        image,
        lifecycle,
        review,
        setup,
        snapshots,
        vector,
    )
    from devdb.cli import rehearse as rehearse_cli

    lifecycle.register(app)
    snapshots.register(app)
    database.register(app)
    review.register(app)
    setup.register(app)
    image.register(app)
    backup.register(app)
    vector.register(app)
    rehearse_cli.register(app)
    branches.register(app)


_register()

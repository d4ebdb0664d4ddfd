"""Shared CLI plumbing: consoles, the error boundary, config loading from options."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

from devdb.cli.plain import print_json as print_json  # the commands import it from here

if TYPE_CHECKING:
    from devdb.config import Config

T = TypeVar("T")

out = Console(highlight=False, soft_wrap=True)  # data for scripts: stdout
err = Console(stderr=True, highlight=False)  # people: progress, notes, errors
DEBUG = {"on": False}

ProjectOpt = typer.Option(None, "--project", "-C", help="Project folder (default: found from cwd).")
EngineOpt = typer.Option(None, "--engine", "-e", help="auto | docker | embedded | external")
UrlOpt = typer.Option(None, "--url", help="External server URL (implies --engine external).")
JsonOpt = typer.Option(False, "--json", help="Print JSON on stdout (nothing else).")
YesOpt = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")
NoBackupOpt = typer.Option(
    False, "--no-backup", help="Skip the automatic backup before a destructive step (says so)."
)


def load(project: Path | None = None, **overrides: Any) -> Config:
    from devdb.config import load_config

    return load_config(project, **overrides)


def fail(message: str, hint: str = "", code: int = 1) -> typer.Exit:
    from rich.markup import escape

    # plain text: "[tool.devdb]" in a hint is not markup
    err.print(f"[bold red]error:[/] {escape(message)}")
    if hint:
        err.print(f"  [dim]→[/] {escape(hint)}")
    return typer.Exit(code)


def run(fn: Callable[[], T]) -> T:
    """The error boundary: expected failures become one line and exit 1 (traceback with --debug)."""
    from devdb.errors import DevdbError

    try:
        return fn()
    except DevdbError as exc:
        if DEBUG["on"]:
            err.print_exception()
        raise fail(exc.message, exc.hint) from None
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/] — run the same command again to finish")
        raise typer.Exit(130) from None


@contextmanager
def progress_steps(enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A spinner showing the current step; finished steps stay as dim lines."""
    if not enabled or not err.is_terminal:
        yield (lambda message: err.print(f"[dim]·[/] {message}")) if enabled else (lambda _m: None)
        return
    with err.status("starting…") as spinner:
        last: list[str] = []

        def step(message: str) -> None:
            if last and not message.startswith(last[0].split(":")[0]):
                err.print(f"[dim]· {last[0]}[/]")
            last[:] = [message]
            spinner.update(message)

        yield step
        if last:
            err.print(f"[dim]· {last[0]}[/]")


def confirm_destructive(what: str, yes: bool) -> None:
    """Ask before destroying; without a TTY and without --yes, refuse rather than hang."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise fail(f"refusing to {what} without confirmation", "pass --yes to confirm", code=1)
    if not typer.confirm(f"{what}?", default=False, err=True):
        raise typer.Exit(1)

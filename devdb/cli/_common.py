"""Shared CLI plumbing: consoles, the error boundary, config loading from options."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

from devdb.cli import options
from devdb.cli.application import APP, Exit
from devdb.cli.plain import print_json as print_json  # the commands import it from here

if TYPE_CHECKING:
    from devdb.project.config import Config

T = TypeVar("T")

out = Console(highlight=False, soft_wrap=True)  # data for scripts: stdout
err = Console(stderr=True, highlight=False)  # people: progress, notes, errors

ProjectOpt = typer.Option(None, *options.PROJECT, help="Project folder (default: found from cwd).")


def _engine_choice(value: str | None) -> str | None:
    from devdb.project.config import ENGINES

    if value is not None and value not in ENGINES:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(ENGINES)}")
    return value


EngineOpt = typer.Option(
    None,
    "--engine",
    "-e",
    help="auto | docker | embedded | external",
    callback=_engine_choice,
)
UrlOpt = typer.Option(None, "--url", help="External server URL (implies --engine external).")
JsonOpt = typer.Option(False, *options.JSON, help="Print JSON on stdout (nothing else).")
YesOpt = typer.Option(False, *options.YES, help="Do not ask for confirmation.")
NoBackupOpt = typer.Option(
    False, *options.NO_BACKUP, help="Skip the automatic backup before a destructive step (says so)."
)


def load(project: Path | None = None, **overrides: Any) -> Config:
    from devdb.project.config import load_config

    return load_config(project, **overrides)


def fail(message: str, hint: str = "", code: int = 1) -> typer.Exit:
    APP.error(message, hint)
    return typer.Exit(code)


def run(fn: Callable[[], T]) -> T:
    """The application's error boundary (APP.guard), ending the typer command with its code."""
    try:
        return APP.guard(fn)
    except Exit as exc:
        raise typer.Exit(exc.code) from None


@contextmanager
def progress_steps(enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """One line per step with its time, so a slow step shows: on a terminal a spinner shows
    the current step and each finished one stays with its duration; elsewhere each line
    shows when its step began (seconds since the command started)."""
    started = time.perf_counter()
    if not enabled or not err.is_terminal:

        def plain(message: str) -> None:
            err.print(f"[dim]·[/] {message} [dim](+{time.perf_counter() - started:.1f}s)[/]")

        yield plain if enabled else (lambda _m: None)
        return
    with err.status("starting…") as spinner:
        _SPINNERS.append(spinner)
        last: list[tuple[str, float]] = []

        def finish() -> None:
            message, began = last[0]
            err.print(f"[dim]· {message} {time.perf_counter() - began:.1f}s[/]")

        def step(message: str) -> None:
            same_step = bool(last) and message.startswith(last[0][0].split(":")[0])
            if last and not same_step:
                finish()
            last[:] = [(message, last[0][1] if same_step else time.perf_counter())]
            spinner.update(message)

        try:
            yield step
        finally:
            _SPINNERS.remove(spinner)
        if last:
            finish()


_SPINNERS: list[Any] = []  # the running progress spinner, paused while a question waits


def ask(question: str) -> bool:
    """A yes/no question on the terminal, with the progress spinner paused so that neither
    garbles the other."""
    for spinner in _SPINNERS:
        spinner.stop()
    try:
        return bool(typer.confirm(question, default=False, err=True))
    finally:
        for spinner in _SPINNERS:
            spinner.start()


def confirm_destructive(what: str, yes: bool) -> None:
    """Ask before destroying; without a TTY and without --yes, refuse rather than hang."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise fail(f"refusing to {what} without confirmation", "pass --yes to confirm", code=1)
    if not ask(f"{what}?"):
        raise typer.Exit(1)

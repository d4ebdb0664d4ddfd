"""`devdb reset --yes` and a warm `devdb up` without typer and rich.

A reset is ~50 ms of work, and so is an `up` with nothing to do; importing typer, click and
rich costs about twice that, and psycopg more. So the console script serves here:
- a plain `reset --yes [--json] [--no-backup] [--project DIR]` (by the checkout's reset agent
  when one is running, devdb.commands.agent; else in this process);
- `up [--no-app] [--json] [--project DIR]` when nothing is to do (devdb.commands.up.warm_up),
  then the app as `up` launches it; when there is work, the typer app runs `up` from the start.
Anything else (help, --undo, a prompt, other options, typos) goes to the typer app, whose
commands print the same reports (`report_reset`, `report_warm_up`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from devdb.cli import options
from devdb.cli.plain import paint, print_json, say, step


class PlainReset(NamedTuple):  # not a dataclass: importing dataclasses costs ~30 ms
    project: Path | None
    as_json: bool
    no_backup: bool


class PlainUp(NamedTuple):
    project: Path | None
    as_json: bool
    no_app: bool


def _parse(
    argv: list[str], command: str, flags: tuple[tuple[str, ...], ...]
) -> tuple[set[str], Path | None] | None:
    """(flags given, by their long name; --project DIR) of `devdb <command>` with only these
    flags (devdb.cli.options), else None."""
    if not argv or argv[0] != command:
        return None
    names = {name: names[0] for names in flags for name in names}
    given: set[str] = set()
    project: Path | None = None
    args = iter(argv[1:])
    for arg in args:
        if arg in names:
            given.add(names[arg])
        elif arg in options.PROJECT:
            value = next(args, None)
            if not value:
                return None
            project = Path(value)
        elif arg.startswith("--project=") and len(arg) > len("--project="):
            project = Path(arg.split("=", 1)[1])
        else:
            return None
    return given, project


def parse_plain_reset(argv: list[str]) -> PlainReset | None:
    """The options of a plain `reset --yes`, or None when the typer app should handle argv."""
    parsed = _parse(argv, "reset", options.FAST_RESET)
    if parsed is None or "--yes" not in parsed[0]:
        return None
    given, project = parsed
    return PlainReset(project, "--json" in given, "--no-backup" in given)


def parse_plain_up(argv: list[str]) -> PlainUp | None:
    """The options of an `up` this module may serve, or None."""
    parsed = _parse(argv, "up", options.FAST_UP)
    if parsed is None:
        return None
    given, project = parsed
    return PlainUp(project, "--json" in given, "--no-app" in given or "--json" in given)


def run_plain_up(options: PlainUp) -> int | None:
    """A warm `up` (exit code), or None when there is work to do: the typer app does it."""
    return _boundary(lambda: _up(options))


def _up(options: PlainUp) -> int | None:
    from devdb.commands.up import warm_up
    from devdb.project.config import load_config
    from devdb.project.root import find_project_root

    config = load_config(find_project_root(options.project or Path.cwd()))
    result = warm_up(config, progress=_progress(options.as_json))
    if result is None:
        return None
    if options.as_json:
        print_json(up_fields(result.__dict__))
        return 0
    report_warm_up(result.__dict__)
    if options.no_app:
        return 0
    from devdb.app.launch import launch_app

    return launch_app(config, result.env, say)


def up_fields(result: dict[str, Any]) -> dict[str, Any]:
    """What `up --json` prints of an UpResult: all but the app's environment (passwords)."""
    return {k: v for k, v in result.items() if k != "env"}


def report_warm_up(result: dict[str, Any]) -> None:
    """What an `up` with nothing to do says (UpResult fields), for people."""
    for note in result["notes"]:
        say(f"{paint('note:', 'yellow')} {note}")
    say(
        f"{paint('✓', 'green')} database {result['database']} is up to date "
        f"({result['engine']}, 127.0.0.1:{result['port']}) in {result['timings']['total']:.2f}s"
    )


def run_plain_reset(options: PlainReset) -> int:
    """The same as the typer `reset --yes`, errors included; returns the exit code."""
    return _boundary(lambda: _report(_reset(options), options)) or 0


def _boundary(fn: Callable[[], int | None]) -> int | None:
    """The application's error boundary, as an exit code."""
    from devdb.cli.application import APP, Exit

    try:
        return APP.guard(fn)
    except Exit as exc:
        return exc.code


def _progress(as_json: bool) -> Callable[[str], None]:
    """Steps on stderr for people; nothing beside --json."""
    return (lambda _message: None) if as_json else step


def _reset(options: PlainReset) -> dict[str, Any]:
    """By the checkout's reset agent if it takes it, else here."""
    from devdb.commands.agent import ask_reset
    from devdb.project.root import find_project_root

    root = find_project_root(options.project or Path.cwd())
    served = ask_reset(root, keep_previous=not options.no_backup)
    if served is not None:
        return served
    from devdb.commands.reset import reset
    from devdb.project.config import load_config

    result = reset(
        load_config(root),
        progress=_progress(options.as_json),
        keep_previous=not options.no_backup,
    )
    return dict(result.__dict__)


def _report(result: dict[str, Any], options: PlainReset) -> int:
    if options.as_json:
        print_json(result)
    else:
        report_reset(result, no_backup=options.no_backup)
    return 0


def report_reset(result: dict[str, Any], *, no_backup: bool) -> None:
    """What a reset did (ResetResult fields), for people."""
    built = " (template rebuilt: migrations changed)" if result["template_built"] else ""
    say(f"{paint('✓', 'green')} {result['database']} reset in {result['seconds']:.2f}s{built}")
    if result["kept_as"]:
        say(
            paint(
                f"  previous data kept as {result['kept_as']} (reset's backup); "
                "`devdb reset --undo` brings it back",
                "dim",
            )
        )
    elif no_backup:
        say(paint("  --no-backup: the replaced database was dropped, not kept for --undo", "dim"))

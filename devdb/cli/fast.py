"""`devdb reset --yes` without typer and rich.

A reset is ~50 ms of work; importing typer, click and rich costs about twice that, and
psycopg more. So the console script serves a plain `reset --yes [--json] [--no-backup]
[--project DIR]` here (by the checkout's reset agent when one is running, devdb.core.agent;
else in this process) and hands anything else (help, --undo, a prompt, other options,
typos) to the typer app, whose `reset` command prints the same report (`report_reset`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from devdb.cli.plain import error, paint, print_json, say, step


class PlainReset(NamedTuple):  # not a dataclass: importing dataclasses costs ~30 ms
    project: Path | None
    as_json: bool
    no_backup: bool


def parse_plain_reset(argv: list[str]) -> PlainReset | None:
    """The options of a plain `reset --yes`, or None when the typer app should handle argv."""
    if not argv or argv[0] != "reset":
        return None
    yes = as_json = no_backup = False
    project: Path | None = None
    args = iter(argv[1:])
    for arg in args:
        if arg in ("--yes", "-y"):
            yes = True
        elif arg == "--json":
            as_json = True
        elif arg == "--no-backup":
            no_backup = True
        elif arg in ("--project", "-C"):
            value = next(args, None)
            if not value:
                return None
            project = Path(value)
        elif arg.startswith("--project=") and len(arg) > len("--project="):
            project = Path(arg.split("=", 1)[1])
        else:
            return None
    return PlainReset(project, as_json, no_backup) if yes else None


def run_plain_reset(options: PlainReset) -> int:
    """The same as the typer `reset --yes`, errors included; returns the exit code."""
    from devdb.errors import DevdbError

    try:
        _report(_reset(options), options)
    except DevdbError as exc:
        error(exc.message, exc.hint)
        return 1
    except KeyboardInterrupt:
        say(f"{paint('interrupted', 'yellow')} — run the same command again to finish")
        return 130
    return 0


def _reset(options: PlainReset) -> dict[str, Any]:
    """By the checkout's reset agent if it takes it, else here."""
    from devdb.core.agent import ask_reset
    from devdb.projectroot import find_project_root

    root = find_project_root(options.project or Path.cwd())
    served = ask_reset(root, keep_previous=not options.no_backup)
    if served is not None:
        return served
    from devdb.config import load_config
    from devdb.core.reset import reset

    result = reset(
        load_config(root),
        progress=(lambda _message: None) if options.as_json else step,
        keep_previous=not options.no_backup,
    )
    return dict(result.__dict__)


def _report(result: dict[str, Any], options: PlainReset) -> None:
    if options.as_json:
        print_json(result)
    else:
        report_reset(result, no_backup=options.no_backup)


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

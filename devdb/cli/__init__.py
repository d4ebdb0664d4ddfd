"""devdb's command line. The console script enters at `main`."""

from __future__ import annotations

import sys


def main() -> None:
    """A plain `devdb reset --yes` and an `up` with nothing to do are served without importing
    typer and rich (see devdb.cli.fast); everything else goes to the typer app."""
    if sys.argv[1:3] == ["branches", "_switch"]:  # the git hook: no typer, no rich
        from devdb.branches.switch import hook_main

        sys.exit(hook_main(sys.argv[3:]))
    from devdb.cli.fast import parse_plain_reset, parse_plain_up, run_plain_reset, run_plain_up

    reset = parse_plain_reset(sys.argv[1:])
    if reset is not None:
        sys.exit(run_plain_reset(reset))
    up = parse_plain_up(sys.argv[1:])
    if up is not None:
        code = run_plain_up(up)
        if code is not None:
            sys.exit(code)
    from devdb.cli.app import app
    from devdb.cli.application import APP, Exit

    try:
        APP.guard(lambda: app(standalone_mode=True))
    except Exit as exc:
        sys.exit(exc.code)

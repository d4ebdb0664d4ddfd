"""devdb's command line. The console script enters at `main`."""

from __future__ import annotations

import sys


def main() -> None:
    """A plain `devdb reset --yes` is served without importing typer and rich (see
    devdb.cli.fast); everything else goes to the typer app."""
    from devdb.cli.fast import parse_plain_reset, run_plain_reset

    options = parse_plain_reset(sys.argv[1:])
    if options is not None:
        sys.exit(run_plain_reset(options))
    from devdb.cli.app import app

    app()

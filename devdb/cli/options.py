"""The names of the options both the typer app and the fast paths (devdb.cli.fast) parse:
declared once, so that the fast path never accepts a spelling typer does not know."""

from __future__ import annotations

PROJECT = ("--project", "-C")
YES = ("--yes", "-y")
JSON = ("--json",)
NO_BACKUP = ("--no-backup",)
NO_APP = ("--no-app",)

# the flags each fast path serves (beside PROJECT); anything else goes to the typer app
FAST_RESET = (YES, JSON, NO_BACKUP)
FAST_UP = (NO_APP, JSON)

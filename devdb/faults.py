"""Named fault points for the fault-injection tests.

`DEVDB_FAULT=<point>[:SIGKILL|SIGINT|BUG]` makes devdb signal itself exactly when it reaches
`fault_point("<point>")`: SIGKILL (the default) is a crash or `kill -9`, SIGINT a Ctrl-C,
BUG an unexpected exception (a bug in devdb or a library), raised right there.
Unset, a fault point is one comparison.
"""

from __future__ import annotations

import os
import signal

_WANTED = os.environ.get("DEVDB_FAULT") or None

#: every point, in the order a command reaches them (the tests iterate over these)
UP_POINTS = (
    "up_state_written",
    "up_server_created",
    "up_server_started",
    "up_ready",
    "up_template_built",
    "up_database_created",
    "up_env_written",
)
RESET_POINTS = ("reset_template_ready", "reset_swapped")
BACKUP_POINTS = ("backup_dumped",)
RESTORE_POINTS = ("restore_restored", "restore_swapped")
BRANCH_POINTS = ("branches_incoming_ready", "branches_swapped")
POINTS = UP_POINTS + RESET_POINTS + BACKUP_POINTS + RESTORE_POINTS + BRANCH_POINTS


def fault_point(name: str) -> None:
    if _WANTED is not None:
        _fire(name, _WANTED)


def _fire(name: str, wanted: str) -> None:
    point, _, how = wanted.partition(":")
    if point != name:
        return
    if how.upper() == "BUG":
        raise RuntimeError(f"fault point {name}")
    sig = signal.SIGINT if how.upper() == "SIGINT" else signal.SIGKILL
    os.kill(os.getpid(), sig)  # SIGINT: KeyboardInterrupt is raised right here, as on Ctrl-C

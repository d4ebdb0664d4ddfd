"""The pending migrations run on the copy through the tracer child, statement by statement;
what each lock blocks for the app; the longest write-blocking hold."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devdb.migrations import runner
from devdb.migrations.runner import AlembicTarget, MigrationSession

TRACER_SCRIPT = Path(__file__).with_name("_tracer_child.py")

# What a table lock of each mode stops the app from doing (PostgreSQL's conflict table:
# reads take ACCESS SHARE, writes ROW EXCLUSIVE).
BLOCKS = {
    "AccessShareLock": "nothing",
    "RowShareLock": "nothing",
    "RowExclusiveLock": "nothing",
    "ShareUpdateExclusiveLock": "nothing",
    "ShareLock": "writes",
    "ShareRowExclusiveLock": "writes",
    "ExclusiveLock": "writes",
    "AccessExclusiveLock": "reads and writes",
}
SHORT_MODE = {
    "AccessShareLock": "ACCESS SHARE",
    "RowShareLock": "ROW SHARE",
    "RowExclusiveLock": "ROW EXCLUSIVE",
    "ShareUpdateExclusiveLock": "SHARE UPDATE EXCLUSIVE",
    "ShareLock": "SHARE",
    "ShareRowExclusiveLock": "SHARE ROW EXCLUSIVE",
    "ExclusiveLock": "EXCLUSIVE",
    "AccessExclusiveLock": "ACCESS EXCLUSIVE",
}


# PostgreSQL's table lock modes, weakest first: each conflicts with at least what the one
# before it does.
STRENGTH = {mode: rank for rank, mode in enumerate(SHORT_MODE)}


def strength(mode: str) -> int:
    return STRENGTH.get(mode, len(STRENGTH))


def blocks(mode: str) -> str:
    return BLOCKS.get(mode, "writes")


def blocks_writes(mode: str) -> bool:
    return blocks(mode) != "nothing"


class TraceSession(MigrationSession):
    """A MigrationSession whose child is the tracer (the worker plus `trace_upgrade`)."""

    def start(self) -> TraceSession:
        saved = runner.CHILD_SCRIPT
        runner.CHILD_SCRIPT = TRACER_SCRIPT
        try:
            super().start()
        finally:
            runner.CHILD_SCRIPT = saved
        return self


@dataclass
class Trace:
    applied: list[str]
    current: list[str]
    seconds: float  # the migrations' own run, tracer included
    probe_seconds: float  # of which the tracer's probes
    statements: list[dict[str, Any]] = field(default_factory=list)
    holds: list[dict[str, Any]] = field(default_factory=list)
    transactions: int = 0


def run_traced(
    target: AlembicTarget,
    revision: str = "heads",
    *,
    downgrade: bool = False,
    trace: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Trace:
    with TraceSession(target) as session:
        data = session.run(
            "trace_upgrade",
            {"revision": revision, "downgrade": downgrade, "trace": trace},
            progress=progress,
        )
    for statement in data["statements"]:
        for lock in statement["locks"]:
            lock["blocks"] = blocks(lock["mode"])
    for hold in data["holds"]:
        hold["blocks"] = blocks(hold["mode"])
    return Trace(
        applied=list(data["applied"]),
        current=list(data["current"]),
        seconds=float(data["seconds"]),
        probe_seconds=float(data["probe_seconds"]),
        statements=list(data["statements"]),
        holds=list(data["holds"]),
        transactions=int(data["transactions"]),
    )

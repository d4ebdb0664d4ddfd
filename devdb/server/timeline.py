"""Step times of a command, printed to stderr with DEVDB_TIMING=1 (for finding where a cold
`up` spends its time). Each line: seconds since the process started, the step's own seconds,
and its name. Costs nothing when the variable is unset."""

from __future__ import annotations

import os
import sys
import time

ENABLED = os.environ.get("DEVDB_TIMING") == "1"


def _process_start() -> float:
    """time.monotonic() of this process's start (Linux: /proc), else of this import."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            ticks = int(stat.read().rsplit(b")", 1)[1].split()[19])
        with open("/proc/uptime", "rb") as uptime:
            now_since_boot = float(uptime.read().split()[0])
        return time.monotonic() - (now_since_boot - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.monotonic()


_STARTED = _process_start() if ENABLED else 0.0
_last = time.monotonic()


def mark(step: str) -> None:
    """The step that just ended: its time since the previous mark."""
    global _last
    if not ENABLED:
        return
    now = time.monotonic()
    print(
        f"[timing] {now - _STARTED:7.3f}s  +{now - _last:6.3f}s  {step}",
        file=sys.stderr,
        flush=True,
    )
    _last = now

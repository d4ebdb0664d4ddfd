"""The real devdb CLI, run as a user runs it: the venv's console script, the user's
environment, a wide terminal, the wall clock of the whole process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def child_env(**extra: str) -> dict[str, str]:
    """The user's environment. PYTHONDONTWRITEBYTECODE is dropped: a user's install has its
    bytecode cached, and compiling devdb's modules on every run would add ~1 s."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["COLUMNS"] = "200"
    env.update(extra)
    return env


def devdb_command() -> list[str]:
    script = BIN / "devdb"
    return [str(script)] if script.exists() else [sys.executable, "-m", "devdb"]


def run_devdb(
    root: Path, *args: str, timeout: float, env: dict[str, str] | None = None
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """(wall seconds, the finished process) of `devdb ARGS` in `root`; the caller judges it."""
    started = time.perf_counter()
    result = subprocess.run(
        [*devdb_command(), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=child_env(**(env or {})),
        stdin=subprocess.DEVNULL,
    )
    return time.perf_counter() - started, result

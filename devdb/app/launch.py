"""Run the app in the foreground with the DB environment; forward signals; return its code."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from devdb.errors import DevdbError

if TYPE_CHECKING:
    from devdb.project.config import Config


def resolve_command(command: list[str], python: str) -> list[str]:
    """`python main.py` runs with the app's interpreter, not whatever `python` is on PATH."""
    if command and command[0] in ("python", "python3"):
        return [python, *command[1:]]
    return list(command)


def launch_app(config: Config, env: dict[str, str], say: Callable[[str], None]) -> int:
    """`up`'s last step: the app's command in the foreground with the DB environment; its
    exit code. `say` prints the line that says what runs where."""
    command = resolve_command(config.app_command, config.python)
    cwd = config.app_dir or config.project_root
    say(f"→ running {' '.join(config.app_command)} (in {config.rel(cwd)}; Ctrl-C stops it)")
    return run_app(command, cwd, env)


def run_app(command: list[str], cwd: Path, env: dict[str, str]) -> int:
    if not command:
        raise DevdbError(
            "no app command to run", "set app_command in [tool.devdb], or use --no-app"
        )
    try:
        child = subprocess.Popen(command, cwd=cwd, env=env)
    except FileNotFoundError as exc:
        raise DevdbError(
            f"cannot run the app: {command[0]} not found", "check app_command"
        ) from exc

    interactive = sys.stdin.isatty()

    def forward(signum: int, _frame: FrameType | None) -> None:
        # A terminal's Ctrl-C reaches the child through the process group already (a second
        # SIGINT would interrupt its shutdown); a signal sent to devdb alone (kill, a
        # supervisor) must be passed on. Either way devdb waits for the child.
        if signum == signal.SIGINT and interactive:
            return
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code

"""Terminal output without rich, for commands whose work costs less than importing rich."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

_ANSI = {"green": "32", "dim": "2", "error": "1;31", "yellow": "33"}


def _coloured() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stderr.isatty()


def paint(text: str, style: str) -> str:
    return f"\x1b[{_ANSI[style]}m{text}\x1b[0m" if _coloured() else text


def say(text: str) -> None:
    """A line for people, on stderr (stdout is for data)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def step(message: str) -> None:
    say(f"{paint('·', 'dim')} {message}")


def error(message: str, hint: str = "") -> None:
    say(f"{paint('error:', 'error')} {message}")
    if hint:
        say(f"  {paint('→', 'dim')} {hint}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")

"""Progress for people: the one type through which core code reports the step it is on, and
its silent default. The CLI decides where a step shows (a spinner line, a plain line, or
nothing beside --json)."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str], None]


def silent(_message: str) -> None:
    """Reports nothing: the default where no one watches."""

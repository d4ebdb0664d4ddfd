"""The one error type the core raises: a line for the user and what to do about it."""

from __future__ import annotations


class DevdbError(Exception):
    """An expected failure. `message` says what happened, `hint` what to do.

    The CLI prints these as one line (no traceback unless --debug) and exits 1.
    Never put a password in either field.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


def first_line(exc: BaseException) -> str:
    """The first line of an error's text (its type's name when it has none): for one-line
    messages built around another library's error."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

"""The CLI's one application object: the debug flag, plain output for people and scripts,
and the error boundary, shared by the fast paths (no typer, no rich) and the typer app."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from devdb.cli.plain import error, paint, print_json, say, step

T = TypeVar("T")

INTERRUPTED = 130  # what a shell reports for Ctrl-C


class Exit(Exception):  # the line is printed already: only the code is left to give
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Application:
    def __init__(self) -> None:
        self.debug = False

    say = staticmethod(say)
    step = staticmethod(step)
    error = staticmethod(error)
    print_json = staticmethod(print_json)

    def guard(self, fn: Callable[[], T]) -> T:
        """Run `fn`; an expected failure becomes one line and Exit(1) (130 when interrupted),
        an unexpected one a line naming it (the traceback only with --debug)."""
        from devdb.errors import DevdbError

        try:
            return fn()
        except DevdbError as exc:
            self._traceback()
            error(exc.message, exc.hint)
            raise Exit(int(getattr(exc, "exit_code", 1))) from None
        except KeyboardInterrupt:
            say(f"{paint('interrupted', 'yellow')} — run the same command again to finish")
            raise Exit(INTERRUPTED) from None
        except Exception as exc:  # the last line of defence: no traceback without --debug
            self._traceback()
            from devdb.errors import first_line

            error(
                f"internal error: {type(exc).__name__}: {first_line(exc)}",
                "run again with --debug for the traceback, and report it with that output",
            )
            raise Exit(1) from None

    def _traceback(self) -> None:
        if self.debug:
            import traceback

            traceback.print_exc(file=sys.stderr)


APP = Application()

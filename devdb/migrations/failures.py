"""A failed Alembic operation, as devdb says it: one line naming the revision and where the
database was left, and what to do (install the app's dependencies, set a key, fix a name)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devdb.errors import DevdbError


class MigrationError(DevdbError):
    """An Alembic operation failed; says which revision and where the database was left."""

    def __init__(
        self,
        message: str,
        hint: str = "",
        *,
        revision: str | None = None,
        db_revision: list[str] | None = None,
        applied: list[str] | None = None,
        kind: str = "",
        location: str | None = None,
        statement: str | None = None,
        output_tail: str = "",
        traceback: str = "",
    ) -> None:
        super().__init__(message, hint)
        self.revision = revision  # the revision whose step failed, if any
        self.db_revision = db_revision  # read after the failure; None if unreadable
        self.applied = applied or []  # steps that ran and were kept
        self.kind = kind  # import | missing_key | settings | database | alembic | python …
        self.location = location  # "migrations/versions/0003_x.py:21"
        self.statement = statement  # first line of the failing SQL, if any
        self.output_tail = output_tail  # last lines the child printed (stdout+stderr)
        self.traceback = traceback  # the child's traceback (for --debug)
        self.exit_code = 1  # 130 when interrupted (Ctrl-C), as a shell reports it


def describe_failure(
    op: str, err: dict[str, Any], tail: str, python: str | Path, scrub: Callable[[str], str]
) -> MigrationError:
    """The child's report of a failed operation as one line and what to do."""
    kind = str(err.get("kind", ""))
    msg = str(err.get("message", "unknown error"))
    loc = err.get("location")
    at = f" ({loc})" if loc else ""
    rev = err.get("revision")
    db_rev = err.get("db_revision")
    db_text = ", ".join(db_rev) if db_rev else "base (no revision)"
    hint = ""
    app_env = "Add it to the app's .env or environment; devdb fills only the database keys."
    if kind == "import":
        module = err.get("module")
        what = f"module '{module}' is not installed" if module else msg
        message = f"Migrations could not start: {what}{at}"
        missing_name = re.match(
            r"cannot import name '([^']+)' from (?:partially initialized module )?'([^']+)'",
            msg,
        )
        if module is None and missing_name:
            name, source = missing_name.groups()
            hint = (
                f"{source} defines no {name}: a code error in the app (a renamed or removed "
                "name, or a circular import), not a missing package; fix that import."
            )
        else:
            hint = (
                f"Install the app's dependencies into {python}, or set devdb's "
                "`python` to the app's virtualenv."
            )
    elif kind == "missing_key":
        message = f"Migrations could not start: setting {err.get('key')} is not set{at}"
        hint = app_env
    elif kind == "settings":
        message = f"Migrations could not start: {msg}{at}"
        hint = app_env
    elif rev:
        verb = "Migration" if err.get("direction") == "up" else "Downgrade of"
        message = f"{verb} {rev} failed: {msg}{at}"
        if db_rev is None:
            hint = "The database revision could not be read afterwards."
        else:
            hint = f"The database is at {db_text}; fix the migration and run it again."
    elif kind == "no_metadata":
        message = msg
        hint = "Set target_metadata in env.py to the app's MetaData (Base.metadata)."
    else:
        message = f"Alembic {op} failed: {msg}{at}"
        if op in ("upgrade", "downgrade") and db_rev is not None:
            hint = f"The database is at {db_text}."
    return MigrationError(
        scrub(message),
        scrub(hint),
        revision=rev,
        db_revision=list(db_rev) if db_rev is not None else None,
        applied=list(err.get("applied") or []),
        kind=kind,
        location=loc,
        statement=scrub(str(err["statement"])) if err.get("statement") else None,
        output_tail=scrub(tail),
        traceback=scrub(str(err.get("traceback", ""))),
    )

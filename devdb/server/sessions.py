"""End server sessions: those on a database (before a rename, a drop or a seal) or those of
a client devdb started (found by its application_name, since a client inside a container
or a killed child process does not take its backend with it)."""

from __future__ import annotations

import time
from typing import Any

_END = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"


def end_sessions(
    conn: Any, *, database: str | None = None, application_name: str | None = None
) -> int:
    """Terminate the sessions on `database` and/or of `application_name` (never `conn`'s own);
    returns how many were asked to end. They exit a moment later."""
    if database is None and application_name is None:
        raise ValueError("end_sessions needs a database or an application_name")
    query, params = _END, []
    if database is not None:
        query += " AND datname = %s"
        params.append(database)
    if application_name is not None:
        query += " AND application_name = %s"
        params.append(application_name)
    return int(conn.execute(query, params).fetchone()[0])


def end_sessions_and_wait(conn: Any, database: str, timeout: float = 5.0) -> None:
    """End the sessions on `database` and see them gone. A connection closed a moment ago is
    usually still exiting, and DROP … WITH (FORCE) waits for it in 100 ms steps."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and end_sessions(conn, database=database):
        time.sleep(0.002)

"""Wait until PostgreSQL truly answers: an authenticated TCP connection and `SELECT 1`.

A TCP connect alone lies: docker-proxy accepts at once, and the official entrypoint runs a
socket-only temporary server during init.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from devdb.errors import DevdbError

REJECTED = "rejected devdb's password"


def wait_until_ready(
    conninfo: str,
    *,
    timeout: float = 60.0,
    check_alive: Callable[[], None] | None = None,
    log_tail: Callable[[], str] | None = None,
    first_delay: float = 0.01,
    max_delay: float = 0.01,
) -> float:
    """Poll with exponential backoff; returns seconds waited. Raises DevdbError on timeout."""
    import psycopg

    started = time.monotonic()
    delay = first_delay
    next_alive_check = started + 0.5
    last_error = ""
    while True:
        try:
            with psycopg.connect(conninfo, connect_timeout=2, autocommit=True) as conn:
                conn.execute("SELECT 1")
            return time.monotonic() - started
        except psycopg.OperationalError as exc:
            last_error = (
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            )
            if "password authentication failed" in last_error:
                raise DevdbError(
                    f"the server {REJECTED} (the data volume was made with another one)",
                    "run `devdb destroy` to start clean, or restore the old .devdb/state.json",
                ) from exc
        if check_alive is not None and time.monotonic() >= next_alive_check:
            check_alive()  # asks the engine (a Docker API call): not on every poll
            next_alive_check = time.monotonic() + 0.5
        elapsed = time.monotonic() - started
        if elapsed >= timeout:
            tail = log_tail().strip() if log_tail else ""
            detail = f"; server log ends with: {tail.splitlines()[-1]}" if tail else ""
            raise DevdbError(
                f"PostgreSQL did not answer within {timeout:.0f}s ({last_error}){detail}",
                "see `devdb logs`, or raise ready_timeout in [tool.devdb]",
            )
        time.sleep(min(delay, max(0.0, timeout - elapsed)))
        delay = min(delay * 1.5, max_delay)

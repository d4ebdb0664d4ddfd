"""Databases cloned from a template ahead of need, and dropped behind, by one background thread.

A test takes a ready clone (no wait when the thread kept up) and hands it back when done; the
thread makes the next clone while the test runs and drops used ones when it has nothing more
urgent to do. All server work of one pool is serial: parallel CREATE/DROP DATABASE on one
server contend for WAL and I/O and end up slower than one after the other.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devdb.errors import DevdbError
from devdb.snapshots import ident

if TYPE_CHECKING:
    from devdb.engines.base import Server

AHEAD = 2  # clones kept ready
DROP_BACKLOG = 8  # used clones allowed to wait for their DROP before drops come first


@dataclass
class PoolStats:
    created: int = 0
    dropped: int = 0
    waited: list[float] = field(default_factory=list)  # how long each take() blocked


class ClonePool:
    """Clones of `template` named `<prefix><n>` (n counts from 1)."""

    def __init__(self, server: Server, template: str, prefix: str, ahead: int = AHEAD) -> None:
        self.server = server
        self.template = template
        self.prefix = prefix
        self.ahead = max(1, ahead)
        self.stats = PoolStats()
        self._cond = threading.Condition()
        self._ready: deque[str] = deque()
        self._used: deque[str] = deque()
        self._waiting = 0
        self._count = 0
        self._closing = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="devdb-clone-pool", daemon=True)
        self._thread.start()

    # -- the test side ----------------------------------------------------------------------
    def take(self, timeout: float = 300.0) -> str:
        """A ready clone, waiting for the thread to make one if need be."""
        started = time.monotonic()
        with self._cond:
            self._waiting += 1
            self._cond.notify_all()
            try:
                while not self._ready:
                    if self._error is not None:
                        raise _as_devdb_error(self._error)
                    if self._closing:
                        raise DevdbError("the clone pool is closed")
                    remaining = timeout - (time.monotonic() - started)
                    if remaining <= 0:
                        raise DevdbError(
                            f"no clone of {self.template} after {timeout:.0f} s",
                            "the server is overloaded or stuck; see `devdb logs`",
                        )
                    self._cond.wait(remaining)
                name = self._ready.popleft()
                self._cond.notify_all()
            finally:
                self._waiting -= 1
        self.stats.waited.append(time.monotonic() - started)
        return name

    def give_back(self, name: str) -> None:
        """Done with `name`: it is dropped in the background."""
        with self._cond:
            self._used.append(name)
            self._cond.notify_all()

    def close(self) -> list[str]:
        """Drop what is left (ready and used clones); returns names that could not be dropped."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()
        leftovers = list(self._ready) + list(self._used)
        self._ready.clear()
        self._used.clear()
        failed = []
        if leftovers:
            try:
                with self._connect() as conn:
                    for name in leftovers:
                        try:
                            _drop(conn, name)
                            self.stats.dropped += 1
                        except Exception:
                            failed.append(name)
            except Exception:
                failed = leftovers
        return failed

    # -- the thread -------------------------------------------------------------------------
    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.server.conninfo(), autocommit=True, connect_timeout=10)

    def _next_job(self) -> tuple[str, str] | None:
        """("create", name) or ("drop", name); None when closing. Called with the lock held."""
        while True:
            if self._closing:
                return None
            short = len(self._ready) < self.ahead
            urgent = self._waiting > 0 and not self._ready
            if short and (urgent or len(self._used) < DROP_BACKLOG):
                self._count += 1
                return "create", f"{self.prefix}{self._count}"
            if self._used:
                return "drop", self._used.popleft()
            self._cond.wait()

    def _run(self) -> None:
        try:
            with self._connect() as conn:
                while True:
                    with self._cond:
                        job = self._next_job()
                    if job is None:
                        return
                    action, name = job
                    if action == "create":
                        conn.execute(
                            f"CREATE DATABASE {ident(name)} TEMPLATE {ident(self.template)}"
                        )
                        with self._cond:
                            self.stats.created += 1
                            self._ready.append(name)
                            self._cond.notify_all()
                    else:
                        _drop(conn, name)
                        self.stats.dropped += 1
        except BaseException as exc:
            with self._cond:
                self._error = exc
                self._cond.notify_all()


def _drop(conn: Any, name: str) -> None:
    conn.execute(f"DROP DATABASE IF EXISTS {ident(name)} WITH (FORCE)")


def _as_devdb_error(exc: BaseException) -> DevdbError:
    if isinstance(exc, DevdbError):
        return exc
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return DevdbError(
        f"could not clone the template: {first}",
        "is the server still running? see `devdb status` and `devdb logs`",
    )

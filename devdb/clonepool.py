"""Per-test databases cloned from a template by one background thread per test process.

A test takes a clone and hands it back when done; the thread drops used clones and makes new
ones. Why the order matters: every DROP DATABASE runs a checkpoint, which writes out every
dirty page on the server, and a fresh clone is all dirty pages. Dropped first, a used clone
takes its pages with it and the checkpoint finds little to write; a clone made before that
drop is written out in full by it. So with quick tests the thread drops, then makes the next
clone when a test asks; when tests hold their database longer than a drop takes, a waiting
test gets its clone first (the drop runs during the test), and when they hold it longer than
a clone + drop, the next clone is made ahead while the test runs.

Spares: with `spares` > 0, a pool leaves up to that many ready clones of the template behind
(`<db>__t_spare_<template key>_<x>`, made by a detached process after the session, which also
drops what the session left) and the next session takes them by renaming them (milliseconds,
whatever the schema's size) before it clones anything. A CREATE DATABASE costs per relation:
about a second for a 200-migration schema here, which the first tests of a run then skip.

Names: `<db>__t_<worker>_<run>_<n>`. `run` is shared by the xdist workers of one pytest run,
which hold a shared advisory lock on it while they live; a later pool drops clones whose run
holds no lock any more (a run that was killed), except those kept for failed tests, and
spares of templates that are not current any more.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devdb.errors import DevdbError
from devdb.snapshots import ident

if TYPE_CHECKING:
    from devdb.engines.base import Server

AHEAD = 1  # clones made before a test asks for one, when tests are slow enough to hide it
SPARES = 8  # at most this many spares are left for the next session (by the plugin)
KEPT_COMMENT = "devdb: kept for a failed test"
CLONE = "__t_"


def clone_prefix(database: str) -> str:
    return f"{database[:36]}{CLONE}"


def spare_prefix(database: str, template: str | None = None) -> str:
    """Spares of `template` (all spares of `database` when None)."""
    key = template.rsplit("_", 1)[-1][:8] + "_" if template else ""
    return f"{database[:30]}{CLONE}spare_{key}"


def _run_key(run: str) -> str:
    return f"devdb-test-run:{run}"


@dataclass
class PoolStats:
    created: int = 0
    dropped: int = 0
    swept: list[str] = field(default_factory=list)  # clones of killed runs, dropped
    from_spares: int = 0  # clones that were spares left by an earlier session
    waited: list[float] = field(default_factory=list)  # how long each take() blocked


class ClonePool:
    """Clones of `template` for one test process (`worker`) of one test run (`run`)."""

    def __init__(
        self,
        server: Server,
        template: str,
        database: str,
        *,
        worker: str,
        run: str,
        ahead: int = AHEAD,
        spares: int = 0,
    ) -> None:
        self.server = server
        self.template = template
        self.database = database
        self.run = run
        self.prefix = f"{clone_prefix(database)}{worker}_{run}_"
        self.ahead = max(0, ahead)  # 0: each clone is made when a test asks for it
        self.spares = max(0, spares)
        self.spare_prefix = spare_prefix(database, template)
        self.stats = PoolStats()
        self._cond = threading.Condition()
        self._ready: deque[str] = deque()
        self._used: deque[str] = deque()
        self._waiting = 0
        self._count = 0
        self._closing = False
        self._swept = False
        self._spares_left = self.spares > 0
        self._taken: dict[str, float] = {}
        # moving averages: how long tests keep their clone, and a CREATE and a DROP take
        self._held = self._create = self._drop = 0.0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="devdb-clone-pool", daemon=True)
        self._thread.start()

    # -- the test side ----------------------------------------------------------------------
    def take(self, timeout: float = 300.0) -> str:
        """A clone of the template, waiting for the thread to make one if need be."""
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
                self._taken[name] = time.monotonic()
                self._cond.notify_all()
            finally:
                self._waiting -= 1
        self.stats.waited.append(time.monotonic() - started)
        return name

    def give_back(self, name: str) -> None:
        """Done with `name`: the thread drops it."""
        with self._cond:
            taken = self._taken.pop(name, None)
            if taken is not None:
                self._held = _average(self._held, time.monotonic() - taken)
            self._used.append(name)
            self._cond.notify_all()

    def keep(self, name: str) -> None:
        """Leave `name` in place for good (a failed test's database), marked as kept."""
        with self._connect() as conn:
            conn.execute(f"COMMENT ON DATABASE {ident(name)} IS {_literal(KEPT_COMMENT)}")

    def close(self) -> list[str]:
        """Clean up: drop what is left (made ahead, or used) now, or with spares, leave that
        and the spares' refill to a detached process so that the session ends at once.
        Returns the names that could not be dropped."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()
        unused, used = list(self._ready), list(self._used)
        self._ready.clear()
        self._used.clear()
        wanted = min(self.spares, len(self.stats.waited))
        if wanted and self._error is None:
            start_cleanup(self.server, self.template, self.spare_prefix, wanted, unused, used)
            return []
        failed = []
        try:
            with self._connect() as conn:
                for name in unused + used:
                    try:
                        _drop(conn, name)
                        self.stats.dropped += 1
                    except Exception:
                        failed.append(name)
        except Exception:
            return unused + used
        return failed

    # -- the thread -------------------------------------------------------------------------
    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.server.conninfo(), autocommit=True, connect_timeout=10)

    def _next_job(self) -> str | None:
        """ "drop", "create", "sweep" or None (closing). Called with the lock held."""
        while True:
            if self._closing:
                return None
            asked = self._waiting > 0 and not self._ready
            if asked and self._spares_left:
                return "create"  # a spare's rename takes milliseconds: before anything else
            if self._used and not (asked and self._held > self._drop):
                return "drop"  # before the next create (see the module docstring) unless a
                # test waits and tests run long enough to hide the drop's extra writes
            if asked:
                return "create"
            ahead = self.ahead if self._held > self._create + self._drop else 0
            if len(self._ready) < ahead:
                return "create"
            if not self._swept:
                return "sweep"
            self._cond.wait()

    def _run(self) -> None:
        try:
            with self._connect() as conn:
                # held for the pool's life: the clones of this run are not abandoned
                conn.execute("SELECT pg_advisory_lock_shared(hashtext(%s))", (_run_key(self.run),))
                while True:
                    with self._cond:
                        job = self._next_job()
                        if job == "create":
                            self._count += 1
                            name = f"{self.prefix}{self._count}"
                        elif job == "drop":
                            name = self._used.popleft()
                    if job is None:
                        return
                    started = time.monotonic()
                    if job == "create":
                        if self._spares_left and _claim_spare(conn, self.spare_prefix, name):
                            self.stats.from_spares += 1
                        else:
                            self._spares_left = False
                            conn.execute(
                                f"CREATE DATABASE {ident(name)} TEMPLATE {ident(self.template)}"
                            )
                            self._create = _average(self._create, time.monotonic() - started)
                        with self._cond:
                            self.stats.created += 1
                            self._ready.append(name)
                            self._cond.notify_all()
                    elif job == "drop":
                        _drop(conn, name)
                        self._drop = _average(self._drop, time.monotonic() - started)
                        self.stats.dropped += 1
                    else:
                        self._swept = True
                        self.stats.swept += sweep_abandoned(
                            conn, self.database, self.run, self.template
                        )
        except BaseException as exc:
            with self._cond:
                self._error = exc
                self._cond.notify_all()


def _average(current: float, sample: float) -> float:
    return sample if current == 0.0 else 0.7 * current + 0.3 * sample


_CLONE_NAME = re.compile(r"__t_[^_]+_([0-9a-f]{6})_\d+$")


def sweep_abandoned(conn: Any, database: str, own_run: str, template: str) -> list[str]:
    """Drop clones left by test runs that were killed (their run lock is free), not kept
    ones, and spares of other templates than `template`."""
    rows = conn.execute(
        "SELECT datname FROM pg_database WHERE (starts_with(datname, %s) "
        "AND coalesce(shobj_description(oid, 'pg_database'), '') <> %s) "
        "OR (starts_with(datname, %s) AND NOT starts_with(datname, %s))",
        (
            clone_prefix(database),
            KEPT_COMMENT,
            spare_prefix(database),
            spare_prefix(database, template),
        ),
    ).fetchall()
    runs: dict[str, list[str]] = {}
    dropped = []
    for (name,) in rows:
        if name.startswith(spare_prefix(database)):
            if not name.startswith(spare_prefix(database, template)):
                _drop(conn, name)  # a spare of an old template (new migrations, fixtures)
                dropped.append(name)
            continue
        match = _CLONE_NAME.search(name)
        if match and match.group(1) != own_run:
            runs.setdefault(match.group(1), []).append(name)
    for run, names in runs.items():
        key = _run_key(run)
        if not conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()[0]:
            continue  # that run is alive
        try:
            for name in names:
                _drop(conn, name)
                dropped.append(name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))
    return dropped


def _claim_spare(conn: Any, prefix: str, name: str) -> bool:
    """Rename a spare to `name`; False when there is none (another pool may take the same
    one at the same moment: the rename of the loser fails, and it tries the next)."""
    import psycopg

    rows = conn.execute(
        "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY random() LIMIT 4",
        (prefix,),
    ).fetchall()
    for (spare,) in rows:
        try:
            conn.execute(f"ALTER DATABASE {ident(spare)} RENAME TO {ident(name)}")
            return True
        except (psycopg.errors.InvalidCatalogName, psycopg.errors.ObjectInUse):
            continue
    return False


def start_cleanup(
    server: Server, template: str, prefix: str, count: int, unused: list[str], used: list[str]
) -> None:
    """Drop `used`, keep `unused` as spares, make spares up to `count`: in a detached
    process, so that pytest exits now. The password goes in the environment, not argv."""
    job: dict[str, Any] = {"server": [server.host, server.port, server.user]}
    job |= {"template": template, "prefix": prefix, "count": count}
    job |= {"unused": unused, "used": used}
    env = {**os.environ, "DEVDB_SPARES": json.dumps(job), "DEVDB_SPARES_PASSWORD": server.password}
    subprocess.Popen(
        [sys.executable, "-m", "devdb.clonepool"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def cleanup(
    server: Server,
    template: str,
    prefix: str,
    count: int,
    unused: tuple[str, ...] = (),
    used: tuple[str, ...] = (),
) -> int:
    """What a session leaves behind: used clones dropped, spares up to `count` (unused clones
    renamed, then new ones), then a checkpoint so that the spares are clean: a DROP during
    the next session would otherwise write them all out. Returns the spares made."""
    import psycopg

    made = 0
    conn: Any
    with psycopg.connect(server.conninfo(), autocommit=True, connect_timeout=10) as conn:
        for name in used:
            _drop(conn, name)
        key = f"devdb-spares:{prefix}"
        if not conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()[0]:
            for name in unused:  # another session's cleanup is making the spares
                _drop(conn, name)
            return 0
        have = conn.execute(
            "SELECT count(*) FROM pg_database WHERE starts_with(datname, %s)", (prefix,)
        ).fetchone()[0]
        for name in unused:
            if have + made < count:
                conn.execute(f"ALTER DATABASE {ident(name)} RENAME TO {ident(_spare(prefix))}")
                made += 1
            else:
                _drop(conn, name)
        while have + made < count:
            conn.execute(f"CREATE DATABASE {ident(_spare(prefix))} TEMPLATE {ident(template)}")
            made += 1
        if made:
            with contextlib.suppress(psycopg.Error):  # needs superuser or pg_checkpoint
                conn.execute("CHECKPOINT")
    return made


def _spare(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def _drop(conn: Any, name: str) -> None:
    _end_sessions(conn, name)
    conn.execute(f"DROP DATABASE IF EXISTS {ident(name)} WITH (FORCE)")


def _end_sessions(conn: Any, name: str, timeout: float = 5.0) -> None:
    """End the sessions on `name` and see them gone. A test's connection closed a moment
    ago is usually still exiting, and DROP … WITH (FORCE) waits for it in 100 ms steps."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ended = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchone()[0]
        if not ended:
            return
        time.sleep(0.002)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _as_devdb_error(exc: BaseException) -> DevdbError:
    if isinstance(exc, DevdbError):
        return exc
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return DevdbError(
        f"could not clone the template: {first}",
        "is the server still running? see `devdb status` and `devdb logs`",
    )


def main() -> None:
    from devdb.engines.base import Server

    job = json.loads(os.environ["DEVDB_SPARES"])
    host, port, user = job["server"]
    server = Server(host, int(port), user, os.environ["DEVDB_SPARES_PASSWORD"])
    cleanup(
        server,
        job["template"],
        job["prefix"],
        int(job["count"]),
        tuple(job.get("unused", ())),
        tuple(job.get("used", ())),
    )


if __name__ == "__main__":
    main()

"""Per-test databases cloned from a template by background threads ("makers") in each test process.

A test takes a clone and hands it back when done; the makers drop used clones and make new
ones, each on its own connection. Where the clones live decides what they cost:
- in the scratch tablespace (tmpfs, see devdb.copies.scratch), when there is one: a clone is a
  file-by-file copy of the template (STRATEGY FILE_COPY), and creating and deleting files
  there is almost free, so a clone costs the checkpoints around CREATE and DROP DATABASE plus
  a copy in memory. WAL_LOG (the default strategy) writes every page of the template to the
  WAL on disk instead: as fast for a small schema, slower for a big one and for two workers.
  A clone there spends most of its time waiting (on the checkpoints CREATE and DROP DATABASE
  force, on thousands of small syscalls), so several makers overlap well, and clones are made
  ahead even for quick tests: they cost memory only;
- on disk (no tmpfs, or `per_test_databases = "disk"`): the default WAL_LOG strategy, which
  builds the clone in shared buffers. Every DROP DATABASE runs a checkpoint that writes out
  every dirty page on the server, and a fresh clone is all dirty pages; on an ext4 mounted
  with `discard`, deleting a file that reached the disk then costs ~0.7 ms (a second for a
  schema of a thousand tables), one that never did costs nothing.
So on disk one maker, with quick tests, drops first and makes the next clone when a test asks:
no clone is ever written out. When tests hold their database longer than a drop takes, a
waiting test gets its clone first (the drop runs during the test); longer than a clone + drop
and the next clone is made ahead, while the test runs: that I/O is then hidden.

A create in the scratch tablespace that fails (tmpfs full) is retried on disk, and the pool
stays on disk from then on. A kept database (a failed test's) moves to disk, so that it
survives a restart of the server, which empties tmpfs.

Names: `<db>__t_<worker>_<run>_<n>`. `run` is shared by the xdist workers of one pytest run,
which hold a shared advisory lock on it while they live; a later pool drops the clones of runs
whose lock is free (killed ones), except those kept for failed tests.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devdb.copies.snapshots import ident
from devdb.errors import DevdbError, first_line
from devdb.server.sessions import end_sessions_and_wait

if TYPE_CHECKING:
    from devdb.server.engines.base import Server

AHEAD = 1  # on disk: clones made before a test asks for one, when tests are slow enough
# In memory a clone is mostly waiting on checkpoints and syscalls, so several overlap well:
# at 200 revisions a test waits ~40 ms with 3 makers and 2 ahead, 52-65 ms with one (bench_plugin).
SCRATCH_MAKERS = 3  # threads (connections) making and dropping clones
SCRATCH_AHEAD = 2
MAKERS_PER_RUN = 12  # over all xdist workers: leaves the server's connections to the tests
SCRATCH_STRATEGY = "FILE_COPY"  # measured best in tmpfs (see the docstring); disk: the default
# SQLSTATEs of a scratch space that broke (full, files gone, tablespace dropped): go to disk
SCRATCH_TROUBLE = ("53", "58", "42501", "42704")
KEPT_COMMENT = "devdb: kept for a failed test"
CLONE = "__t_"


def clone_prefix(database: str) -> str:
    return f"{database[:36]}{CLONE}"


def _run_key(run: str) -> str:
    return f"devdb-test-run:{run}"


@dataclass
class PoolStats:
    created: int = 0
    dropped: int = 0
    swept: list[str] = field(default_factory=list)  # clones of killed runs, dropped
    waited: list[float] = field(default_factory=list)  # how long each take() blocked
    on_disk_because: str | None = None  # why clones moved from the scratch tablespace to disk


class ClonePool:
    """Clones of `template` for one test process (`worker`) of one test run (`run`), in the
    tablespace `scratch` (None: the server's default)."""

    def __init__(
        self,
        server: Server,
        template: str,
        database: str,
        *,
        worker: str,
        run: str,
        ahead: int | None = None,
        scratch: str | None = None,
        makers: int | None = None,
        workers: int = 1,
        room: int | None = None,
    ) -> None:
        self.server = server
        self.template = template
        self.database = database
        self.run = run
        self.prefix = f"{clone_prefix(database)}{worker}_{run}_"
        default_makers, default_ahead = pool_shape(scratch is not None, workers, room)
        ahead = default_ahead if ahead is None else ahead
        makers = default_makers if makers is None else makers
        self.ahead = max(0, ahead)  # 0: each clone is made when a test asks for it
        self.scratch = scratch
        self._tablespace = scratch  # None once a create in the scratch space failed
        self.stats = PoolStats()
        self._cond = threading.Condition()
        self._ready: deque[str] = deque()
        self._used: deque[str] = deque()
        self._waiting = 0
        self._making = 0  # creates under way
        self._count = 0
        self._closing = False
        self._swept = False
        self._error: BaseException | None = None
        self._taken: dict[str, float] = {}
        # moving averages: how long tests keep their clone, and a CREATE and a DROP take
        self._held = self._create = self._drop = 0.0
        self._threads = [
            threading.Thread(target=self._run, name=f"devdb-clone-pool-{i}", daemon=True)
            for i in range(max(1, makers))
        ]
        for thread in self._threads:
            thread.start()

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
        """Leave `name` in place for good (a failed test's database), marked as kept, and on
        disk: the scratch space is emptied when the server restarts."""
        with self._cond:
            self._taken.pop(name, None)
        with self._connect() as conn:
            conn.execute(f"COMMENT ON DATABASE {ident(name)} IS {_literal(KEPT_COMMENT)}")
            if self.scratch is not None:
                _move_to_disk(conn, name)

    def close(self) -> list[str]:
        """Drop what is left (made ahead, or used); returns the names that could not be."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()
        leftovers = [*self._used, *self._ready]
        self._ready.clear()
        self._used.clear()
        if not leftovers:
            return []
        failed = []
        try:
            with self._connect() as conn:
                for name in leftovers:
                    try:
                        _drop(conn, name)
                        self.stats.dropped += 1
                    except Exception:
                        failed.append(name)
        except Exception:
            return leftovers
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
            coming = len(self._ready) + self._making
            asked = self._waiting > coming  # a test waits and no clone is on its way
            if self._used and not (asked and self._held > self._drop):
                return "drop"  # before the next create, unless the test can hide it
            if asked:
                return "create"
            if coming < self._ahead_now():
                return "create"
            if not self._swept:
                self._swept = True
                return "sweep"
            self._cond.wait()

    def _ahead_now(self) -> int:
        """How many clones to have made or under way before a test asks. In memory a clone
        made ahead costs nothing but RAM, and a second maker overlaps its copy with the
        first's checkpoints; on disk it would be written out by the next DROP's checkpoint,
        so only when tests run long enough to hide that."""
        if self._tablespace is not None or self._held > self._create + self._drop:
            return self.ahead
        return 0

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
                            self._making += 1
                            name = f"{self.prefix}{self._count}"
                        elif job == "drop":
                            name = self._used.popleft()
                    if job is None:
                        return
                    started = time.monotonic()
                    if job == "create":
                        try:
                            self._create_clone(conn, name)
                        except BaseException:
                            with self._cond:
                                self._making -= 1
                            raise
                        with self._cond:
                            self._making -= 1
                            self._create = _average(self._create, time.monotonic() - started)
                            self.stats.created += 1
                            self._ready.append(name)
                            self._cond.notify_all()
                    elif job == "drop":
                        _drop(conn, name)
                        with self._cond:
                            self._drop = _average(self._drop, time.monotonic() - started)
                            self.stats.dropped += 1
                    else:
                        self.stats.swept += sweep_abandoned(conn, self.database, self.run)
        except BaseException as exc:
            with self._cond:
                self._error = exc
                self._cond.notify_all()

    def _create_clone(self, conn: Any, name: str) -> None:
        import psycopg

        if self._tablespace is not None:
            try:
                conn.execute(clone_statement(name, self.template, self._tablespace))
                return
            except psycopg.Error as exc:
                if not (exc.sqlstate or "").startswith(SCRATCH_TROUBLE):
                    raise
                self._tablespace = None
                self.stats.on_disk_because = first_line(exc)
        conn.execute(clone_statement(name, self.template, None))


def pool_shape(in_memory: bool, workers: int, room: int | None = None) -> tuple[int, int]:
    """(makers, clones kept ready) per test process, for `workers` processes (xdist) in the
    run and `room`: the copies of the template a process may keep in memory (None: no limit).
    Besides those made ahead, about three live at once: in use, being made, being dropped."""
    if not in_memory:
        return 1, AHEAD
    ahead = SCRATCH_AHEAD if room is None else max(0, min(SCRATCH_AHEAD, room - 3))
    makers = max(1, min(SCRATCH_MAKERS, MAKERS_PER_RUN // max(1, workers), ahead + 1))
    return makers, ahead


def clone_statement(name: str, template: str, tablespace: str | None) -> str:
    """CREATE DATABASE for a clone in `tablespace` (a scratch one), or None: the default."""
    create = f"CREATE DATABASE {ident(name)} TEMPLATE {ident(template)}"
    if tablespace is None:
        return create
    return f"{create} TABLESPACE {ident(tablespace)} STRATEGY {SCRATCH_STRATEGY}"


def _average(current: float, sample: float) -> float:
    return sample if current == 0.0 else 0.7 * current + 0.3 * sample


_CLONE_NAME = re.compile(r"__t_[^_]+_([0-9a-f]{6})_\d+$")


def sweep_abandoned(conn: Any, database: str, own_run: str) -> list[str]:
    """Drop clones left by test runs that were killed (their run lock is free), not kept ones."""
    rows = conn.execute(
        "SELECT datname FROM pg_database WHERE starts_with(datname, %s) "
        "AND coalesce(shobj_description(oid, 'pg_database'), '') <> %s",
        (clone_prefix(database), KEPT_COMMENT),
    ).fetchall()
    runs: dict[str, list[str]] = {}
    for (name,) in rows:
        match = _CLONE_NAME.search(name)
        if match and match.group(1) != own_run:
            runs.setdefault(match.group(1), []).append(name)
    dropped = []
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


def _drop(conn: Any, name: str) -> None:
    end_sessions_and_wait(conn, name)
    conn.execute(f"DROP DATABASE IF EXISTS {ident(name)} WITH (FORCE)")


def _move_to_disk(conn: Any, name: str, attempts: int = 3) -> None:
    """ALTER DATABASE … SET TABLESPACE needs the database to itself. A failure only warns: the
    database is kept all the same, until the server restarts."""
    import warnings

    import psycopg

    reason = ""
    for _ in range(attempts):
        end_sessions_and_wait(conn, name)
        try:
            conn.execute(f"ALTER DATABASE {ident(name)} SET TABLESPACE pg_default")
            return
        except psycopg.errors.ObjectInUse as exc:
            reason = first_line(exc)  # a session connected again in between: once more
        except psycopg.Error as exc:
            reason = first_line(exc)
            break
    warnings.warn(
        f"devdb: kept database {name} stays in memory, lost when the server restarts ({reason})",
        stacklevel=1,
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _as_devdb_error(exc: BaseException) -> DevdbError:
    if isinstance(exc, DevdbError):
        return exc
    return DevdbError(
        f"could not clone the template: {first_line(exc)}",
        "is the server still running? see `devdb status` and `devdb logs`",
    )

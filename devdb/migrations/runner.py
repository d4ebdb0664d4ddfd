"""Run Alembic in a child process of the app's own interpreter.

The child (``_child.py``) is started by path with ``target.python`` and the app's DB
variables in its environment; it imports alembic, says "ready", then serves JSON requests
over two private pipes until closed. A `MigrationSession` can be started early (while the
server initialises) so the ~0.4 s alembic import overlaps other work.

Longer than most modules: the session and its one-shot wrappers share one protocol (request,
events, death and Ctrl-C handling, secret scrubbing); split, each half would need the other's
privates.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from devdb.errors import DevdbError
from devdb.migrations.failures import MigrationError as MigrationError
from devdb.migrations.failures import describe_failure
from devdb.progress import Progress
from devdb.server.bookkeeping import (
    SCHEMA as META_SCHEMA,  # devdb's bookkeeping: never a model diff
)

CHILD_SCRIPT = Path(__file__).with_name("_child.py")
_TAIL_LINES = 30


@dataclass(frozen=True)
class AlembicTarget:
    """Where the migrations are and how to run them as the app would."""

    ini_path: Path
    python: str = sys.executable
    env: Mapping[str, str] = field(default_factory=dict)  # DB vars under the app's key names
    ini_section: str = "alembic"
    inherit_env: bool = True  # start from os.environ (PATH, HOME, …), then apply `env`

    @property
    def cwd(self) -> Path:
        return Path(self.ini_path).resolve().parent


@dataclass(frozen=True)
class RevisionInfo:
    revision: str
    down_revisions: tuple[str, ...]
    path: Path
    doc: str = ""
    branch_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScriptInfo:
    heads: list[str]
    revisions: list[RevisionInfo]  # base first, heads last

    @property
    def multiple_heads(self) -> bool:
        return len(self.heads) > 1


@dataclass(frozen=True)
class UpgradeResult:
    applied: list[str]  # revisions whose upgrade (or downgrade) ran, in order
    current: list[str]  # the database's revision(s) afterwards
    seconds: float


@dataclass(frozen=True)
class ReadyInfo:
    import_seconds: float  # alembic + sqlalchemy (+ the app's DB driver) import in the child
    spawn_seconds: float  # from Popen to "ready", as seen by the parent
    alembic: str
    sqlalchemy: str
    python: str
    preloaded: tuple[str, ...] = ()  # driver modules named by the env's URLs, imported early


class MigrationSession:
    """One child process serving several Alembic requests.

    >>> with MigrationSession(target).start() as s:   # spawn early; imports run meanwhile
    ...     result = s.upgrade("head")                 # the "go"
    """

    def __init__(self, target: AlembicTarget) -> None:
        self.target = target
        self._proc: subprocess.Popen[bytes] | None = None
        self._req: IO[str] | None = None
        self._res_fd: int | None = None
        self._buf = bytearray()
        self._output: IO[bytes] | None = None
        self._started_at = 0.0
        self._next_id = 0
        self._secrets = _secrets(target.env)
        self._app_name = f"devdb-migrate-{os.getpid()}-{id(self):x}"
        self.ready_info: ReadyInfo | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> MigrationSession:
        """Spawn the child; returns at once (the child imports alembic in the background)."""
        if self._proc is not None:
            return self
        ini = Path(self.target.ini_path).resolve()
        if not ini.is_file():
            raise DevdbError(f"Alembic config not found: {ini}", "Set alembic_ini in devdb config.")
        env = dict(os.environ) if self.target.inherit_env else {}
        env.update({str(k): str(v) for k, v in self.target.env.items()})
        env["PYTHONUNBUFFERED"] = "1"  # keep env.py prints and log lines in order
        # how a Ctrl-C finds the child's server sessions (libpq drivers send it)
        env.setdefault("PGAPPNAME", self._app_name)
        req_r, req_w = os.pipe()
        res_r, res_w = os.pipe()
        self._output = tempfile.TemporaryFile(prefix="devdb-alembic-")  # noqa: SIM115 - closed in close()
        self._started_at = time.time()
        try:
            self._proc = subprocess.Popen(
                [self.target.python, str(CHILD_SCRIPT), str(req_r), str(res_w)],
                cwd=ini.parent,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self._output,
                stderr=subprocess.STDOUT,
                pass_fds=(req_r, res_w),
            )
        except OSError as exc:
            for fd in (req_r, req_w, res_r, res_w):
                os.close(fd)
            self._output.close()
            raise DevdbError(
                f"Cannot start the app's Python ({self.target.python}): {exc.strerror or exc}",
                "Set devdb's `python` to the app's interpreter (e.g. .venv/bin/python).",
            ) from exc
        finally:
            if self._proc is not None:
                os.close(req_r)
                os.close(res_w)
        self._req = os.fdopen(req_w, "w", encoding="utf-8")
        self._res_fd = res_r
        return self

    def wait_ready(self, timeout: float | None = None) -> ReadyInfo:
        """Block until the child has imported alembic (or raise why it could not)."""
        if self.ready_info is not None:
            return self.ready_info
        self.start()
        msg = self._read_event(_deadline(timeout), "start")
        if msg.get("event") != "ready":
            raise DevdbError(f"Unexpected message from the migration process: {msg!r:.200}")
        if not msg.get("ok"):
            err = msg.get("error") or {}
            raise DevdbError(
                f"Alembic is not importable by {self.target.python}: {err.get('message', '?')}",
                "Install the app's dependencies into that interpreter, or point devdb's "
                "`python` at the app's virtualenv.",
            )
        self.ready_info = ReadyInfo(
            import_seconds=float(msg.get("import_seconds", 0.0)),
            spawn_seconds=float(msg.get("wall", time.time())) - self._started_at,
            alembic=str(msg.get("alembic", "?")),
            sqlalchemy=str(msg.get("sqlalchemy", "?")),
            python=str(msg.get("python", "?")),
            preloaded=tuple(msg.get("preloaded") or ()),
        )
        return self.ready_info

    def close(self, timeout: float = 10.0) -> None:
        """Let the child exit (EOF on its request pipe); kill it if it does not."""
        if self._req is not None:
            with contextlib.suppress(OSError):  # the child may be gone already
                self._req.close()
            self._req = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._res_fd is not None:
            os.close(self._res_fd)
            self._res_fd = None
        if self._output is not None:
            self._output.close()
            self._output = None

    def release(self) -> None:
        """Done with the child: like close(), without waiting for its interpreter to shut down
        (~0.3 s once SQLAlchemy and the app's models are loaded). It exits on its own."""
        proc, self._proc = self._proc, None
        self.close()
        if proc is not None:
            threading.Thread(target=_reap, args=(proc,), daemon=True).start()

    def __enter__(self) -> MigrationSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests ----------------------------------------------------------------------
    def run(
        self,
        op: str,
        params: Mapping[str, Any] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        progress: Progress | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one request (op: heads|upgrade|downgrade|current|render_sql|render_sql_each|compare)
        and return its data; failures raise MigrationError.

        `env` is applied in the child before env.py runs; it only helps for values the app
        has not cached yet (set the real values on the target when you can).
        """
        deadline = _deadline(timeout)
        self.wait_ready(None if deadline is None else max(0.0, deadline - time.monotonic()))
        assert self._req is not None and self._output is not None
        self._next_id += 1
        rid = self._next_id
        out_start = os.fstat(self._output.fileno()).st_size
        full = {"ini_path": str(Path(self.target.ini_path).resolve())}
        full["ini_section"] = self.target.ini_section
        full.update(params or {})
        line = json.dumps({"id": rid, "op": op, "params": full, "env": dict(env or {})})
        try:
            self._req.write(line + "\n")
            self._req.flush()
        except BrokenPipeError:
            self._raise_died(op)
        try:
            return self._serve(rid, op, deadline, out_start, progress)
        except KeyboardInterrupt:
            raise self._interrupted(op) from None

    def _serve(
        self,
        rid: int,
        op: str,
        deadline: float | None,
        out_start: int,
        progress: Progress | None,
    ) -> dict[str, Any]:
        while True:
            msg = self._read_event(deadline, op)
            if msg.get("event") == "step" and progress is not None:
                verb = "Applying" if msg.get("direction") == "up" else "Reverting"
                doc = f" ({msg['doc']})" if msg.get("doc") else ""
                progress(f"{verb} {msg.get('revision')}{doc}")
            elif msg.get("event") == "result" and msg.get("id") == rid:
                if msg.get("ok"):
                    return dict(msg.get("data") or {})
                raise describe_failure(
                    op,
                    dict(msg.get("error") or {}),
                    self._tail(out_start),
                    self.target.python,
                    self._scrub,
                )

    def heads(self) -> ScriptInfo:
        data = self.run("heads")
        revisions = [
            RevisionInfo(
                revision=r["revision"],
                down_revisions=tuple(r["down_revisions"]),
                path=Path(r["path"]),
                doc=r.get("doc", ""),
                branch_labels=tuple(r.get("branch_labels", ())),
            )
            for r in data["revisions"]
        ]
        return ScriptInfo(heads=list(data["heads"]), revisions=revisions)

    def upgrade(self, revision: str = "head", *, progress: Progress | None = None) -> UpgradeResult:
        data = self.run("upgrade", {"revision": revision}, progress=progress)
        return UpgradeResult(list(data["applied"]), list(data["current"]), float(data["seconds"]))

    def downgrade(self, revision: str, *, progress: Progress | None = None) -> UpgradeResult:
        data = self.run("downgrade", {"revision": revision}, progress=progress)
        return UpgradeResult(list(data["applied"]), list(data["current"]), float(data["seconds"]))

    def current(self) -> list[str]:
        return list(self.run("current")["current"])

    def render_sql(self, start: str | None, end: str, *, downgrade: bool = False) -> str:
        data = self.run("render_sql", {"start": start, "end": end, "downgrade": downgrade})
        return str(data["sql"])

    def render_sql_each(self) -> dict[str, str]:
        return dict(self.run("render_sql_each")["sql"])

    def compare(self) -> list[str]:
        return list(self.run("compare", {"exclude_schemas": [META_SCHEMA]})["diffs"])

    # -- plumbing ----------------------------------------------------------------------
    def _read_event(self, deadline: float | None, op: str) -> dict[str, Any]:
        assert self._res_fd is not None
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                raw = bytes(self._buf[:nl])
                del self._buf[: nl + 1]
                if raw.strip():
                    return dict(json.loads(raw))
                continue
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                self._kill()
                raise DevdbError(
                    f"Alembic {op} did not finish in time; the migration process was stopped",
                    "Look for a migration waiting on a lock (another session holding it).",
                )
            readable, _, _ = select.select([self._res_fd], [], [], wait)
            if not readable:
                continue
            chunk = os.read(self._res_fd, 65536)
            if not chunk:
                self._raise_died(op)
            self._buf += chunk

    def _raise_died(self, op: str) -> None:
        assert self._proc is not None
        rc = self._proc.wait()
        tail = self._tail(0)
        how = f"was killed by signal {-rc}" if rc < 0 else f"exited with code {rc}"
        raise MigrationError(
            self._scrub(f"The migration process {how} during {op}"),
            self._scrub(_last_line(tail) or "Run with --debug to see its output."),
            kind="crash",
            output_tail=self._scrub(tail),
        )

    def _interrupted(self, op: str) -> MigrationError:
        """Ctrl-C: stop now. The child is killed first (it can no longer commit), then its
        server sessions are terminated, which rolls back the running statement at once."""
        self._kill()
        url = _database_url(self.target.env)
        revision: list[str] | None = None
        if url is not None:
            import psycopg

            try:
                from devdb.server.sessions import end_sessions

                with psycopg.connect(url, connect_timeout=2, autocommit=True) as conn:
                    end_sessions(conn, application_name=self._app_name)
                    revision = [
                        row[0] for row in conn.execute("SELECT version_num FROM alembic_version")
                    ]
            except psycopg.Error:
                revision = None
        where = (
            "unknown (the revision could not be read)"
            if revision is None
            else (", ".join(revision) or "base (no revision)")
        )
        error = MigrationError(
            f"interrupted: Alembic {op} was stopped and its running migration rolled back; "
            f"the database is at {where}",
            "run the same command again to finish",
            db_revision=revision,
            kind="interrupted",
        )
        error.exit_code = 130
        return error

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    def _tail(self, start: int) -> str:
        if self._output is None:
            return ""
        fd = self._output.fileno()
        size = os.fstat(fd).st_size
        begin = max(start, size - 16384)
        text = os.pread(fd, size - begin, begin).decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-_TAIL_LINES:])

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


# -- one-shot API (one child per call) ---------------------------------------------------
def script_heads(target: AlembicTarget) -> ScriptInfo:
    """Heads and all revisions (down_revisions, file path) without touching the database."""
    with MigrationSession(target) as session:
        return session.heads()


def upgrade(
    target: AlembicTarget, revision: str = "head", *, progress: Progress | None = None
) -> UpgradeResult:
    with MigrationSession(target) as session:
        return session.upgrade(revision, progress=progress)


def downgrade(
    target: AlembicTarget, revision: str, *, progress: Progress | None = None
) -> UpgradeResult:
    with MigrationSession(target) as session:
        return session.downgrade(revision, progress=progress)


def _deadline(timeout: float | None) -> float | None:
    return None if timeout is None else time.monotonic() + timeout


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip()[:300] if lines else ""


def _reap(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _database_url(env: Mapping[str, str]) -> str | None:
    """The first PostgreSQL URL among the app's variables, as libpq reads it (no +driver)."""
    for value in env.values():
        scheme, sep, rest = str(value).partition("://")
        if sep and scheme.split("+", 1)[0] in ("postgresql", "postgres"):
            return f"postgresql://{rest}"
    return None


def _secrets(env: Mapping[str, str]) -> list[str]:
    """Values that must never appear in a message: passwords, alone or inside URLs."""
    found: set[str] = set()
    for key, value in env.items():
        if not value:
            continue
        if any(word in key.upper() for word in ("PASSWORD", "PASSWD", "SECRET", "TOKEN")):
            found.add(value)
        if "://" in value:
            try:
                password = urlsplit(value).password
            except ValueError:
                password = None
            if password:
                found.add(password)
    return sorted((s for s in found if len(s) >= 4), key=len, reverse=True)

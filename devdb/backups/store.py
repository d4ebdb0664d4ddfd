"""Backups: pg_dump / pg_restore with the server's own binaries, checksums, metadata files.

A backup is two files in the backups folder: `<name>.dump` (pg_dump custom format) and
`<name>.json` (what it holds: revision, per-table row counts and content checksums, sha256
of the dump, how long it took, whether a restore of it was verified).

Consistency: the row counts and checksums are computed in the same snapshot pg_dump reads
(`pg_export_snapshot()` + `pg_dump --snapshot`), while pg_dump runs, so a database being
written during the backup still verifies.

The checksums are devdb.copies.tablestats'; running the server's binaries is devdb.server.tools.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devdb.background import InThread
from devdb.copies.tablestats import CHECKSUM_METHOD, TableStat, scalar, table_stats
from devdb.errors import DevdbError, first_line
from devdb.progress import Progress, silent
from devdb.server.tools import CHUNK, run_from_source, run_to_sink, tool_run

if TYPE_CHECKING:
    from devdb.server.engines.base import Engine, Server

FORMAT = 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


# -- metadata ----------------------------------------------------------------------------
@dataclass
class Verification:
    at: str
    ok: bool
    restore_seconds: float
    mismatches: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class BackupInfo:
    name: str
    kind: str  # manual | automatic
    created_at: str  # ISO 8601, UTC
    database: str
    engine: str
    image: str | None
    server_version: str
    revision: list[str]
    seconds: float
    size: int
    sha256: str
    tables: dict[str, TableStat]
    reason: str | None = None
    checksum_method: str = CHECKSUM_METHOD
    verified: Verification | None = None
    format: int = FORMAT
    directory: Path = field(default=Path("."), repr=False, compare=False)

    @property
    def path(self) -> Path:
        return self.directory / f"{self.name}.dump"

    @property
    def meta_path(self) -> Path:
        return self.directory / f"{self.name}.json"

    @property
    def created(self) -> datetime:
        return datetime.fromisoformat(self.created_at)

    def age_seconds(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - self.created).total_seconds()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("directory")
        data["tables"] = {k: asdict(v) for k, v in self.tables.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], directory: Path) -> BackupInfo:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["tables"] = {k: TableStat(**v) for k, v in data.get("tables", {}).items()}
        if data.get("verified"):
            known["verified"] = Verification(**data["verified"])
        return cls(**known, directory=directory)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def valid_name(name: str) -> bool:
    return bool(_NAME.match(name)) and not name.endswith((".json", ".dump", ".partial"))


def new_name(directory: Path, database: str, suffix: str = "") -> str:
    """`<db>-<local time>[-suffix]`, unique in the folder; sortable by time."""
    base = re.sub(r"[^A-Za-z0-9._-]", "_", database)[:40] or "db"
    stem = f"{base}-{time.strftime('%Y%m%d-%H%M%S')}{'-' + suffix if suffix else ''}"
    name, n = stem, 1
    while (directory / f"{name}.json").exists() or (directory / f"{name}.dump").exists():
        n += 1
        name = f"{stem}-{n}"
    return name


def ensure_dir(directory: Path) -> None:
    """Create the backups folder (0700, git-ignored), or say clearly why it cannot be."""
    try:
        created = not directory.exists()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if created:
            (directory / ".gitignore").write_text("*\n")
        probe = directory / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except (FileExistsError, NotADirectoryError) as exc:
        raise DevdbError(
            f"cannot keep backups in {directory}: it is not a folder",
            "point backups_dir in [tool.devdb] at a folder (default .devdb/backups)",
        ) from exc
    except OSError as exc:
        raise DevdbError(
            f"cannot write backups to {directory}: {exc.strerror or exc}",
            "free disk space or fix the folder's permissions (or set backups_dir)",
        ) from exc


def write_meta(info: BackupInfo) -> None:
    from devdb.project.state import atomic_write

    atomic_write(info.meta_path, json.dumps(info.to_json(), indent=2, sort_keys=True) + "\n")


def _read_meta(meta: Path, directory: Path) -> tuple[BackupInfo | None, str]:
    """One metadata file: the backup it describes, or None and why it cannot be used."""
    try:
        info = BackupInfo.from_json(json.loads(meta.read_text()), directory)
    except OSError as exc:
        return None, exc.strerror or type(exc).__name__
    except (ValueError, TypeError, KeyError) as exc:
        return None, f"not devdb's backup metadata ({type(exc).__name__})"
    if info.name != meta.stem:
        return None, f"it names another backup ({info.name})"
    return info, ""


def read_backups(directory: Path) -> list[BackupInfo]:
    """Every readable backup in the folder, newest first (a .json without its .dump is kept:
    it shows as missing rather than vanishing)."""
    if not directory.is_dir():
        return []
    found = [info for meta in directory.glob("*.json") if (info := _read_meta(meta, directory)[0])]
    found.sort(key=lambda i: (i.created_at, i.name), reverse=True)
    return found


def unreadable_backups(directory: Path) -> list[tuple[Path, str]]:
    """Metadata files `read_backups` passes over, with why: their dumps stay on disk, so
    they are shown rather than vanishing from the list."""
    if not directory.is_dir():
        return []
    read = ((meta, _read_meta(meta, directory)) for meta in sorted(directory.glob("*.json")))
    return [(meta, why) for meta, (info, why) in read if info is None]


def to_prune(backups: Iterable[BackupInfo], keep: int) -> list[BackupInfo]:
    """Automatic backups beyond the newest `keep`; manual ones never."""
    automatic = sorted(
        (b for b in backups if b.kind == "automatic"),
        key=lambda b: (b.created_at, b.name),
        reverse=True,
    )
    return automatic[max(keep, 1) :]


def remove_backup(info: BackupInfo) -> None:
    info.path.unlink(missing_ok=True)
    info.meta_path.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def expected_restore_seconds(
    info: BackupInfo, others: Iterable[BackupInfo]
) -> tuple[float | None, str]:
    """(seconds, how we know): measured for this backup, else scaled from the newest
    verified one of the same engine, else unknown."""
    if info.verified and info.verified.ok:
        return info.verified.restore_seconds, "measured"
    for other in others:
        if other.verified and other.verified.ok and other.size > 0 and other.engine == info.engine:
            rate = other.verified.restore_seconds / other.size
            return max(0.05, rate * info.size), f"estimated from {other.name}"
    return None, "not measured yet"


class _Meter:
    """Counts bytes and reports them now and then through `progress`."""

    def __init__(self, progress: Progress, label: str, total: int | None = None) -> None:
        self.progress, self.label, self.total = progress, label, total
        self.done = 0
        self._next = time.monotonic() + 0.3

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now >= self._next:
            self._next = now + 0.3
            of = f" of {human_size(self.total)}" if self.total else ""
            self.progress(f"{self.label}: {human_size(self.done)}{of}")


def human_size(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    value = float(n)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            break
    return f"{value:.1f} {unit}"


# -- dump and restore --------------------------------------------------------------------
def end_sessions(server: Server, database: str, application_name: str) -> None:
    """End the server sessions of a tool devdb started (found by the application name it
    was given): stopping the client is not enough when it runs inside a container."""
    import psycopg

    from devdb.server import sessions

    with (
        contextlib.suppress(psycopg.Error),
        psycopg.connect(server.conninfo(database), connect_timeout=5, autocommit=True) as admin,
    ):
        sessions.end_sessions(admin, application_name=application_name)


@dataclass
class DumpOutcome:
    size: int
    sha256: str
    seconds: float
    tables: dict[str, TableStat]
    revision: list[str]
    server_version: str


def dump_database(
    engine: Engine,
    server: Server,
    database: str,
    dest: Path,
    progress: Progress = silent,
) -> DumpOutcome:
    """pg_dump -Fc `database` into `dest` (atomically: a temp name, then a rename), with
    row counts and checksums taken from the same snapshot, concurrently."""
    import psycopg

    from devdb.migrations.scripts import db_revisions

    started = time.monotonic()
    partial = dest.with_name(f".{dest.name}.partial")
    digest = hashlib.sha256()
    meter = _Meter(progress, f"dumping {database}")
    try:
        conn = psycopg.connect(server.conninfo(database), connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise DevdbError(
            f"cannot connect to database {database} to back it up: {first_line(exc)}",
            "is the server running? (`devdb status`)",
        ) from exc
    worker: InThread[dict[str, TableStat]] | None = None
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = scalar(conn, "SELECT pg_export_snapshot()")
        version = scalar(conn, "SHOW server_version")
        revision = db_revisions(conn)
        run = tool_run(engine, server, "pg_dump", ["-Fc", f"--snapshot={snapshot}", "-d", database])
        run.env["PGAPPNAME"] = session_name = f"devdb-dump-{os.getpid()}-{time.monotonic_ns()}"
        worker = InThread(table_stats, conn)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:

            def sink(chunk: bytes) -> None:
                handle.write(chunk)
                digest.update(chunk)
                meter.add(len(chunk))

            try:
                code, errors = run_to_sink(engine, run, sink)
            except KeyboardInterrupt:
                end_sessions(server, database, session_name)  # else one in a container runs on
                raise
            handle.flush()
            os.fsync(handle.fileno())
        worker.join()
        if code != 0:
            raise DevdbError(
                f"pg_dump failed (exit {code}): {errors or 'no message'}",
                "see `devdb logs` for the server's side",
            )
        try:
            tables = worker.result()
        except DevdbError:
            raise
        except BaseException as error:
            raise DevdbError(
                f"reading row counts and checksums failed: {first_line(error)}"
            ) from error
        os.replace(partial, dest)
    except OSError as exc:
        raise DevdbError(
            f"writing the backup to {dest.parent} failed: {exc.strerror or exc}",
            "free disk space or fix the folder's permissions",
        ) from exc
    finally:
        partial.unlink(missing_ok=True)
        if worker is not None and worker.is_alive():  # pg_dump failed or Ctrl-C
            with contextlib.suppress(Exception):
                conn.cancel_safe()
            worker.join(timeout=10)
        conn.close()
    return DumpOutcome(
        size=dest.stat().st_size,
        sha256=digest.hexdigest(),
        seconds=time.monotonic() - started,
        tables=tables,
        revision=revision,
        server_version=str(version),
    )


@dataclass
class RestoreOutcome:
    seconds: float
    sha256: str
    code: int
    errors: str


def restore_archive(
    engine: Engine, server: Server, archive: Path, database: str, progress: Progress = silent
) -> RestoreOutcome:
    """Create `database` (from template0) and pg_restore `archive` into it, hashing the file
    on the way. The caller checks `code` and `sha256`, and drops `database` on failure."""
    from devdb.copies.snapshots import ident

    started = time.monotonic()
    with _admin(server) as conn:
        conn.execute(f"CREATE DATABASE {ident(database)} TEMPLATE template0")
    digest = hashlib.sha256()
    meter = _Meter(progress, f"restoring into {database}", archive.stat().st_size)

    def chunks() -> Iterator[bytes]:
        with archive.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                meter.add(len(chunk))
                yield chunk

    run = tool_run(engine, server, "pg_restore", ["--exit-on-error", "-d", database])
    code, errors = run_from_source(engine, run, chunks())
    return RestoreOutcome(time.monotonic() - started, digest.hexdigest(), code, errors)


class _admin:
    """An autocommit connection to the server's admin database."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def __enter__(self) -> Any:
        import psycopg

        self.conn = psycopg.connect(self.server.conninfo(), autocommit=True)
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()

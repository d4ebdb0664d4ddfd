"""`devdb backup` and `devdb restore --verify` against plain pg_dump -Fc / pg_restore, one run.

    .venv/bin/python -m bench backup                          # what `make bench` runs
    .venv/bin/python -m bench.bench_backup --engines embedded --rows 20000 --samples 2

The demo backend (backend/py) is brought up with `devdb up --no-app`, then grown with SQL
`generate_series` to --rows extra documents with random 384-dim embeddings (the HNSW index is
dropped for the load and rebuilt after it, as the demo schema has it; `--no-hnsw` leaves it
out). Then, per sample, in alternating order:

  backup   `devdb backup --json` (the real CLI, wall clock: start-up, pg_dump in the server's
           snapshot, checksums of every table, sha256, metadata) versus the same server's
           pg_dump -Fc run by hand (embedded: the wheel's pg_dump writing a file; docker:
           `pg_dump -Fc` inside the container streamed to a host file through the Docker
           API, which is what `docker exec c pg_dump -Fc app > file` does);
  restore  `devdb restore NAME --verify --json` (create a scratch database, pg_restore, row
           counts + checksums compared with the metadata, drop) versus CREATE DATABASE +
           pg_restore by hand (embedded: `pg_restore -d scratch file`; docker: pg_restore in
           the container reading the file on stdin) + DROP DATABASE.

Results: a table on stdout and bench/results/backup.json. The project, its container or
cluster and the temp folder are removed at the end, also on failure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cli import run_devdb  # noqa: E402
from bench.engines import IMAGE, available  # noqa: E402
from bench.synth import copy_demo  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "backup.json"
GOAL = 1.10  # devdb / by hand


def log(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


def devdb(root: Path, *args: str, timeout: float = 3600) -> tuple[float, str]:
    """Run the real CLI; (wall seconds, stdout)."""
    seconds, result = run_devdb(root, *args, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"devdb {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return seconds, result.stdout


@contextlib.contextmanager
def demo_project(engine: str) -> Iterator[Path]:
    tmp = Path(tempfile.mkdtemp(prefix="devdb-bench-backup-"))
    root = tmp / f"bench-backup-{uuid.uuid4().hex[:8]}"
    copy_demo(root, engine, IMAGE if engine == "docker" else None)
    try:
        yield root
    finally:
        with contextlib.suppress(Exception):
            devdb(root, "destroy", "--yes", "--no-backup", timeout=300)
        shutil.rmtree(tmp, ignore_errors=True)


class Target:
    """The project's server, as someone doing it by hand sees it."""

    def __init__(self, root: Path, engine: str) -> None:
        _, env_json = devdb(root, "env", "--format", "json")
        url = urlsplit(json.loads(env_json)["DB_URL"])
        self.engine = engine
        self.user = unquote(url.username or "")
        self.password = unquote(url.password or "")
        self.port = int(url.port or 5432)
        self.database = url.path.lstrip("/")
        _, status = devdb(root, "status", "--json")
        self.container = json.loads(status)["engine_details"].get("container")

    def conninfo(self, database: str | None = None) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host="127.0.0.1",
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=database or self.database,
        )

    def sql(self, query: str, database: str | None = None) -> Any:
        import psycopg

        with psycopg.connect(self.conninfo(database), autocommit=True) as conn:
            cur = conn.execute(query)
            return cur.fetchone()[0] if cur.description else None  # type: ignore[index]

    # -- by hand --------------------------------------------------------------------------
    def plain_dump(self, dest: Path) -> float:
        started = time.perf_counter()
        if self.engine == "embedded":
            from devdb.server.engines.embedded import pg_bin

            subprocess.run(
                [str(pg_bin("pg_dump")), "-Fc", "-d", self.database, "-f", str(dest)],
                env={**os.environ, **self._libpq()},
                check=True,
            )
        else:
            api = _docker_api()
            exec_id = api.exec_create(
                self.container,
                ["pg_dump", "-U", self.user, "-Fc", "-d", self.database],
                environment={"PGPASSWORD": self.password},
            )["Id"]
            with dest.open("wb") as handle:
                for out, _ in api.exec_start(exec_id, stream=True, demux=True):
                    if out:
                        handle.write(out)
            assert api.exec_inspect(exec_id)["ExitCode"] == 0
        return time.perf_counter() - started

    def plain_restore(self, dump: Path) -> float:
        scratch = f"bench_restore_{uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        self.sql(f'CREATE DATABASE "{scratch}" TEMPLATE template0', "postgres")
        if self.engine == "embedded":
            from devdb.server.engines.embedded import pg_bin

            subprocess.run(
                [str(pg_bin("pg_restore")), "--exit-on-error", "-d", scratch, str(dump)],
                env={**os.environ, **self._libpq()},
                check=True,
            )
        else:
            self._docker_restore(dump, scratch)
        self.sql(f'DROP DATABASE "{scratch}" WITH (FORCE)', "postgres")
        return time.perf_counter() - started

    def _docker_restore(self, dump: Path, scratch: str) -> None:
        api = _docker_api()
        exec_id = api.exec_create(
            self.container,
            ["pg_restore", "-U", self.user, "--exit-on-error", "-d", scratch],
            environment={"PGPASSWORD": self.password},
            stdin=True,
        )["Id"]
        attached = api.exec_start(exec_id, socket=True)
        raw = getattr(attached, "_sock", attached)
        raw.settimeout(None)  # the index builds at the end print nothing for minutes
        drain = threading.Thread(target=lambda: attached.read(), daemon=True)
        drain.start()
        with dump.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                raw.sendall(chunk)
        raw.shutdown(socket.SHUT_WR)
        drain.join()
        while api.exec_inspect(exec_id).get("Running"):
            time.sleep(0.01)
        assert api.exec_inspect(exec_id)["ExitCode"] == 0

    def _libpq(self) -> dict[str, str]:
        return {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
        }


def _docker_api() -> Any:
    import docker

    return docker.from_env().api


def grow(target: Target, rows: int, hnsw: bool) -> None:
    """Add `rows` documents with random 384-dim embeddings (HNSW rebuilt after the load)."""
    target.sql("DROP INDEX IF EXISTS ix_documents_embedding_hnsw")
    owner = target.sql("SELECT min(id) FROM users")
    done = 0
    while done < rows:
        batch = min(20_000, rows - done)
        target.sql(
            f"""INSERT INTO documents (owner_id, title, body, embedding)
                SELECT {owner}, 'generated document ' || g,
                       'generated body text for document ' || g || repeat(' lorem ipsum', 12),
                       (SELECT array_agg(random()::real) FROM generate_series(1, 384)
                        WHERE g > 0)::vector
                FROM generate_series({done + 1}, {done + batch}) g"""
        )
        done += batch
        log(f"{done} of {rows} documents")
    if hnsw:
        log("rebuilding the HNSW index (as the demo schema has it)")
        import psycopg

        with psycopg.connect(target.conninfo(), autocommit=True) as conn:
            # serial build in local memory: parallel workers would need that much /dev/shm,
            # and the container has 256 MB of it
            conn.execute("SET maintenance_work_mem = '512MB'")
            conn.execute("SET max_parallel_maintenance_workers = 0")
            conn.execute(
                "CREATE INDEX ix_documents_embedding_hnsw ON documents "
                "USING hnsw (embedding vector_cosine_ops)"
            )
    target.sql("VACUUM ANALYZE documents")


def bench_engine(engine: str, rows: int, samples: int, hnsw: bool) -> dict[str, Any]:
    with demo_project(engine) as root:
        log(f"{engine}: devdb up --no-app")
        devdb(root, "up", "--no-app")
        target = Target(root, engine)
        grow(target, rows, hnsw)
        documents = target.sql("SELECT count(*) FROM documents")
        size = target.sql(f"SELECT pg_database_size('{target.database}')")
        log(f"{engine}: {documents} documents, database {size / 1e6:.0f} MB")
        scratch = Path(tempfile.mkdtemp(prefix="devdb-bench-dumps-"))
        timings: dict[str, list[float]] = {
            k: [] for k in ("devdb_backup", "plain_dump", "devdb_verify", "plain_restore")
        }
        inner: dict[str, list[float]] = {"restore_seconds": [], "backup_seconds": []}
        sizes: dict[str, int] = {}
        try:
            for sample in range(samples):
                name = f"bench-{sample}"
                plain = scratch / f"plain-{sample}.dump"

                def devdb_backup(name: str = name) -> None:
                    seconds, out = devdb(root, "backup", "--name", name, "--json")
                    timings["devdb_backup"].append(seconds)
                    meta = json.loads(out)
                    inner["backup_seconds"].append(meta["seconds"])
                    sizes["devdb"] = meta["size"]
                    log(f"{engine}: devdb backup {seconds:.1f}s ({meta['size'] / 1e6:.0f} MB)")

                def plain_dump(plain: Path = plain) -> None:
                    seconds = target.plain_dump(plain)
                    timings["plain_dump"].append(seconds)
                    sizes["plain"] = plain.stat().st_size
                    log(f"{engine}: pg_dump -Fc by hand {seconds:.1f}s")

                def devdb_verify(name: str = name) -> None:
                    seconds, out = devdb(root, "restore", name, "--verify", "--json")
                    result = json.loads(out)
                    assert result["ok"], result
                    timings["devdb_verify"].append(seconds)
                    inner["restore_seconds"].append(result["restore_seconds"])
                    log(f"{engine}: devdb restore --verify {seconds:.1f}s")

                def plain_restore(plain: Path = plain) -> None:
                    seconds = target.plain_restore(plain)
                    timings["plain_restore"].append(seconds)
                    log(f"{engine}: createdb + pg_restore + dropdb by hand {seconds:.1f}s")

                first = sample % 2 == 0
                for step in (
                    (plain_dump, devdb_backup) if first else (devdb_backup, plain_dump)
                ) + ((devdb_verify, plain_restore) if first else (plain_restore, devdb_verify)):
                    step()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        med = {k: statistics.median(v) for k, v in timings.items()}
        return {
            "engine": engine,
            "documents": documents,
            "database_bytes": size,
            "dump_bytes": sizes,
            "hnsw": hnsw,
            "samples": timings,
            "inner": inner,
            "median": med,
            "backup_ratio": med["devdb_backup"] / med["plain_dump"],
            "restore_ratio": med["devdb_verify"] / med["plain_restore"],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="docker,embedded")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=1)
    parser.add_argument("--no-hnsw", action="store_true", help="leave the HNSW index out")
    args = parser.parse_args()
    results = []
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        if available(engine, log):
            results.append(bench_engine(engine, args.rows, args.samples, not args.no_hnsw))
    print()
    print(
        f"{'engine':<9} {'docs':>7} {'db MB':>6} {'dump MB':>7} | {'devdb backup':>12} "
        f"{'pg_dump':>8} {'ratio':>6} | {'devdb verify':>12} {'pg_restore':>10} {'ratio':>6}"
    )
    for r in results:
        m = r["median"]
        print(
            f"{r['engine']:<9} {r['documents']:>7} {r['database_bytes'] / 1e6:>6.0f} "
            f"{r['dump_bytes'].get('devdb', 0) / 1e6:>7.0f} | {m['devdb_backup']:>11.1f}s "
            f"{m['plain_dump']:>7.1f}s {r['backup_ratio']:>6.3f} | {m['devdb_verify']:>11.1f}s "
            f"{m['plain_restore']:>9.1f}s {r['restore_ratio']:>6.3f}"
        )
    worst = max([r["backup_ratio"] for r in results] + [r["restore_ratio"] for r in results] or [0])
    print(f"goal: devdb within {GOAL:.2f}x of the plain tools; worst ratio {worst:.3f}")
    path = RESULTS.with_name("backup-no-hnsw.json") if args.no_hnsw else RESULTS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"goal": GOAL, "results": results}, indent=2) + "\n")
    print(f"results: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

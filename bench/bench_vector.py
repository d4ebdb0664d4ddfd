"""Time `devdb vector fill` and `devdb vector doctor` at the issue's size (goals: fill of
100k x 384 under 15 s, doctor of 100k x 384 with one HNSW and one IVFFlat index under 30 s;
fill of a narrow vector(8) table at 200k rows/s or more).

    .venv/bin/python bench/bench_vector.py [--rows 100000] [--dim 384] [--narrow-rows 500000]

One throwaway embedded server; fill and doctor run through the real CLI (subprocesses, what
a user waits for). Index builds are setup, not timed against a goal (printed all the same).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devdb.project.config import Config
from devdb.project.state import new_password
from devdb.server.engines.base import EngineSpec
from devdb.server.engines.embedded import EmbeddedEngine


def cli(cwd: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "devdb", *args], cwd=cwd, capture_output=True, text=True
    )
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--narrow-rows", type=int, default=500_000)
    options = parser.parse_args(argv)
    import psycopg

    with tempfile.TemporaryDirectory(prefix="devdb-bench-vector-") as folder:
        root = Path(folder)
        (root / "pyproject.toml").write_text('[project]\nname = "bench-vector"\n')
        engine = EmbeddedEngine(
            Config(project_root=root / "server", project_name="bench"),
            EngineSpec("postgres", new_password()),
        )
        server = engine.start()
        try:
            engine.wait_ready(server, timeout=60)
            with psycopg.connect(server.conninfo(), autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench")
            url = server.url("bench")
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION vector")
                conn.execute(
                    "CREATE TABLE narrow (id bigint GENERATED ALWAYS AS IDENTITY,"
                    " embedding vector(8))"
                )
                conn.execute(
                    "CREATE TABLE docs (id bigserial PRIMARY KEY, owner_id int NOT NULL,"
                    f" embedding vector({options.dim}))"
                )
            fills = {}
            for spec, rows in (
                ("narrow.embedding", options.narrow_rows),
                ("docs.embedding", options.rows),
            ):
                wall, result = cli(
                    root, "vector", "fill", spec, "--rows", str(rows), "--url", url,
                    "--in-place", "--yes", "--format", "json",
                )  # fmt: skip
                if result.returncode != 0:
                    print(result.stderr)
                    return 1
                fills[spec] = (wall, json.loads(result.stdout))
            builds = {}
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("SET maintenance_work_mem = '1GB'")
                for name, using in (
                    ("docs_hnsw", "hnsw (embedding vector_cosine_ops)"),
                    (
                        "docs_ivfflat",
                        f"ivfflat (embedding vector_l2_ops) WITH (lists = {max(1, options.rows // 1000)})",
                    ),
                ):
                    started = time.perf_counter()
                    conn.execute(f"CREATE INDEX {name} ON docs USING {using}")
                    builds[name] = time.perf_counter() - started
            doctor_wall, result = cli(root, "vector", "doctor", "--url", url, "--format", "json")
            report = json.loads(result.stdout)
        finally:
            engine.destroy()
    for spec, (wall, filled) in fills.items():
        print(
            f"fill {spec}: {filled['rows']:,} x {filled['dim']} in {filled['seconds']:.2f}s"
            f" ({filled['rows_per_second']:,.0f} rows/s; CLI wall {wall:.2f}s)"
        )
    for name, seconds in builds.items():
        print(f"build {name}: {seconds:.1f}s (setup)")
    print(
        f"doctor: {doctor_wall:.2f}s wall ({report['seconds']:.2f}s inside), exit {result.returncode}"
    )
    for index in report["indexes"]:
        m = index["measurement"]
        print(
            f"  {index['name']}: recall@{m['k']} {m['recall']:.2f} at {m['setting']}={m['current']},"
            f" p50 {m['ann_p50_ms']:.1f} ms vs exact {m['exact_p50_ms']:.1f} ms, verdict {index['verdict']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

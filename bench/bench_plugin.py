"""The pytest plugin's per-test databases against replaying migrations per test, in one run.

    .venv/bin/python -m bench.bench_plugin                         # both engines, both schemas
    .venv/bin/python -m bench.bench_plugin --engines embedded --schemas demo --samples 20

For each engine (embedded; docker with the offline image) and schema (the demo backend; a
200-revision chain from bench.synth with tables, indexes, vector columns and seed rows):
  clone+drop  CREATE DATABASE … TEMPLATE then DROP DATABASE … WITH (FORCE), one after the other
              on one connection, with the plugin's statement: in the scratch tablespace on
              tmpfs (TABLESPACE devdb_scratch STRATEGY FILE_COPY) when the engine has one, else
              on disk: one clone's latency, nothing overlapped (median of --samples)
  on disk     the same in the default tablespace, as with per_test_databases = "disk"
              (median of --disk-samples)
  fixture     what a test waits for in `devdb_database` (setup + teardown durations from a real
              pytest run of --samples tests that do nothing: the worst case, no test time to
              hide clones behind; the pool's makers still overlap one another): the clone +
              drop each test pays
  slow        the same for 20 tests that each run 0.3 s: the clone pool makes the next clone
              while a test runs, so a test should hardly wait
  replay      the plain per-test fixture: CREATE DATABASE, migrations to head (Alembic in a
              child process, as devdb runs them), fixtures, DROP (median of --replays)
  suite       a 100-test sample suite using `devdb_conn` (insert, commit, count), wall clock of
              `pytest -n 2` on a warm server; also without xdist, and 100 empty tests with -n 2
              (pytest + xdist start-up, the floor)
Results: a table on stdout and bench/results/plugin.json. Everything it creates (projects,
containers, clusters) is destroyed at the end, also on failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.synth import copy_demo, generate_chain  # noqa: E402

IMAGE = "devdb-offline/pgvector:pg18"
RESULTS = ROOT / "bench" / "results" / "plugin.json"
GOAL_MS = 50.0  # per-test clone + drop (the budget)
ROUNDS = 3

# What the sample suite's tests do, per schema: write a row, commit, read.
WORK = {
    "demo": (
        "INSERT INTO users (email, display_name) VALUES (%s, 'x')",
        "SELECT count(*) FROM users",
        6,
    ),
    "synth200": (
        "INSERT INTO accounts (id, email, name) VALUES (100000, %s, 'x')",
        "SELECT count(*) FROM accounts",
        200,
    ),
}

DURATIONS_CONFTEST = """
import json, os

_rows = []


def pytest_runtest_logreport(report):
    if report.when in ("setup", "teardown"):
        _rows.append([report.nodeid, report.when, report.duration])


def pytest_sessionfinish(session):
    path = os.environ.get("BENCH_DURATIONS")
    if path and not hasattr(session.config, "workerinput"):
        with open(path, "w") as handle:
            json.dump(_rows, handle)
"""


def log(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def secs(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f} s"


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


# --- projects -----------------------------------------------------------------------------------


def make_project(tmp: Path, engine: str, schema: str) -> Path:
    if schema == "demo":
        root = tmp / f"plugin-demo-{engine}-{uuid.uuid4().hex[:6]}"
        return copy_demo(root, engine, IMAGE if engine == "docker" else None)
    root = tmp / f"plugin-synth-{engine}-{uuid.uuid4().hex[:6]}"
    return generate_chain(
        root, 200, engine=engine, image=IMAGE if engine == "docker" else None, name=root.name
    )


def destroy(root: Path) -> None:
    from devdb.commands.lifecycle import destroy as destroy_project
    from devdb.project.config import load_config

    try:
        destroy_project(load_config(root))
    except Exception as exc:
        log(f"destroy failed for {root}: {exc}")


# --- measurements -------------------------------------------------------------------------------


def clone_and_drop(server: Any, template: str, samples: int, tablespace: str | None) -> list[float]:
    """The plugin's CREATE DATABASE (in `tablespace`, None: the default) and DROP."""
    import psycopg

    from devdb.copies.clonepool import clone_statement
    from devdb.copies.snapshots import ident

    times = []
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        for i in range(samples):
            name = f"bench_clone_{uuid.uuid4().hex[:8]}_{i}"
            started = time.perf_counter()
            conn.execute(clone_statement(name, template, tablespace))
            conn.execute(f"DROP DATABASE {ident(name)} WITH (FORCE)")
            times.append(time.perf_counter() - started)
    return times


def settle(server: Any, template: str, tablespace: str | None) -> None:
    """Start from a quiet server: the cold start's writes flushed, one clone made and dropped."""
    import psycopg

    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    clone_and_drop(server, template, 2, tablespace)


def replay(test_server: Any, replays: int) -> list[float]:
    """A database per test the plain way: create, migrate to head, seed, drop."""
    from devdb.copies.databases import create_database, ensure_extensions
    from devdb.copies.snapshots import drop
    from devdb.copies.templates import migrate_and_seed

    project, server = test_server.project, test_server.server
    times = []
    for i in range(replays):
        name = f"bench_replay_{uuid.uuid4().hex[:8]}_{i}"
        started = time.perf_counter()
        try:
            create_database(server, name)
            ensure_extensions(server, name, project.config.extensions, project.engine_name)
            migrate_and_seed(project, server, name, lambda _message: None)
        finally:
            drop(server, name)
        times.append(time.perf_counter() - started)
    return times


def pytest_run(root: Path, test_file: str, *args: str) -> tuple[float, list[list[Any]]]:
    """Wall seconds of an inner pytest run, and its per-test setup/teardown durations."""
    durations = root / f".durations-{uuid.uuid4().hex[:6]}.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["BENCH_DURATIONS"] = str(durations)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"pytest {test_file} {' '.join(args)} failed:\n{result.stdout[-3000:]}")
    rows = json.loads(durations.read_text()) if durations.exists() else []
    durations.unlink(missing_ok=True)
    return seconds, rows


def fixture_overhead(rows: list[list[Any]]) -> list[float]:
    """setup + teardown per test, in run order, without the first test (its setup starts the
    session: up, template) and the last (its teardown closes the session)."""
    per_test: dict[str, float] = {}
    for nodeid, _, duration in rows:
        per_test[nodeid] = per_test.get(nodeid, 0.0) + float(duration)
    return list(per_test.values())[1:-1]


def write_tests(root: Path, schema: str, samples: int) -> None:
    insert, count, seeded = WORK[schema]
    (root / "conftest.py").write_text(DURATIONS_CONFTEST)
    (root / "test_overhead.py").write_text(
        f"import pytest\n\n\n@pytest.mark.parametrize('n', range({samples}))\n"
        "def test_nothing(devdb_database, n):\n    pass\n"
    )
    (root / "test_suite.py").write_text(
        f"""import pytest


@pytest.mark.parametrize("n", range(100))
def test_sample(devdb_conn, n):
    devdb_conn.execute({insert!r}, (f"sample{{n}}@example.com",))
    devdb_conn.commit()
    assert devdb_conn.execute({count!r}).fetchone()[0] == {seeded} + 1
"""
    )
    (root / "test_slow.py").write_text(
        "import time\n\nimport pytest\n\n\n@pytest.mark.parametrize('n', range(20))\n"
        "def test_busy(devdb_database, n):\n    time.sleep(0.3)  # the test's own work\n"
    )
    (root / "test_floor.py").write_text(
        "import pytest\n\n\n@pytest.mark.parametrize('n', range(100))\n"
        "def test_empty(n):\n    pass\n"
    )


def measure(root: Path, engine: str, schema: str, args: argparse.Namespace) -> dict[str, Any]:
    from devdb.commands.testing import ensure_current_template, prepare_server, scratch_tablespace
    from devdb.project.config import load_config

    row: dict[str, Any] = {"engine": engine, "schema": schema}
    started = time.perf_counter()
    test_server = prepare_server(load_config(root))
    template = ensure_current_template(test_server)
    row["cold_setup_s"] = time.perf_counter() - started
    room = scratch_tablespace(test_server, template, on_fallback=log)  # as the plugin does
    scratch = room.tablespace if room else None
    row["clones_in"] = "memory" if scratch else "disk"
    row["scratch_setup_ms"] = test_server.timings["scratch"] * 1000
    log(f"{engine}/{schema}: server up and template built in {row['cold_setup_s']:.1f} s")
    with __import__("psycopg").connect(test_server.server.conninfo(), autocommit=True) as conn:
        row["template_size"] = conn.execute(
            "SELECT pg_size_pretty(pg_database_size(%s))", (template,)
        ).fetchone()[0]

    settle(test_server.server, template, scratch)
    write_tests(root, schema, max(1, args.samples // ROUNDS))
    clones: list[float] = []
    on_disk: list[float] = []
    overhead: list[float] = []
    for _ in range(ROUNDS):  # interleaved: the machine's load drifts, all see the same
        clones += clone_and_drop(
            test_server.server, template, max(1, args.samples // ROUNDS), scratch
        )
        on_disk += clone_and_drop(
            test_server.server, template, max(1, args.disk_samples // ROUNDS), None
        )
        overhead += fixture_overhead(pytest_run(root, "test_overhead.py", "-p", "no:xdist")[1])
    row["clone_drop_ms"] = {
        "median": statistics.median(clones) * 1000,
        "p90": p90(clones) * 1000,
        "min": min(clones) * 1000,
    }
    row["clone_drop_on_disk_ms"] = {"median": statistics.median(on_disk) * 1000}
    log(
        f"{engine}/{schema}: clone+drop median {ms(statistics.median(clones))} "
        f"({row['clones_in']}), on disk {ms(statistics.median(on_disk))}"
    )
    row["fixture_ms"] = {
        "median": statistics.median(overhead) * 1000,
        "p90": p90(overhead) * 1000,
    }
    log(f"{engine}/{schema}: fixture setup+teardown median {ms(statistics.median(overhead))}")
    _, rows = pytest_run(root, "test_slow.py", "-p", "no:xdist")
    slow = fixture_overhead(rows)[2:]  # the pool learns how long tests take from the first few
    row["fixture_slow_tests_ms"] = {"median": statistics.median(slow) * 1000}
    log(f"{engine}/{schema}: with 0.3 s tests, setup+teardown median {ms(statistics.median(slow))}")

    replays = replay(test_server, args.replays)
    row["replay_s"] = {"median": statistics.median(replays), "all": replays}
    row["replay_over_clone"] = statistics.median(replays) / statistics.median(clones)
    row["replay_over_fixture"] = statistics.median(replays) / statistics.median(overhead)
    log(f"{engine}/{schema}: replay median {secs(statistics.median(replays))}")

    suite = [pytest_run(root, "test_suite.py", "-n", "2")[0] for _ in range(args.suite_runs)]
    serial = [
        pytest_run(root, "test_suite.py", "-p", "no:xdist")[0] for _ in range(args.suite_runs)
    ]
    floor = [pytest_run(root, "test_floor.py", "-n", "2")[0] for _ in range(args.suite_runs)]
    row["suite_s"] = {
        "n2": statistics.median(suite),
        "serial": statistics.median(serial),
        "floor_n2": statistics.median(floor),
        "replay_estimate_n2": 100 * statistics.median(replays) / 2,
    }
    log(
        f"{engine}/{schema}: 100-test suite -n 2 {secs(row['suite_s']['n2'])}, "
        f"serial {secs(row['suite_s']['serial'])}, empty -n 2 {secs(row['suite_s']['floor_n2'])}"
    )
    return row


def report(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'engine':9} {'schema':9} {'template':>9} {'in':>6} {'clone+drop':>11} {'p90':>8} "
        f"{'on disk':>8} {'fixture':>8} {'slow':>6} {'replay':>8} {'ratio':>6} {'/test':>6} "
        f"{'suite -n2':>10} "
        f"{'serial':>8} {'floor':>7}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        suite = row["suite_s"]
        print(
            f"{row['engine']:9} {row['schema']:9} {row['template_size']:>9} {row['clones_in']:>6} "
            f"{ms(row['clone_drop_ms']['median'] / 1000):>11} {ms(row['clone_drop_ms']['p90'] / 1000):>8} "
            f"{ms(row['clone_drop_on_disk_ms']['median'] / 1000):>8} "
            f"{ms(row['fixture_ms']['median'] / 1000):>8} "
            f"{ms(row['fixture_slow_tests_ms']['median'] / 1000):>6} {secs(row['replay_s']['median']):>8} "
            f"{row['replay_over_clone']:>5.0f}x {row['replay_over_fixture']:>5.0f}x "
            f"{secs(suite['n2']):>10} {secs(suite['serial']):>8} "
            f"{secs(suite['floor_n2']):>7}"
        )
    print(
        "\nin: where the plugin puts per-test databases (memory: a tablespace on tmpfs); "
        "clone+drop: CREATE … TEMPLATE + DROP per test there (server cost); on disk: the same "
        'with per_test_databases = "disk"; fixture: what a test '
        "waits for in devdb_database (setup+teardown, tests doing nothing), i.e. the clone + "
        "drop each test pays with the pool's makers overlapping; slow: the same "
        "with tests that run 0.3 s; replay: "
        "create + migrate + seed + drop per test; ratio = replay / clone+drop; /test = replay "
        "/ fixture; suite: 100 "
        "tests with devdb_conn, wall clock; floor: 100 empty tests with -n 2."
    )
    for row in rows:
        verdict = "ok" if row["clone_drop_ms"]["median"] < GOAL_MS else "over"
        fixture = "ok" if row["fixture_ms"]["median"] < GOAL_MS else "over"
        print(
            f"goal <{GOAL_MS:.0f} ms per test, {row['engine']}/{row['schema']}: per test "
            f"(fixture) {fixture}, one clone+drop alone {verdict}; a replay-per-test suite "
            "would take about "
            f"{row['suite_s']['replay_estimate_n2']:.0f} s with -n 2"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="embedded,docker")
    parser.add_argument("--schemas", default="demo,synth200")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--disk-samples", type=int, default=9)
    parser.add_argument("--replays", type=int, default=3)
    parser.add_argument("--suite-runs", type=int, default=1)
    args = parser.parse_args()

    engines = [e for e in args.engines.split(",") if e]
    if "docker" in engines:
        from devdb.server.engines import docker_available

        if not docker_available():
            log("no Docker daemon: docker rows skipped")
            engines.remove("docker")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="devdb-bench-plugin-") as tmp:
        for engine in engines:
            for schema in [s for s in args.schemas.split(",") if s]:
                root = make_project(Path(tmp), engine, schema)
                try:
                    rows.append(measure(root, engine, schema, args))
                finally:
                    destroy(root)
    report(rows)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()}
    RESULTS.write_text(json.dumps({"machine": machine, "rows": rows}, indent=2) + "\n")
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

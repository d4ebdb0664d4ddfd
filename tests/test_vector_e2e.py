"""`devdb vector fill` and `devdb vector doctor` end to end on real PostgreSQL + pgvector.

One database on the session's embedded server holds every case, filled by `vector fill`
through the CLI; doctor runs once over it (module fixture) and each test reads its JSON.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devdb.server.engines.base import Server

from e2e_util import destroy, devdb, make_demo_project, server_of, write_tree

pytestmark = pytest.mark.xdist_group("vector")

APP_CODE = '''
SEARCH = """
SELECT id FROM items WHERE owner_id = %(owner)s
ORDER BY embedding <=> %(q)s::vector LIMIT 10
"""
'''
REPORT_KEYS = {
    "database",
    "extension",
    "dimensions",
    "columns",
    "indexes",
    "code",
    "findings",
    "seconds",
    "ok",
    "errors",
    "warnings",
}
FINDING_KEYS = {"code", "severity", "subject", "message", "fix", "verdict"}
INDEX_KEYS = {
    "name",
    "table",
    "column",
    "method",
    "opclass",
    "operator",
    "params",
    "size_bytes",
    "table_bytes",
    "verdict",
    "fix",
    "measurement",
}
MEASUREMENT_KEYS = {
    "index",
    "setting",
    "current",
    "k",
    "queries",
    "recall",
    "ann_p50_ms",
    "ann_p95_ms",
    "exact_p50_ms",
    "exact_p95_ms",
    "planner_uses_index",
    "measured_index",
    "target_recall",
    "sweep",
    "meets_target_at",
    "filtered",
}


def _database(server: Server) -> Iterator[str]:
    name = f"vec_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(server.conninfo(name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION vector")
        yield name
    finally:
        with psycopg.connect(server.conninfo(), autocommit=True) as conn:
            for db in (name, f"{name}_vector_scratch"):
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's code: cosine distance on items.embedding; its env example says 16 dims."""
    root = tmp_path_factory.mktemp("vector-app")
    return write_tree(
        root,
        {
            "pyproject.toml": '[project]\nname = "vector-app"\n',
            "app.py": APP_CODE,
            "env.example": "DB_URL=postgresql://app:change-me@localhost/app\nEMBEDDING_DIM=16\n",
        },
    )


def _fill(project: Path, url: str, spec: str, rows: int, *extra: str) -> dict[str, Any]:
    result = devdb(
        project, "vector", "fill", spec, "--rows", str(rows), "--url", url, "--format", "json",
        *extra, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


@pytest.fixture(scope="module", params=["embedded", "docker"])
def case_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A pgvector server on each engine: the session's embedded one, or the server a demo
    project's `up` starts on Docker."""
    if request.param == "embedded":
        yield request.getfixturevalue("pg_server")
        return
    image = request.getfixturevalue("offline_image")
    root = make_demo_project(tmp_path_factory.mktemp("vector-docker"), engine="docker", image=image)
    try:
        devdb(root, "up", "--no-app", check=True)
        yield server_of(root)
    finally:
        destroy(root)


@pytest.fixture(scope="module")
def cases(case_server: Server, project: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """The database of every case, and doctor's JSON report over it."""
    for name in _database(case_server):
        url = case_server.url(name)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE items (id bigserial PRIMARY KEY, owner_id int NOT NULL,"
                " embedding vector(8))"
            )
            conn.execute("CREATE TABLE healthy (id bigserial PRIMARY KEY, embedding vector(8))")
            conn.execute("CREATE TABLE early (id bigserial PRIMARY KEY, embedding vector(64))")
            conn.execute(  # built on the empty table: its centroids describe nothing
                "CREATE INDEX early_ivfflat ON early USING ivfflat (embedding vector_cosine_ops)"
                " WITH (lists = 10)"
            )
            # Spread rows (seeded), not clustered ones: a random centroid can swallow a tight
            # cluster whole, and then probes = 1 finds all its neighbours by luck.
            conn.execute("SELECT setseed(0.5)")
            conn.execute(
                "INSERT INTO early (embedding) SELECT (SELECT array_agg(random() * 2 - 1)"
                " FROM generate_series(1, 64 + 0 * g))::vector(64) FROM generate_series(1, 10000) g"
            )
            conn.execute("ANALYZE early")
            conn.execute("CREATE TABLE crowded (id bigserial PRIMARY KEY, embedding vector(8))")
            conn.execute("CREATE TABLE pending (id bigserial PRIMARY KEY, embedding vector(8))")
            conn.execute("CREATE TABLE quantized (id bigserial PRIMARY KEY, embedding vector(8))")
            conn.execute(  # sparse: about a fifth of 32 positions set, seeded
                "SELECT setseed(0.3); CREATE TABLE sparse AS SELECT g AS id, ('[' || ("
                " SELECT string_agg(CASE WHEN random() < 0.2 THEN round(random()::numeric, 4)"
                " ELSE 0 END::text, ',') FROM generate_series(1, 32 + 0 * g)) || ']')"
                "::vector(32)::sparsevec(32) AS embedding FROM generate_series(1, 2000) g"
            )
            conn.execute(
                "CREATE INDEX pending_ivfflat ON pending USING ivfflat (embedding vector_cosine_ops)"
            )
        for spec, rows in (
            ("items.embedding", 4000),
            ("healthy.embedding", 2000),
            ("crowded.embedding", 3000),
            ("quantized.embedding", 2000),
        ):
            _fill(project, url, spec, rows, "--in-place", "--yes", "--seed", "3")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "CREATE INDEX items_cosine ON items USING hnsw (embedding vector_cosine_ops)"
            )
            conn.execute("CREATE INDEX items_l2 ON items USING hnsw (embedding vector_l2_ops)")
            conn.execute(
                "CREATE INDEX healthy_cosine ON healthy USING hnsw (embedding vector_cosine_ops)"
            )
            conn.execute(
                "CREATE INDEX healthy_recent ON healthy USING hnsw (embedding vector_cosine_ops)"
                " WHERE id > 1000"
            )
            conn.execute(
                "CREATE INDEX crowded_ivfflat ON crowded USING ivfflat (embedding vector_cosine_ops)"
                " WITH (lists = 500)"
            )
            conn.execute(  # half the memory: the quantisation pgvector's README suggests
                "CREATE INDEX quantized_half ON quantized"
                " USING hnsw ((embedding::halfvec(8)) halfvec_cosine_ops)"
            )
            conn.execute(  # the first dimensions only (Matryoshka-style embeddings)
                "CREATE INDEX quantized_prefix ON quantized"
                " USING hnsw ((subvector(embedding, 1, 4)::vector(4)) vector_cosine_ops)"
            )
            conn.execute("CREATE INDEX sparse_l2 ON sparse USING hnsw (embedding sparsevec_l2_ops)")
        result = devdb(project, "vector", "doctor", "--url", url, "--format", "json")
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        yield name, json.loads(result.stdout)


def _findings(
    report: dict[str, Any], code: str, subject: str | None = None
) -> list[dict[str, Any]]:
    return [
        f
        for f in report["findings"]
        if f["code"] == code and (subject is None or f["subject"] == subject)
    ]


def _index(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(i for i in report["indexes"] if i["name"] == name)


def test_json_shape_is_stable(cases: tuple[str, dict[str, Any]]) -> None:
    _, report = cases
    assert set(report) == REPORT_KEYS
    assert report["ok"] is False and report["errors"] >= 1
    assert report["extension"]["installed"] and report["extension"]["available"]
    for finding in report["findings"]:
        assert set(finding) == FINDING_KEYS
        assert finding["severity"] in ("error", "warning", "info")
    for index in report["indexes"]:
        assert set(index) == INDEX_KEYS
        assert index["verdict"] in ("keep", "retune", "rebuild", "drop")
        measured = index["measurement"]
        assert measured is None or set(measured) == MEASUREMENT_KEYS
    assert _index(report, "pending_ivfflat")["measurement"] is None
    assert report["code"]["usages"][0]["operator"] == "<=>"
    assert report["code"]["usages"][0]["column"] == "embedding"


def test_wrong_operator_class_for_the_codes_operator_is_an_error(
    cases: tuple[str, dict[str, Any]],
) -> None:
    _, report = cases
    (finding,) = _findings(report, "opclass-mismatch", "items_l2")
    assert finding["severity"] == "error"
    assert "<=>" in finding["message"] and "app.py:" in finding["message"]
    assert finding["fix"] == "DROP INDEX CONCURRENTLY items_l2;"  # items_cosine serves <=>
    assert _index(report, "items_l2")["verdict"] == "drop"
    assert not _findings(report, "opclass-mismatch", "items_cosine")


def test_dimension_mismatch_between_config_and_column(cases: tuple[str, dict[str, Any]]) -> None:
    _, report = cases
    (finding,) = _findings(report, "dimension-mismatch", "items.embedding")
    assert finding["severity"] == "error"
    assert "vector(8)" in finding["message"] and "EMBEDDING_DIM=16" in finding["message"]
    assert report["dimensions"]["configured"] == {"16": "env.example (EMBEDDING_DIM=16)"}
    items = next(c for c in report["columns"] if c["table"] == "items")
    assert items["dim"] == 8 and items["stored_dims"] == {"8": 1000}


def test_recall_is_measured_against_exact_scans(cases: tuple[str, dict[str, Any]]) -> None:
    _, report = cases
    for index in report["indexes"]:
        measured = index["measurement"]
        if index["name"] == "pending_ivfflat":  # built on an empty table, still empty
            assert measured is None
            continue
        assert 0.0 <= measured["recall"] <= 1.0
        assert measured["queries"] == 20 and measured["k"] == 10
        assert measured["ann_p50_ms"] > 0 and measured["exact_p50_ms"] > 0
    healthy = _index(report, "healthy_cosine")
    assert healthy["measurement"]["recall"] >= 0.95
    assert healthy["verdict"] == "keep"
    assert _findings(report, "recall-ok", "healthy_cosine")


def test_raising_ef_search_does_not_lower_recall(
    case_server: Server, cases: tuple[str, dict[str, Any]]
) -> None:
    from devdb.vector.catalog import read_catalog
    from devdb.vector.measure import measure_index

    name, _ = cases
    with psycopg.connect(case_server.conninfo(name)) as conn:
        catalog = read_catalog(conn, "items")
        index = next(i for i in catalog.indexes if i.name == "items_cosine")
        (column,) = catalog.columns
        recalls = []
        for ef_search in (1, 5, 10, 40, 200):
            measured = measure_index(conn, index, column, ef_search, target_recall=1.0)
            assert measured is not None
            recalls.append(measured.recall)
    assert recalls == sorted(recalls), recalls
    assert recalls[0] < recalls[-1]


def test_ivfflat_built_on_an_empty_table_is_reported_stale(
    cases: tuple[str, dict[str, Any]],
) -> None:
    _, report = cases
    (finding,) = _findings(report, "centroids-stale", "early_ivfflat")
    measured = _index(report, "early_ivfflat")["measurement"]
    assert measured["recall"] < 0.95
    assert f"recall@10 {measured['recall']:.2f}" in finding["message"]
    assert finding["fix"] == "REINDEX INDEX CONCURRENTLY early_ivfflat;"
    assert _index(report, "early_ivfflat")["verdict"] == "rebuild"


def test_lists_far_too_high(cases: tuple[str, dict[str, Any]]) -> None:
    _, report = cases
    (finding,) = _findings(report, "lists-too-high", "crowded_ivfflat")
    assert "lists = 500 for 3,000 rows (rule of thumb 3)" in finding["message"]
    assert "WITH (lists = 3)" in finding["fix"]
    assert _index(report, "crowded_ivfflat")["verdict"] == "rebuild"


def test_filtered_query_recall_collapses_without_iterative_scan(
    cases: tuple[str, dict[str, Any]],
) -> None:
    _, report = cases
    filtered = _index(report, "items_cosine")["measurement"]["filtered"]
    assert filtered["filter"].startswith("owner_id = ")
    assert 0.02 < filtered["selectivity"] < 0.1  # --groups 20 by default
    assert filtered["recall"] < 0.6 and filtered["rows_returned"] < 10
    assert filtered["iterative_recall"] >= 0.95 and filtered["iterative_rows_returned"] == 10
    (finding,) = _findings(report, "filtered-recall-low", "items_cosine")
    assert finding["fix"].startswith("SET hnsw.iterative_scan = relaxed_order;")
    assert _index(report, "items_cosine")["verdict"] == "retune"


def test_text_report_names_each_figure_and_fix(
    case_server: Server, project: Path, cases: tuple[str, dict[str, Any]]
) -> None:
    name, _ = cases
    result = devdb(project, "vector", "doctor", "--url", case_server.url(name), "--table", "items")
    assert result.returncode == 1
    assert "error   opclass-mismatch items_l2:" in result.stdout
    assert "fix: DROP INDEX CONCURRENTLY items_l2;" in result.stdout
    assert "early_ivfflat" not in result.stdout  # --table items only
    assert case_server.password not in result.stdout + result.stderr


def _vectors_digest(server: Server, database: str) -> str:
    with psycopg.connect(server.conninfo(database)) as conn:
        cursor = conn.execute("SELECT md5(string_agg(embedding::text, ';' ORDER BY id)) FROM t")
        row = cursor.fetchone()
        assert row is not None
        return str(row[0])


def test_fill_is_deterministic_and_uses_a_scratch_copy(pg_server: Server, project: Path) -> None:
    for name in _database(pg_server):
        url = pg_server.url(name)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id bigserial PRIMARY KEY, embedding vector(8))")
        scratch = f"{name}_vector_scratch"
        digests = []
        for seed in ("7", "7", "8"):
            result = _fill(project, url, "t.embedding", 500, "--seed", seed)
            assert result["database"] == scratch and result["rows"] == 500
            digests.append(_vectors_digest(pg_server, scratch))
        assert digests[0] == digests[1] != digests[2]
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)  # source untouched
        with psycopg.connect(pg_server.conninfo(scratch)) as conn:
            norms = conn.execute(
                "SELECT min(vector_norm(embedding)), max(vector_norm(embedding)) FROM t"
            ).fetchone()
        assert norms is not None and 0.999 < norms[0] <= norms[1] < 1.001


def test_fill_errors_are_one_line(pg_server: Server, project: Path) -> None:
    for name in _database(pg_server):
        url = pg_server.url(name)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id bigserial PRIMARY KEY, stamp date NOT NULL, e vector)")
        for spec, wanted in (
            ("t.nope", "error: t has no column 'nope'"),
            ("nope.e", "error: no table 'nope'"),
            ("t.e", "error: t.e has no declared dimension"),
            ("t", "error: 't' is not TABLE.COLUMN"),
        ):
            result = devdb(
                project, "vector", "fill", spec, "--rows", "5", "--url", url, "--in-place", "--yes"
            )
            assert result.returncode == 1, spec
            assert result.stderr.startswith(wanted), result.stderr
            assert "Traceback" not in result.stderr
        result = devdb(
            project,
            "vector",
            "fill",
            "t.e",
            "--rows",
            "5",
            "--dim",
            "4",
            "--url",
            url,
            "--in-place",
        )
        assert result.returncode == 1 and "without confirmation" in result.stderr


def test_doctor_without_the_extension(pg_server: Server, project: Path, scratch_db: str) -> None:
    result = devdb(project, "vector", "doctor", "--url", scratch_db, "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    (finding,) = report["findings"]
    assert finding["code"] == "extension-missing" and finding["fix"] == "CREATE EXTENSION vector;"


def test_dev_database_of_the_demo(tmp_path: Path, engine_settings: dict[str, str]) -> None:
    """The demo backend on each engine: fill a scratch copy of its dev database, then doctor it:
    its code's <=> matches its HNSW cosine index and its 384 dims match the models."""
    root = make_demo_project(tmp_path, **engine_settings)
    try:
        devdb(root, "up", "--no-app", check=True)
        filled = json.loads(
            devdb(
                root, "vector", "fill", "documents.embedding", "--rows", "1000", "--format", "json",
                check=True,
            ).stdout
        )  # fmt: skip
        assert filled["generated_columns"] == ["owner_id", "title"]
        result = devdb(
            root, "vector", "doctor", "--database", filled["database"], "--format", "json"
        )
        report = json.loads(result.stdout)
        assert result.returncode == 0, report["findings"]
        assert report["dimensions"]["configured"] and "384" in report["dimensions"]["configured"]
        index = _index(report, "ix_documents_embedding_hnsw")
        assert index["measurement"]["recall"] >= 0.9
        assert not _findings(report, "opclass-mismatch")
        assert {u["path"] for u in report["code"]["usages"]} == {"backend/py/main.py"}
    finally:
        destroy(root)


def test_a_partial_index_is_measured_on_the_rows_of_its_where(
    cases: tuple[str, dict[str, Any]],
) -> None:
    _, report = cases
    assert not _findings(report, "not-measured", "healthy_recent")
    measured = _index(report, "healthy_recent")["measurement"]
    assert measured is not None and measured["queries"] > 0
    assert 0.0 <= measured["recall"] <= 1.0
    assert _index(report, "healthy_recent")["verdict"] == "keep"


@pytest.mark.parametrize("name", ["quantized_half", "quantized_prefix"])
def test_an_expression_index_is_measured_through_its_expression(
    cases: tuple[str, dict[str, Any]], name: str
) -> None:
    _, report = cases
    assert not _findings(report, "not-measured", name)
    index = _index(report, name)
    assert index["column"].startswith(("(", "subvector"))
    measured = index["measurement"]
    assert measured is not None and measured["measured_index"] == name
    assert measured["recall"] >= 0.8, measured  # an HNSW graph of 2,000 rows: near exact


def test_a_query_the_expression_index_cannot_serve_names_the_expression(
    cases: tuple[str, dict[str, Any]],
) -> None:
    _, report = cases
    (finding,) = _findings(report, "query-without-index", "quantized.embedding")
    assert "quantized_half serves ORDER BY (embedding::halfvec(8)) <=>" in finding["message"]


def test_a_sparsevec_index_is_measured(cases: tuple[str, dict[str, Any]]) -> None:
    _, report = cases
    assert not _findings(report, "not-measured", "sparse_l2")
    measured = _index(report, "sparse_l2")["measurement"]
    assert measured is not None and measured["measured_index"] == "sparse_l2"
    assert measured["recall"] >= 0.8, measured


def test_an_empty_ivfflat_is_reported_stale(cases: tuple[str, dict[str, Any]]) -> None:
    _, report = cases
    (empty,) = _findings(report, "centroids-stale", "pending_ivfflat")
    assert empty["severity"] == "warning" and "empty column" in empty["message"]
    assert _index(report, "pending_ivfflat")["verdict"] == "rebuild"


def test_doctor_needs_no_write(
    case_server: Server, project: Path, cases: tuple[str, dict[str, Any]]
) -> None:
    """On a database where every transaction is read only (as on a standby) doctor reports
    the same findings: it never writes."""
    name, report = cases
    with psycopg.connect(case_server.conninfo(), autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    try:
        result = devdb(project, "vector", "doctor", "--url", case_server.url(name), "-f", "json")
    finally:
        with psycopg.connect(case_server.conninfo(), autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')

    def found(report: dict[str, Any]) -> set[tuple[str, str]]:
        timed = "index-slower-than-scan"  # the one finding decided by a clock
        return {(f["code"], f["subject"]) for f in report["findings"] if f["code"] != timed}

    assert found(json.loads(result.stdout)) == found(report)

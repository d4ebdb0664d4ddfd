"""The synthetic generator's pieces: encoders round-trip through COPY BINARY, row-count
parsing (--rows, --stats), CHECK domains, and a fill of a schema with keys and checks."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devdb.errors import DevdbError
from devdb.rehearse import encoders as enc
from devdb.rehearse import synth
from devdb.vector.embeddings import EmbeddingGenerator


def vectors(dim: int, seed: int) -> Iterator[list[float]]:
    for _, vector in EmbeddingGenerator(dim, 8, seed).rows(10**12):
        yield vector


@pytest.fixture(scope="module")
def conn(pg_server: Any) -> Iterator[psycopg.Connection[Any]]:
    name = f"t_unit_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(pg_server.conninfo(name), autocommit=True) as connection:
            connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
            yield connection
    finally:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def round_trip(conn: psycopg.Connection[Any], type_sql: str, type_name: str, value: Any) -> Any:
    """COPY one encoded value into a temp table and read it back."""
    data = enc.ENCODERS[type_name](value) if type_name in enc.ENCODERS else value
    conn.execute("DROP TABLE IF EXISTS rt")
    conn.execute(f"CREATE TEMP TABLE rt (v {type_sql})")
    with conn.cursor() as cur, cur.copy("COPY rt (v) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(
            synth._SIGNATURE + b"\x00\x01" + len(data).to_bytes(4, "big") + data + synth._TRAILER
        )
    return conn.execute("SELECT v FROM rt", prepare=False).fetchone()[0]  # type: ignore[index]


CASES = [
    ("int2", "int2", lambda n, s: enc.integer_values(s, -30000, 30000)(n)),
    ("int4", "int4", lambda n, s: enc.integer_values(s)(n)),
    ("bigint", "int8", lambda n, s: enc.sequential_integers(s)(n)),
    ("text", "text", lambda n, s: enc.text_values("title", s, None, unique=True)(n)),
    ("varchar(7)", "varchar", lambda n, s: enc.text_values("x y z", s, 7)(n)),
    ("boolean", "bool", lambda n, s: enc.bool_values(s)(n)),
    ("uuid", "uuid", lambda n, s: enc.uuid_values(s)(n)),
    ("timestamptz", "timestamptz", lambda n, s: enc.timestamp_values(s)(n)),
    ("timestamp", "timestamp", lambda n, s: enc.timestamp_values(s, aware=False)(n)),
    ("date", "date", lambda n, s: enc.date_values(s)(n)),
    ("jsonb", "jsonb", lambda n, s: enc.json_values(s)(n)),
    ("json", "json", lambda n, s: enc.json_values(s)(n)),
    ("float8", "float8", lambda n, s: enc.float_values(s)(n)),
    ("bytea", "bytea", lambda n, s: enc.bytea_values(s)(n)),
    ("numeric(12,2)", "numeric", lambda n, s: enc.numeric_values(s)(n)),
]


@pytest.mark.parametrize(("type_sql", "type_name", "make"), CASES, ids=[c[0] for c in CASES])
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(n=st.integers(0, 10**9), seed=st.integers(0, 2**31))
def test_generated_values_round_trip_through_copy(
    conn: psycopg.Connection[Any], type_sql: str, type_name: str, make: Any, n: int, seed: int
) -> None:
    value = make(n, seed)
    assert make(n, seed) == value  # deterministic
    back = round_trip(conn, type_sql, type_name, value)
    if type_name == "timestamp":
        value = value.replace(tzinfo=None)
    if type_name == "json":
        back = json.loads(back) if isinstance(back, str) else back
    if type_name == "bytea":
        back = bytes(back)
    assert back == value


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.decimals(min_value=-1, max_value=1, places=6, allow_nan=False)
    | st.decimals(min_value=-(10**15), max_value=10**15, places=2, allow_nan=False)
)
def test_numeric_encoding_round_trips(conn: psycopg.Connection[Any], value: Decimal) -> None:
    assert round_trip(conn, "numeric", "numeric", value) == value


def test_vector_encoding_round_trips(conn: psycopg.Connection[Any]) -> None:
    vector = next(vectors(3, 5))
    data = enc.vector_encoder(3)(vector)
    back = round_trip(conn, "vector(3)", "vector", data)
    assert [round(float(x), 5) for x in back.strip("[]").split(",")] == [
        round(x, 5) for x in vector
    ]
    assert abs(sum(x * x for x in vector) - 1) < 1e-6


@given(
    st.dictionaries(
        st.from_regex(r"[a-z_]{1,10}", fullmatch=True), st.integers(0, 10**9), min_size=1
    )
)
def test_rows_spec_parses(counts: dict[str, int]) -> None:
    spec = ",".join(f"{name}={count:_}" for name, count in counts.items())
    assert synth.parse_rows(spec) == counts


def test_rows_spec_suffixes_and_errors() -> None:
    assert synth.parse_rows("documents=2m, users=50k,a=1.5k") == {
        "documents": 2_000_000,
        "users": 50_000,
        "a": 1500,
    }
    for bad in ("documents", "=5", "documents=lots", "documents=-1"):
        with pytest.raises(DevdbError):
            synth.parse_rows(bad)


def test_stats_file_forms(tmp_path: Path) -> None:
    path = tmp_path / "stats.json"
    path.write_text('{"public.documents": 2000000.0, "public.users": 50000, "public.new": -1}')
    assert synth.read_stats(path) == {"public.documents": 2_000_000, "public.users": 50_000}
    path.write_text('[{"table": "documents", "reltuples": 12}]')
    assert synth.read_stats(path) == {"documents": 12}
    for bad in ("nope", '{"a": "many"}', "[1]", "3"):
        path.write_text(bad)
        with pytest.raises(DevdbError):
            synth.read_stats(path)


def test_check_domains_read_in_lists_and_lower_bounds() -> None:
    choices, lows = synth.check_domains(
        [
            ("a", "CHECK ((status = ANY (ARRAY['open'::text, 'done'::text, 'it''s'::text])))"),
            ("b", 'CHECK (("position" >= 0))'),
            ("c", "CHECK ((rank > 3))"),
        ]
    )
    assert choices == {"status": ["open", "done", "it's"]}
    assert lows == {"rank": 4}


SCHEMA = """
CREATE TYPE mood AS ENUM ('calm', 'busy');
CREATE TABLE owners (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE, code uuid NOT NULL UNIQUE, mood mood NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE items (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  owner_id bigint NOT NULL REFERENCES owners(id), title varchar(12) NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'done')), position int NOT NULL CHECK (position >= 0),
  meta jsonb, price numeric(8,2), due date, embedding vector(8));
CREATE TABLE shares (item_id bigint NOT NULL REFERENCES items(id), owner_id bigint NOT NULL REFERENCES owners(id),
  role text NOT NULL CHECK (role IN ('viewer', 'editor')), UNIQUE (item_id, owner_id));
CREATE TABLE narrow (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n int NOT NULL, label text NOT NULL);
"""


def test_fill_respects_keys_checks_and_is_deterministic(pg_server: Any) -> None:
    digests = []
    for _ in range(2):
        name = f"t_fill_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with psycopg.connect(pg_server.conninfo(name), autocommit=True) as c:
                c.execute("CREATE EXTENSION vector")
                c.execute(SCHEMA)
            result = synth.fill_database(
                pg_server.conninfo(name),
                vectors=vectors,
                rows={"items": 3000, "shares": 5000, "narrow": 10},
                scale=200,
            )
            assert {t.table: t.rows for t in result.tables} == {
                "owners": 200,
                "items": 3000,
                "shares": 5000,
                "narrow": 10,
            }
            with psycopg.connect(pg_server.conninfo(name)) as c:
                nulls = c.execute(
                    "SELECT count(*) FILTER (WHERE meta IS NULL), count(*) FILTER (WHERE embedding IS NULL) FROM items"
                ).fetchone()
                assert nulls == (750, 0)
                dims = c.execute("SELECT DISTINCT vector_dims(embedding) FROM items").fetchall()
                assert dims == [(8,)]
                digests.append(
                    c.execute(
                        "SELECT md5(string_agg(i::text, ',' ORDER BY i.id)) FROM items i"
                    ).fetchone()
                )
        finally:
            with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert digests[0] == digests[1]


def test_narrow_table_rate(pg_server: Any, scratch_db: str) -> None:
    with psycopg.connect(scratch_db, autocommit=True) as c:
        c.execute(
            "CREATE TABLE narrow (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n int NOT NULL, label text NOT NULL)"
        )
    started = time.perf_counter()
    result = synth.fill_database(scratch_db, vectors=vectors, rows={"narrow": 200_000})
    seconds = time.perf_counter() - started
    print(
        f"narrow table: {result.tables[0].rows_per_second:,.0f} rows/s ({seconds:.2f} s end to end)"
    )
    assert result.tables[0].rows == 200_000

"""Seed data: fixtures/*.sql, *.csv and *.py, applied in name order in ONE transaction.

- ``NN_name.sql``: executed as written (plain SQL; no psql meta-commands, no COMMIT).
- ``NN_table.csv``: header row names the columns; COPY into a temp table, then
  ``INSERT … ON CONFLICT DO NOTHING`` into ``table`` (``schema.table`` works too), so rows
  already present are skipped. The ``NN_`` prefix only orders the files.
- ``NN_name.py``: loaded by path; its ``seed(conn)`` gets the psycopg connection.

Afterwards serial/identity sequences are moved past the largest id, so the app's own inserts
do not collide with seeded ids. The fixtures' hash is recorded in devdb's meta table and an
unchanged set is skipped without running any DML.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import re
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devdb.errors import DevdbError
from devdb.progress import Progress
from devdb.server import bookkeeping as dbmeta

SUFFIXES = (".sql", ".csv", ".py")
META_KEY = "fixtures_hash"
_ORDER_PREFIX = re.compile(r"^\d+[_-]")
_TX_WORDS = re.compile(
    r"\b(begin|commit|rollback|end|abort|start\s+transaction|savepoint|release|prepare\s+transaction)\b",
    re.IGNORECASE,
)
_COPY_LINE = re.compile(r"\bline (\d+)")

# Integer serial/identity sequences owned by table columns (user schemas only).
_OWNED_SEQUENCES = """
    SELECT s.oid::regclass AS seq, tn.nspname, t.relname, a.attname
    FROM pg_depend d
    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    JOIN pg_class t ON t.oid = d.refobjid AND t.relkind IN ('r', 'p')
    JOIN pg_namespace tn ON tn.oid = t.relnamespace
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i')
      AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
      AND tn.nspname NOT IN ('pg_catalog', 'information_schema')
      AND tn.nspname !~ '^pg_(toast_)?temp_'
"""
# Move each such sequence past max(column), never backwards: one round trip for all.
_BUMP_ALL_SEQUENCES = f"""
DO $devdb$
DECLARE r record; m bigint;
BEGIN
  FOR r IN {_OWNED_SEQUENCES}
  LOOP
    EXECUTE format('SELECT max(%I)::bigint FROM %I.%I', r.attname, r.nspname, r.relname)
      INTO m;
    IF m IS NOT NULL AND m > COALESCE(pg_sequence_last_value(r.seq), 0) THEN
      PERFORM setval(r.seq, m);
    END IF;
  END LOOP;
END
$devdb$
"""


@dataclass(frozen=True)
class FixtureResult:
    files: list[str]  # applied, in order; [] when skipped
    skipped: bool  # the same fixtures were applied before: nothing ran
    fixtures_hash: str
    rows: dict[str, int] = field(default_factory=dict)  # csv file -> rows inserted
    seconds: float = 0.0


def fixture_files(fixtures_dir: Path) -> list[Path]:
    """The fixture files directly in the folder, in name order ([] if it does not exist)."""
    folder = Path(fixtures_dir)
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES),
        key=lambda p: p.name,
    )


def fixtures_hash(fixtures_dir: Path) -> str:
    """sha256 over the fixture files' names and contents (stable across checkouts)."""
    digest = hashlib.sha256()
    for path in fixture_files(fixtures_dir):
        name = path.name.encode()
        data = path.read_bytes()
        digest.update(len(name).to_bytes(4, "big") + name)
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def table_for_csv(path: Path) -> tuple[str, ...]:
    """'03_public.users.csv' -> ('public', 'users'); '10_items.csv' -> ('items',)."""
    stem = _ORDER_PREFIX.sub("", Path(path).stem)
    return tuple(stem.split(".")) if stem else (Path(path).stem,)


def apply_fixtures(
    conn_or_dsn: Any,
    fixtures_dir: Path,
    *,
    progress: Progress | None = None,
    force: bool = False,
) -> FixtureResult:
    """Apply the fixtures once; skipped when their hash matches the one recorded.

    All files run in one transaction (a savepoint if the caller has one open): a failure
    raises DevdbError naming the file and leaves nothing behind.
    """
    import psycopg

    started = time.perf_counter()
    files = fixture_files(fixtures_dir)
    digest = fixtures_hash(fixtures_dir)
    own = isinstance(conn_or_dsn, str)
    conn = psycopg.connect(conn_or_dsn) if own else conn_or_dsn
    try:
        if not force and dbmeta.get_meta(conn, META_KEY) == digest:
            return FixtureResult([], True, digest, {}, time.perf_counter() - started)
        for path in files:
            if path.suffix.lower() == ".sql":
                _refuse_transaction_control(path)
        rows: dict[str, int] = {}
        with conn.transaction():
            for path in files:
                if progress is not None:
                    progress(f"Loading fixture {path.name}")
                try:
                    suffix = path.suffix.lower()
                    if suffix == ".sql":
                        _run_sql(conn, path)
                    elif suffix == ".csv":
                        rows[path.name] = _load_csv(conn, path)
                    else:
                        _run_py(conn, path)
                except DevdbError:
                    raise
                except Exception as exc:
                    raise _fixture_error(path, exc) from exc
            if files:
                conn.execute(_BUMP_ALL_SEQUENCES)  # .sql/.py fixtures insert ids too
            dbmeta.set_meta(conn, META_KEY, digest)
        return FixtureResult(
            [p.name for p in files], False, digest, rows, time.perf_counter() - started
        )
    finally:
        if own:
            conn.close()


def _run_sql(conn: Any, path: Path) -> None:
    from psycopg import pq

    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        return
    try:
        conn.execute(text)  # no params: sent as-is, several statements allowed
    except Exception as exc:
        pos = getattr(getattr(exc, "diag", None), "statement_position", None)
        line = text[: int(pos) - 1].count("\n") + 1 if pos else None
        raise _fixture_error(path, exc, f"line {line}" if line else None) from exc
    if conn.info.transaction_status != pq.TransactionStatus.INTRANS:
        raise DevdbError(
            f"Fixture {path.name} ended the fixtures' transaction (COMMIT/ROLLBACK inside it)",
            "Remove transaction control from the file; devdb runs all fixtures in one.",
        )


def _refuse_transaction_control(path: Path) -> None:
    """COMMIT in a .sql fixture would commit half the seed; catch it before running."""
    text = path.read_text(encoding="utf-8-sig")
    if not _TX_WORDS.search(text):
        return
    try:
        import pglast
        from pglast import ast as pg_ast
    except ImportError:  # pragma: no cover - pglast is a dependency; the post-check remains
        return
    try:
        statements = pglast.parse_sql(text)
    except pglast.parser.ParseError:
        return  # the server will report the syntax error with its line
    encoded = text.encode()
    for raw in statements:
        if isinstance(raw.stmt, pg_ast.TransactionStmt):
            line = encoded[: raw.stmt_location or 0].count(b"\n") + 1
            kind = str(getattr(raw.stmt.kind, "name", "transaction")).replace("TRANS_STMT_", "")
            raise DevdbError(
                f"Fixture {path.name} line {line}: {kind} is not allowed in a fixture",
                "Remove it; devdb runs all fixtures in one transaction.",
            )


def _load_csv(conn: Any, path: Path) -> int:
    from psycopg import sql

    with path.open(newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh), None)
    if not header or not any(h.strip() for h in header):
        return 0
    columns = sql.SQL(", ").join(sql.Identifier(h.strip()) for h in header)
    table = sql.Identifier(*table_for_csv(path))
    tmp = sql.Identifier("_devdb_fixture_rows")
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(tmp))
    conn.execute(
        sql.SQL("CREATE TEMP TABLE {tmp} AS SELECT {cols} FROM {table} WITH NO DATA").format(
            tmp=tmp, cols=columns, table=table
        )
    )
    copy_sql = sql.SQL("COPY {tmp} ({cols}) FROM STDIN WITH (FORMAT csv, HEADER true)")
    try:
        with conn.cursor() as cur:
            with cur.copy(copy_sql.format(tmp=tmp, cols=columns)) as copy, path.open("rb") as fh:
                while chunk := fh.read(1 << 16):
                    copy.write(chunk)
            cur.execute(
                sql.SQL(
                    "INSERT INTO {table} ({cols}) OVERRIDING SYSTEM VALUE "
                    "SELECT {cols} FROM {tmp} ON CONFLICT DO NOTHING"
                ).format(table=table, cols=columns, tmp=tmp)
            )
            inserted = max(cur.rowcount, 0)
    except Exception as exc:
        context = getattr(getattr(exc, "diag", None), "context", None) or ""
        match = _COPY_LINE.search(context)
        raise _fixture_error(path, exc, f"line {match.group(1)}" if match else None) from exc
    conn.execute(sql.SQL("DROP TABLE {}").format(tmp))
    _bump_sequences(conn, table.as_string(conn))
    return inserted


def _bump_sequences(conn: Any, table: str) -> None:
    """After a CSV load: later fixtures and the app insert without ids; keep them clear."""
    from psycopg import sql

    rows = conn.execute(
        _OWNED_SEQUENCES + " AND t.oid = %s::regclass", (table,), prepare=False
    ).fetchall()
    for seq, nspname, relname, attname in rows:
        conn.execute(
            sql.SQL(
                "SELECT setval(%s::regclass, m) FROM (SELECT max({col})::bigint AS m FROM {tbl}) x"
                " WHERE m IS NOT NULL AND m > COALESCE(pg_sequence_last_value(%s::regclass), 0)"
            ).format(col=sql.Identifier(attname), tbl=sql.Identifier(nspname, relname)),
            (str(seq), str(seq)),
        )


def _run_py(conn: Any, path: Path) -> None:
    name = "devdb_fixture_" + re.sub(r"\W", "_", path.stem)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise DevdbError(f"Fixture {path.name} cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seed = getattr(module, "seed", None)
    if not callable(seed):
        raise DevdbError(
            f"Fixture {path.name} has no seed(conn) function",
            "Define `def seed(conn):` — it receives a psycopg connection inside the transaction.",
        )
    seed(conn)


def _fixture_error(path: Path, exc: BaseException, where: str | None = None) -> DevdbError:
    if where is None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
        if frames:
            where = f"line {frames[-1].lineno}"
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if primary:
        text = primary
        detail = getattr(diag, "message_detail", None)
        if detail:
            text += f" ({detail.splitlines()[0]})"
    else:
        first = (str(exc).strip().splitlines() or [""])[0]
        text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    at = f" {where}" if where else ""
    return DevdbError(
        f"Fixture {path.name}{at} failed: {text}",
        "Fix the file and run again; nothing was committed (fixtures run in one transaction).",
    )

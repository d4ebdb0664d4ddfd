"""Per-table row counts and content checksums: what a backup holds, and whether a restored
database holds the same.

Checksum method `sum-md5/1`: every row is hashed (md5 over each column's binary send form,
or its text form for floats, arrays, composites, enums, ranges, reg* and types without a send
function), and the 128-bit row hashes are summed as two 64-bit halves. A sum needs no ORDER BY
and no primary key, counts duplicate rows, and the binary form keeps 384-dim vectors cheap
(their text output costs ~10x more). Sequences are left out: their state is not
transactional, so no snapshot holds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devdb.server.tools import scalar as scalar

if TYPE_CHECKING:
    from devdb.server.engines.base import Server

CHECKSUM_METHOD = "sum-md5/1"
LARGE_OBJECTS = "(large objects)"


@dataclass(frozen=True)
class TableStat:
    rows: int
    checksum: str


def compare_stats(expected: dict[str, TableStat], actual: dict[str, TableStat]) -> list[str]:
    """Differences in plain words, one per table."""
    problems: list[str] = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want is None:
            problems.append(f"{table}: not in the backup's metadata")
        elif got is None:
            problems.append(f"{table}: missing after restore")
        elif want.rows != got.rows:
            problems.append(f"{table}: {got.rows} rows, expected {want.rows}")
        elif want.checksum != got.checksum:
            problems.append(f"{table}: same row count, different content (checksum)")
    return problems


_TABLES_SQL = """
SELECT c.oid, n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%'
  AND NOT (n.nspname = ANY(%s))
ORDER BY 2, 3
"""

# Per column: hash its binary send form where that is stable across a dump and restore.
# Text instead for: non-base types (composite, enum, range, domain over those), arrays and
# records (their binary form embeds type OIDs, which differ in a restored database), reg*
# (OIDs again), floats (NaN payloads), and types without a send function.
_COLUMNS_SQL = """
SELECT a.attrelid, a.attname,
       CASE WHEN bt.typtype = 'b' AND bt.typsend <> 0
                 AND bt.typsend::regproc::text NOT IN ('array_send', 'float4send', 'float8send')
                 AND NOT (bt.typnamespace = 'pg_catalog'::regnamespace AND bt.typname LIKE 'reg%%')
            THEN bt.typsend::regproc::text END
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""


def _row_hash_sql(columns: list[tuple[str, str | None]]) -> Any:
    from psycopg import sql

    parts = []
    for name, send in columns:
        col = sql.SQL("t.") + sql.Identifier(name)
        value = sql.SQL("{}({})").format(sql.SQL(send), col) if send else col + sql.SQL("::text")
        parts.append(sql.SQL("coalesce(md5({}), 'N')").format(value))
    if not parts:
        return sql.SQL("md5('')")
    return sql.SQL("md5({})").format(sql.SQL(" || ").join(parts))


_SUMS = (
    "count(*), coalesce(sum(('x' || left(h, 16))::bit(64)::bigint), 0), "
    "coalesce(sum(('x' || right(h, 16))::bit(64)::bigint), 0)"
)


def _stat(row: tuple[Any, ...]) -> TableStat:
    count, s1, s2 = row
    return TableStat(int(count), f"{int(s1) % 2**64:016x}{int(s2) % 2**64:016x}")


def table_stats(conn: Any, exclude_schemas: Iterable[str] = ()) -> dict[str, TableStat]:
    """Row count and content checksum of every ordinary table (plus large objects if any),
    read in the connection's current transaction."""
    from psycopg import sql

    tables = conn.execute(_TABLES_SQL, (list(exclude_schemas),)).fetchall()
    columns: dict[int, list[tuple[str, str | None]]] = {oid: [] for oid, _, _ in tables}
    if tables:
        for relid, name, send in conn.execute(_COLUMNS_SQL, ([oid for oid, _, _ in tables],)):
            columns[relid].append((name, send))
    stats: dict[str, TableStat] = {}
    for oid, schema, name in tables:
        query = sql.SQL("SELECT " + _SUMS + " FROM (SELECT {} AS h FROM {} t) s").format(
            _row_hash_sql(columns[oid]), sql.Identifier(schema, name)
        )
        stats[f"{schema}.{name}"] = _stat(conn.execute(query).fetchone())
    large = _large_object_stat(conn)
    if large is not None and large.rows:
        stats[LARGE_OBJECTS] = large
    return stats


def _large_object_stat(conn: Any) -> TableStat | None:
    import psycopg

    query = (
        "SELECT " + _SUMS + " FROM (SELECT md5(oid::text || ':' || md5(lo_get(oid))) AS h "
        "FROM pg_largeobject_metadata) s"
    )
    try:
        with conn.transaction():  # a savepoint: no privilege on some object must not abort
            return _stat(conn.execute(query).fetchone())
    except psycopg.errors.InsufficientPrivilege:
        return None


def stats_of(
    server: Server, database: str, exclude_schemas: Iterable[str] = ()
) -> dict[str, TableStat]:
    import psycopg

    with psycopg.connect(server.conninfo(database)) as conn:
        conn.read_only = True
        return table_stats(conn, exclude_schemas)


def row_counts(server: Server, database: str) -> dict[str, int]:
    """Exact row counts per table (cheap: no checksums)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(server.conninfo(database)) as conn:
        tables = conn.execute(_TABLES_SQL, ([],)).fetchall()
        return {
            f"{schema}.{name}": int(
                scalar(
                    conn, sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, name))
                )
            )
            for _, schema, name in tables
        }

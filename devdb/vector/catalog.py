"""What the database says about pgvector: the extension's versions, vector columns with their
declared (typmod) and stored dimensions, ANN indexes with operator classes and parameters,
and the settings that steer them. Reads only."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

VECTOR_TYPES = ("vector", "halfvec", "sparsevec")
_SAMPLE_ROWS = 1000
_OPCLASS_OPERATORS = {
    "l2_ops": "<->",
    "ip_ops": "<#>",
    "cosine_ops": "<=>",
    "l1_ops": "<+>",
    "hamming_ops": "<~>",
    "jaccard_ops": "<%>",
}


def opclass_operator(opclass: str) -> str | None:
    """vector_cosine_ops → '<=>' (the distance operator an index of that class can serve)."""
    for suffix, operator in _OPCLASS_OPERATORS.items():
        if opclass.endswith(suffix):
            return operator
    return None


@dataclass
class VectorColumn:
    table: str  # schema-qualified, quoted as needed
    column: str
    type_name: str
    dim: int | None  # declared (typmod); None: any dimension
    rows: int
    non_null: int
    stored_dims: dict[int, int] = field(default_factory=dict)  # dim → rows, in a sample


@dataclass
class VectorIndex:
    name: str
    table: str
    column: str  # an expression index: its expression
    base_column: str | None  # the table's vector column it reads (an expression: the one
    # it references; None when it references none or several)
    indexed_type: str  # the indexed value's type, e.g. vector(384), halfvec(384), bit(384)
    method: str  # hnsw | ivfflat
    opclass: str
    operator: str | None
    params: dict[str, int]
    size_bytes: int
    table_bytes: int
    index_tuples: float  # pg_class.reltuples: rows when built or last vacuumed; -1 never
    definition: str
    valid: bool
    partial: bool
    predicate: str | None = None  # a partial index's WHERE


@dataclass
class Settings:
    ef_search: int
    probes: int
    hnsw_iterative_scan: str | None  # None: pgvector < 0.8
    ivfflat_iterative_scan: str | None
    maintenance_work_mem: int  # bytes
    max_parallel_maintenance_workers: int


@dataclass
class Catalog:
    installed: str | None
    available: str | None
    columns: list[VectorColumn]
    indexes: list[VectorIndex]
    settings: Settings | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _extension(conn: Any) -> tuple[str | None, str | None]:
    row = conn.execute(
        "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'vector'),"
        " (SELECT default_version FROM pg_available_extensions WHERE name = 'vector')"
    ).fetchone()
    return row[0], row[1]


def _columns(conn: Any, table: str | None) -> list[VectorColumn]:
    rows = conn.execute(
        "SELECT c.oid::regclass::text, a.attname, t.typname, a.atttypmod "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE t.typname = ANY(%s) AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
        "AND NOT a.attisdropped AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND (%s::text IS NULL OR c.oid = to_regclass(%s)) "
        "ORDER BY 1, a.attnum",
        (list(VECTOR_TYPES), table, table),
    ).fetchall()
    from psycopg import sql

    found = []
    for table_name, column, type_name, typmod in rows:
        ident = sql.Identifier(column)
        counts = conn.execute(
            sql.SQL("SELECT count(*), count({}) FROM {}").format(ident, sql.SQL(table_name))
        ).fetchone()
        stored: dict[int, int] = {}
        if type_name != "sparsevec":  # vector_dims() takes vector and halfvec
            stored = dict(
                conn.execute(
                    sql.SQL(
                        "SELECT vector_dims(v), count(*) FROM (SELECT {} AS v FROM {} "
                        "WHERE {} IS NOT NULL LIMIT %s) s GROUP BY 1 ORDER BY 1"
                    ).format(ident, sql.SQL(table_name), ident),
                    (_SAMPLE_ROWS,),
                ).fetchall()
            )
        found.append(
            VectorColumn(
                table=table_name,
                column=column,
                type_name=type_name,
                dim=typmod if typmod > 0 else None,
                rows=counts[0],
                non_null=counts[1],
                stored_dims=stored,
            )
        )
    return found


def _params(reloptions: list[str] | None) -> dict[str, int]:
    params: dict[str, int] = {}
    for option in reloptions or []:
        key, _, value = option.partition("=")
        if value.isdigit():
            params[key] = int(value)
    return params


def _indexes(conn: Any, table: str | None) -> list[VectorIndex]:
    rows = conn.execute(
        "SELECT i.indexrelid::regclass::text, i.indrelid::regclass::text, am.amname,"
        "  coalesce(a.attname, pg_get_indexdef(i.indexrelid, 1, true)), opc.opcname,"
        "  ic.reloptions, pg_relation_size(i.indexrelid), pg_relation_size(i.indrelid),"
        "  ic.reltuples, pg_get_indexdef(i.indexrelid), i.indisvalid, i.indpred IS NOT NULL,"
        "  pg_get_expr(i.indpred, i.indrelid, true),"
        "  (SELECT format_type(ia.atttypid, ia.atttypmod) FROM pg_attribute ia"
        "   WHERE ia.attrelid = i.indexrelid AND ia.attnum = 1),"
        "  coalesce(a.attname, (SELECT min(ca.attname) FROM pg_depend d"
        "   JOIN pg_attribute ca ON ca.attrelid = d.refobjid AND ca.attnum = d.refobjsubid"
        "   JOIN pg_type ct ON ct.oid = ca.atttypid"
        "   WHERE d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid"
        "   AND d.refobjid = i.indrelid AND d.refobjsubid > 0 AND ct.typname = ANY(%s)"
        "   HAVING count(*) = 1)) "
        "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
        "JOIN pg_am am ON am.oid = ic.relam "
        "JOIN pg_opclass opc ON opc.oid = i.indclass[0] "
        "LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
        "WHERE am.amname IN ('hnsw', 'ivfflat') "
        "AND (%s::text IS NULL OR i.indrelid = to_regclass(%s)) ORDER BY 2, 1",
        (list(VECTOR_TYPES), table, table),
    ).fetchall()
    return [
        VectorIndex(
            name=name,
            table=table_name,
            column=column,
            base_column=base_column,
            indexed_type=indexed_type,
            method=method,
            opclass=opclass,
            operator=opclass_operator(opclass),
            params=_params(reloptions),
            size_bytes=size,
            table_bytes=table_size,
            index_tuples=float(tuples),
            definition=definition,
            valid=valid,
            partial=partial,
            predicate=predicate,
        )
        for (
            name,
            table_name,
            method,
            column,
            opclass,
            reloptions,
            size,
            table_size,
            tuples,
            definition,
            valid,
            partial,
            predicate,
            indexed_type,
            base_column,
        ) in rows
    ]


def _int_setting(conn: Any, name: str, default: int) -> int:
    value = conn.execute("SELECT current_setting(%s, true)", (name,)).fetchone()[0]
    return int(value) if value not in (None, "") else default


def _settings(conn: Any) -> Settings:
    conn.execute("SELECT '[1]'::vector")  # loads the library: its settings exist from now on
    mwm = conn.execute(
        "SELECT setting::bigint * 1024 FROM pg_settings WHERE name = 'maintenance_work_mem'"
    ).fetchone()[0]
    scans = conn.execute(
        "SELECT current_setting('hnsw.iterative_scan', true),"
        " current_setting('ivfflat.iterative_scan', true)"
    ).fetchone()
    return Settings(
        ef_search=_int_setting(conn, "hnsw.ef_search", 40),
        probes=_int_setting(conn, "ivfflat.probes", 1),
        hnsw_iterative_scan=scans[0],
        ivfflat_iterative_scan=scans[1],
        maintenance_work_mem=int(mwm),
        max_parallel_maintenance_workers=_int_setting(conn, "max_parallel_maintenance_workers", 2),
    )


def read_catalog(conn: Any, table: str | None = None) -> Catalog:
    """Everything doctor reads from the catalog (`table`: only that one)."""
    installed, available = _extension(conn)
    if installed is None:
        return Catalog(installed, available, [], [], None)
    return Catalog(
        installed=installed,
        available=available,
        columns=_columns(conn, table),
        indexes=_indexes(conn, table),
        settings=_settings(conn),
    )

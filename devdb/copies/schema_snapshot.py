"""A comparable picture of a database's schema, read from the catalogs (psycopg only)."""

from __future__ import annotations

from typing import Any

# One query per object kind; every row is a plain tuple so snapshots compare with ==.
_QUERIES = {
    "tables": """
        SELECT n.nspname, c.relname, c.relkind::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r','p','v','m','S','f') AND {user_ns}""",
    "columns": """
        SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
               a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f') AND {user_ns}""",
    "indexes": """
        SELECT n.nspname, c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {user_ns}""",
    "constraints": """
        SELECT n.nspname, t.relname, co.conname, pg_get_constraintdef(co.oid)
        FROM pg_constraint co JOIN pg_class t ON t.oid = co.conrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace WHERE {user_ns}""",
    "types": """
        SELECT n.nspname, t.typname, t.typtype::text,
               coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                         FROM pg_enum e WHERE e.enumtypid = t.oid), '')
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE t.typtype IN ('e','d','c') AND NOT EXISTS
              (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c') AND {user_ns}""",
    "functions": """
        SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {user_ns} AND NOT EXISTS (SELECT 1 FROM pg_depend d
              WHERE d.objid = p.oid AND d.deptype = 'e')""",
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND {user_ns}""",
}
_USER_NS = (
    "n.nspname NOT IN ('pg_catalog','information_schema','pg_toast','_devdb') "
    "AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'"
)
VERSION_TABLE = "alembic_version"

Snapshot = dict[str, frozenset[tuple[Any, ...]]]


def snapshot_schema(conn: Any) -> Snapshot:
    result: Snapshot = {}
    for kind, sql in _QUERIES.items():
        rows = conn.execute(sql.format(user_ns=_USER_NS)).fetchall()
        result[kind] = frozenset(
            tuple(row) for row in rows if VERSION_TABLE not in (row[1] if len(row) > 1 else "")
        )
    return result


def describe_difference(before: Snapshot, after: Snapshot, limit: int = 5) -> list[str]:
    """Human lines: what `after` has that `before` lacks (+) and the reverse (-)."""
    lines: list[str] = []
    for kind in before:
        for row in sorted(after[kind] - before[kind], key=str)[:limit]:
            lines.append(
                f"+ {kind[:-1]} {' '.join(str(v) for v in row if v not in (None, 'public'))}"
            )
        for row in sorted(before[kind] - after[kind], key=str)[:limit]:
            lines.append(
                f"- {kind[:-1]} {' '.join(str(v) for v in row if v not in (None, 'public'))}"
            )
    return lines

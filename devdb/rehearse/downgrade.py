"""Downgrade rehearsal on the migrated copy: what going back to base loses (tables, columns,
rows) and what it does not restore (the schema compared with the base's, catalog by catalog),
how long it takes, and the upgrade again.

The upgrade again is skipped when it would only repeat what was measured: the downgrade
restored the base schema exactly and lost no data, so the traced upgrade already ran from
that very state (`upgrade_again.ran` says which)."""

from __future__ import annotations

import time
from typing import Any

from devdb.copies.schema_snapshot import Snapshot, describe_difference, snapshot_schema
from devdb.migrations.runner import AlembicTarget
from devdb.rehearse.trace import run_traced

_COLUMNS = (
    "SELECT c.oid::regclass::text, a.attname FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
    "WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_devdb') AND n.nspname NOT LIKE 'pg\\_%%' "
    "AND c.relname <> 'alembic_version'"
)


def _shape(conninfo: str) -> tuple[dict[str, list[str]], dict[str, int]]:
    import psycopg

    tables: dict[str, list[str]] = {}
    with psycopg.connect(conninfo) as conn:
        for table, column in conn.execute(_COLUMNS):
            tables.setdefault(table, []).append(column)
        rows = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # type: ignore[index]
    return tables, rows


def schema(conninfo: str) -> Snapshot:
    import psycopg

    with psycopg.connect(conninfo) as conn:
        return snapshot_schema(conn)


def rehearse_downgrade(
    target: AlembicTarget, conninfo: str, base_heads: list[str], base_schema: Snapshot
) -> dict[str, Any]:
    before_tables, before_rows = _shape(conninfo)
    started = time.perf_counter()
    down = run_traced(
        target, base_heads[0] if len(base_heads) == 1 else "base", downgrade=True, trace=False
    )
    down_seconds = time.perf_counter() - started
    after_tables, after_rows = _shape(conninfo)
    lost_tables = [
        {"table": t, "rows": before_rows[t]} for t in sorted(before_tables) if t not in after_tables
    ]
    lost_columns = []
    for table, columns in sorted(before_tables.items()):
        if table not in after_tables:
            continue
        for column in columns:
            if column not in after_tables[table]:
                lost_columns.append({"table": table, "column": column})
    lost_rows = [
        {"table": t, "rows": before_rows[t] - after_rows[t]}
        for t in sorted(after_rows)
        if t in before_rows and after_rows[t] < before_rows[t]
    ]
    not_restored = describe_difference(base_schema, schema(conninfo), limit=20)
    loses_data = bool(lost_tables or lost_rows or lost_columns)
    upgrade_again: dict[str, Any] = {"ran": False, "seconds": None, "why": ""}
    if not_restored or loses_data:
        started = time.perf_counter()
        run_traced(target, "heads", trace=False)
        upgrade_again = {
            "ran": True,
            "seconds": round(time.perf_counter() - started, 3),
            "why": "the downgrade left another schema or lost data",
        }
    else:
        upgrade_again["why"] = (
            "the downgrade restored the base schema exactly and lost no data: "
            "the traced upgrade ran from this state"
        )
    lost = [f"table {t['table']} ({t['rows']:,} rows)" for t in lost_tables]
    lost += [f"column {c['table']}.{c['column']}" for c in lost_columns]
    lost += [f"{r['rows']:,} rows of {r['table']}" for r in lost_rows]
    return {
        "reverted": down.applied,
        "seconds": round(down_seconds, 3),
        "upgrade_again": upgrade_again,
        "lost_tables": lost_tables,
        "lost_columns": lost_columns,
        "lost_rows": lost_rows,
        "lost": lost,
        "loses_data": loses_data,
        "restores_base_schema": not not_restored,
        "not_restored": not_restored,
    }

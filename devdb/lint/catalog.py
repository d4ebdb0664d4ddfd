"""Catalog queries answered offline from the schema the chain builds.

Idempotent migrations ask the database before acting: `SELECT 1 FROM pg_indexes WHERE
indexname = 'ix'`, `SELECT EXISTS (... information_schema.columns ...)`, `to_regclass('t')`.
Answering from the replayed schema renders the statements they would run on a database
migrated to the revision before them.
"""

from __future__ import annotations

from typing import Any

from devdb.lint.schema import Schema
from devdb.lint.sqlrules import funcname, kind, relname, walk

_INDEX_CATALOGS = {"pg_indexes", "pg_index"}
_COLUMN_CATALOGS = {"columns", "pg_attribute"}
_TABLE_CATALOGS = {"tables", "pg_tables", "pg_class", "pg_views", "views"}
_EXTENSION_CATALOGS = {"pg_extension", "pg_available_extensions"}
_TYPE_CATALOGS = {"pg_type", "pg_enum"}
_CONSTRAINT_CATALOGS = {"pg_constraint", "table_constraints"}
CATALOGS = (
    _INDEX_CATALOGS
    | _COLUMN_CATALOGS
    | _TABLE_CATALOGS
    | _EXTENSION_CATALOGS
    | _TYPE_CATALOGS
    | _CONSTRAINT_CATALOGS
)


class Row(tuple):
    """A result row: by position, by attribute (`row.exists`) or `row._mapping`."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self[0] if self else None

    @property
    def _mapping(self) -> dict[str, Any]:
        return {"value": self[0]} if self else {}


def _strings_in_where(select: Any) -> list[str]:
    """String constants compared in the query (A_Const nodes), lower case, unquoted."""
    found = []
    for n in walk(select):
        if kind(n) == "A_Const":
            val = getattr(n, "val", None)
            sval = getattr(val, "sval", None)
            if sval is not None:
                found.append(str(sval).lower().split(".")[-1].strip('"'))
    return found


def answer(sql: str, schema: Schema) -> list[Row] | None:
    """Rows a catalog query returns on the replayed schema; None when it is not one."""
    import pglast

    try:
        raws = pglast.parse_sql(sql)
    except pglast.parser.ParseError:
        return None
    if len(raws) != 1 or kind(raws[0].stmt) != "SelectStmt":
        return None
    select: Any = raws[0].stmt
    relations = {relname(n) for n in walk(select) if kind(n) == "RangeVar"}
    calls = {funcname(n) for n in walk(select) if kind(n) == "FuncCall"}
    strings = _strings_in_where(select)
    if not (relations & CATALOGS) and "to_regclass" not in calls:
        return None
    if relations & _INDEX_CATALOGS:
        exists = any(s in schema.indexes for s in strings)
    elif relations & _COLUMN_CATALOGS:
        exists = any((t, c) in schema.columns for t in strings for c in strings)
    elif relations & _EXTENSION_CATALOGS:
        exists = any(s in schema.extensions for s in strings)
    elif relations & _TYPE_CATALOGS:
        exists = any(s in schema.types for s in strings)
    elif relations & _CONSTRAINT_CATALOGS:
        exists = any(s in schema.constraint_names for s in strings)
    else:
        exists = any(s in schema.tables or s in schema.indexes for s in strings)
    targets = list(select.targetList or ())
    if len(targets) == 1:
        value = getattr(targets[0], "val", None)
        if kind(value) == "SubLink":
            return [Row((exists,))]
        if kind(value) == "FuncCall" and funcname(value) == "count":
            return [Row((1 if exists else 0,))]
        if kind(value) == "FuncCall" and funcname(value) == "to_regclass":
            return [Row((strings[0] if exists and strings else None,))]
    return [Row((1,))] if exists else []

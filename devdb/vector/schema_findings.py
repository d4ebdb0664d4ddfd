"""What the catalog and the code say, before anything is measured: the extension's version
and features, declared vs configured vs stored dimensions, operators vs operator classes."""

from __future__ import annotations

from typing import Any

from devdb.vector.catalog import Catalog
from devdb.vector.report import Finding, Report
from devdb.vector.usage import OPERATOR_NAMES, CodeScan

ITERATIVE_SCAN_VERSION = (0, 8, 0)


HALFVEC_VERSION = (0, 7, 0)


_OPCLASS_SUFFIX = {"<->": "l2_ops", "<#>": "ip_ops", "<=>": "cosine_ops", "<+>": "l1_ops"}


def version_tuple(version: str | None) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in (version or "").split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def extension_findings(report: Report, catalog: Catalog, code: CodeScan) -> None:
    installed, available = catalog.installed, catalog.available
    if installed is None:
        report.add(
            Finding(
                "extension-missing",
                "error",
                "vector",
                f"the vector extension is not installed here (available: {available or 'no'})",
                "CREATE EXTENSION vector;" if available else "",
            )
        )
        return
    if available and version_tuple(available) > version_tuple(installed):
        report.add(
            Finding(
                "extension-outdated",
                "warning",
                "vector",
                f"pgvector {installed} is installed, the server has {available}",
                "ALTER EXTENSION vector UPDATE;",
            )
        )
    needs = {"iterative_scan": ITERATIVE_SCAN_VERSION, "halfvec": HALFVEC_VERSION}
    needs["sparsevec"] = HALFVEC_VERSION
    for feature, version in needs.items():
        where = code.features.get(feature)
        if where and version_tuple(installed) < version:
            wanted = ".".join(map(str, version))
            can_update = version_tuple(available) >= version
            report.add(
                Finding(
                    "extension-lacks-feature",
                    "error",
                    "vector",
                    f"the code uses {feature} ({where}), which needs pgvector >= {wanted}; "
                    f"{installed} is installed",
                    "ALTER EXTENSION vector UPDATE;"
                    if can_update
                    else f"-- install pgvector >= {wanted} on the server (a newer image)",
                )
            )


def dimension_findings(report: Report, catalog: Catalog, dims: dict[int, str]) -> None:
    for column in catalog.columns:
        subject = f"{column.table}.{column.column}"
        stored = sorted(column.stored_dims)
        if column.dim is None:
            report.add(
                Finding(
                    "dimension-undeclared",
                    "error" if len(stored) > 1 else "warning",
                    subject,
                    f"{subject} is {column.type_name} without a dimension; rows sampled hold "
                    f"{', '.join(map(str, stored)) or 'no'} dimension(s), and such a column "
                    "cannot be indexed",
                    f"ALTER TABLE {column.table} ALTER COLUMN {column.column} TYPE "
                    f"{column.type_name}({stored[0] if stored else 'N'});",
                )
            )
        declared = column.dim or (stored[0] if len(stored) == 1 else None)
        if declared is None or not dims or declared in dims:
            continue
        said = "; ".join(f"{d} in {w}" for d, w in sorted(dims.items()))
        wanted = min(dims)
        report.add(
            Finding(
                "dimension-mismatch",
                "error",
                subject,
                f"{subject} is {column.type_name}({declared}), the configured embedding "
                f"model gives {said}",
                f"-- change the configured dimension to {declared}, or migrate the column:\n"
                f"ALTER TABLE {column.table} ADD COLUMN {column.column}_{wanted} "
                f"{column.type_name}({wanted});  -- re-embed into it, then swap",
            )
        )


def _column_usages(code: CodeScan, column: str, vector_columns: set[str]) -> list[Any]:
    """The code's usages that may apply to `column`: named so, or naming no vector column."""
    return [u for u in code.usages if u.column == column or u.column not in vector_columns]


def _create_index_sql(index_table: str, column: str, type_name: str, operator: str) -> str:
    opclass = f"{type_name}_{_OPCLASS_SUFFIX.get(operator, 'l2_ops')}"
    return f"CREATE INDEX CONCURRENTLY ON {index_table} USING hnsw ({column} {opclass});"


def operator_findings(
    report: Report,
    catalog: Catalog,
    code: CodeScan,
) -> None:
    if not code.usages:
        if catalog.indexes:
            report.add(
                Finding(
                    "operators-unknown",
                    "info",
                    "code",
                    "no distance operator (<=>, <->, <#>, cosine_distance…) found in the "
                    "project's code: index operator classes not checked against it",
                )
            )
        return
    vector_columns = {c.column for c in catalog.columns}
    types = {(c.table, c.column): c.type_name for c in catalog.columns}
    for index in catalog.indexes:
        usages = _column_usages(code, index.column, vector_columns)
        if not usages or index.operator in {u.operator for u in usages}:
            continue
        used = sorted({u.operator for u in usages})
        where = next(u.where for u in usages)
        served = [
            other.name
            for other in catalog.indexes
            if other.table == index.table
            and other.column == index.column
            and other.operator in used
            and other.valid
        ]
        type_name = types.get((index.table, index.column), "vector")
        fix = f"DROP INDEX CONCURRENTLY {index.name};"
        if not served:
            fix += "\n" + _create_index_sql(index.table, index.column, type_name, used[0])
        report.add(
            Finding(
                "opclass-mismatch",
                "error",
                index.name,
                f"{index.name} ({index.opclass}) serves {index.operator} "
                f"({OPERATOR_NAMES.get(index.operator or '', '?')}), but the code orders by "
                f"{', '.join(used)} ({where}): no query of the code can use it",
                fix,
                "drop",
            )
        )
    for column in catalog.columns:
        usages = _column_usages(code, column.column, vector_columns)
        for operator in sorted({u.operator for u in usages}):
            has_index = any(
                i.table == column.table
                and i.column == column.column
                and i.operator == operator
                and i.valid
                for i in catalog.indexes
            )
            if has_index or operator not in _OPCLASS_SUFFIX:
                continue
            where = next(u.where for u in usages if u.operator == operator)
            expressions = [
                i
                for i in catalog.indexes
                if i.table == column.table
                and i.base_column == column.column
                and i.column != column.column
                and i.operator == operator
                and i.valid
            ]
            message = (
                f"the code orders by {column.column} {operator} ({where}) and no index of "
                f"{column.table} serves it: every such query scans all {column.rows:,} rows"
            )
            if expressions:
                # a quantised (halfvec, subvector) index is only used by a query that orders
                # by the same expression
                first = expressions[0]
                message += (
                    f"; {first.name} serves ORDER BY {first.column} {operator} … — order by "
                    "that expression (the query vector cast the same way) to use it"
                )
            report.add(
                Finding(
                    "query-without-index",
                    "warning",
                    f"{column.table}.{column.column}",
                    message,
                    _create_index_sql(column.table, column.column, column.type_name, operator),
                )
            )


def bare_name(name: str) -> str:
    return name.rsplit(".", 1)[-1].strip('"')

"""What the measurements say of each ANN index: recall and latency against exact scans,
filtered queries, stale IVFFlat centroids, and sizing (lists, build memory, index size)."""

from __future__ import annotations

from devdb.vector import sizing
from devdb.vector.catalog import Catalog, VectorIndex
from devdb.vector.measure import IndexMeasurement
from devdb.vector.report import Finding, Report
from devdb.vector.schema_findings import bare_name
from devdb.vector.usage import CodeScan


def measurement_findings(
    report: Report,
    index: VectorIndex,
    measurement: IndexMeasurement,
    catalog: Catalog,
    code: CodeScan,
) -> None:
    name, setting, m = index.name, measurement.setting, measurement
    figure = (
        f"recall@{m.k} {m.recall:.2f} at {setting}={m.current} over {m.queries} queries, "
        f"p50 {m.ann_p50_ms:.1f} ms (exact scan {m.exact_p50_ms:.1f} ms)"
    )
    if m.measured_index is None or m.measured_index.rsplit(".", 1)[-1] != name.rsplit(".", 1)[-1]:
        report.add(
            Finding(
                "index-shadowed",
                "warning",
                name,
                f"queries {index.column} {index.operator} use {m.measured_index or 'no index'}, "
                f"not {name}: it is never used for them",
                f"DROP INDEX CONCURRENTLY {name};",
                "drop",
            )
        )
        return
    if not m.planner_uses_index:
        report.add(
            Finding(
                "index-not-chosen",
                "info",
                name,
                f"the planner picks no index for ORDER BY {index.column} {index.operator} "
                f"LIMIT {m.k} (exact scan p50 {m.exact_p50_ms:.1f} ms): expected on small tables",
            )
        )
    stale = _stale_centroids(index, m, catalog)
    if m.recall >= m.target_recall:
        report.add(Finding("recall-ok", "info", name, figure, verdict="keep"))
    elif stale:
        report.add(
            Finding(
                "centroids-stale",
                "error" if m.recall < 0.5 else "warning",
                name,
                f"{figure}; {stale}",
                f"REINDEX INDEX CONCURRENTLY {name};",
                "rebuild",
            )
        )
    elif m.meets_target_at is not None:
        point = next(p for p in m.sweep if p.value == m.meets_target_at)
        report.add(
            Finding(
                "recall-low",
                "error" if m.recall < 0.5 else "warning",
                name,
                f"{figure}; {setting}={point.value} reaches {point.recall:.2f} "
                f"(target {m.target_recall:.2f}) at p50 {point.p50_ms:.1f} ms",
                f"SET {setting} = {point.value};  -- per session, or: ALTER DATABASE "
                f"{report.database} SET {setting} = {point.value};"
                + (
                    f"\n-- built before most rows were there? REINDEX INDEX CONCURRENTLY {name}; "
                    "recomputes the centroids (then measure again)"
                    if index.method == "ivfflat"
                    else ""
                ),
                "retune",
            )
        )
    else:
        best = max(m.sweep, key=lambda p: p.recall) if m.sweep else None
        rebuild = (
            f"REINDEX INDEX CONCURRENTLY {name};"
            if index.method == "ivfflat"
            else f"-- recreate with a denser graph: CREATE INDEX CONCURRENTLY … USING hnsw "
            f"({index.column} {index.opclass}) WITH (m = 32, ef_construction = 128);"
        )
        report.add(
            Finding(
                "recall-unreachable",
                "error" if m.recall < 0.5 else "warning",
                name,
                f"{figure}; the best swept setting reaches only "
                f"{best.recall if best else m.recall:.2f} (target {m.target_recall:.2f})",
                rebuild,
                "rebuild",
            )
        )
    if m.ann_p50_ms >= m.exact_p50_ms and m.queries:
        report.add(
            Finding(
                "index-slower-than-scan",
                "info",
                name,
                f"the index answers in {m.ann_p50_ms:.1f} ms p50, an exact scan in "
                f"{m.exact_p50_ms:.1f} ms: the table is small enough to scan",
            )
        )
    if m.filtered is not None:
        _filtered_findings(report, index, m, catalog, code)


def lists_too_high(lists: int, rows: int) -> bool:
    wanted = sizing.recommended_lists(rows)
    return rows > 0 and ((lists > 4 * wanted and lists > 10) or lists > rows)


def why_not_measured(index: VectorIndex, catalog: Catalog) -> str:
    if not index.valid:
        return "the index is INVALID (a failed CREATE INDEX CONCURRENTLY): queries never use it"
    base = index.base_column or index.column
    column = next((c for c in catalog.columns if (c.table, c.column) == (index.table, base)), None)
    if column is None:
        return f"an expression index on {index.column} reads no single vector column: not measured"
    if column.non_null == 0:
        return f"{index.table}.{column.column} holds no vectors yet: nothing to measure"
    return f"{index.opclass} indexes are not measured"


def _stale_centroids(index: VectorIndex, m: IndexMeasurement, catalog: Catalog) -> str:
    """Why an IVFFlat index's centroids look stale ("" when they do not)."""
    if index.method != "ivfflat":
        return ""
    rows = next(
        (c.non_null for c in catalog.columns if (c.table, c.column) == (index.table, index.column)),
        0,
    )
    lists = index.params.get("lists", 100)
    if lists_too_high(lists, rows):
        return ""  # the lists finding explains the recall
    if 0 <= index.index_tuples < rows / 10:
        return (
            f"built when the table had {index.index_tuples:,.0f} rows, it has {rows:,} now: "
            "the centroids describe data that is not there"
        )
    needed = m.meets_target_at or 0
    if needed > sizing.recommended_probes(lists) or (not needed and m.recall < m.target_recall):
        return (
            f"reaching the target needs probes={needed or '>' + str(lists)} of {lists} lists "
            f"(well-placed centroids need about sqrt(lists) = {sizing.recommended_probes(lists)}):"
            " the centroids do not fit the rows, as when the index was built on an empty or "
            "much smaller table"
        )
    return ""


def _filtered_findings(
    report: Report, index: VectorIndex, m: IndexMeasurement, catalog: Catalog, code: CodeScan
) -> None:
    f = m.filtered
    assert f is not None
    if f.recall >= m.target_recall:
        return
    method = index.method
    figure = (
        f"WHERE {f.filter} ({f.selectivity:.1%} of rows): recall@{m.k} {f.recall:.2f}, "
        f"{f.rows_returned:g} of {m.k} rows returned at {m.setting}={m.current}"
    )
    if f.iterative_recall is None:
        report.add(
            Finding(
                "filtered-recall-low",
                "warning",
                index.name,
                f"{figure}; iterative index scans need pgvector >= 0.8 "
                f"({catalog.installed} installed)",
                "ALTER EXTENSION vector UPDATE;  -- then: SET "
                f"{method}.iterative_scan = relaxed_order;",
                "retune",
            )
        )
        return
    fixed = f.iterative_recall >= m.target_recall
    already = code.features.get("iterative_scan")
    report.add(
        Finding(
            "filtered-recall-low",
            "info" if fixed and already else "warning",
            index.name,
            f"{figure}; with {method}.iterative_scan = relaxed_order: recall "
            f"{f.iterative_recall:.2f}, {f.iterative_rows_returned:g} rows"
            + ("" if fixed else " (still below target: raise the setting or add a partial index)")
            + (f"; the code sets iterative_scan ({already})" if already else ""),
            f"SET {method}.iterative_scan = relaxed_order;  -- in the filtered query's "
            "transaction (SET LOCAL) or the session",
            None if fixed and already else "retune",
        )
    )


def sizing_findings(
    report: Report, index: VectorIndex, catalog: Catalog, m: IndexMeasurement | None
) -> None:
    column = next(
        (c for c in catalog.columns if c.table == index.table and c.column == index.column), None
    )
    rows = column.non_null if column else 0
    settings = catalog.settings
    if index.method == "ivfflat":
        lists = index.params.get("lists", 100)
        wanted = sizing.recommended_lists(rows)
        if rows == 0:
            report.add(
                Finding(
                    "centroids-stale",
                    "warning",
                    index.name,
                    f"an IVFFlat index on an empty column: its {lists} centroids describe no "
                    "data, and rows added later keep them (recall stays low)",
                    f"-- after loading the rows: REINDEX INDEX CONCURRENTLY {index.name};",
                    "rebuild",
                )
            )
        elif lists_too_high(lists, rows):
            report.add(
                Finding(
                    "lists-too-high",
                    "warning",
                    index.name,
                    f"lists = {lists} for {rows:,} rows (rule of thumb {wanted}): "
                    f"{rows / lists:,.1f} rows per list, probes must grow to keep recall",
                    f"CREATE INDEX CONCURRENTLY {bare_name(index.name)}_new ON {index.table} USING "
                    f"ivfflat ({index.column} {index.opclass}) WITH (lists = {wanted});\n"
                    f"DROP INDEX CONCURRENTLY {index.name};\n"
                    f"ALTER INDEX {bare_name(index.name)}_new RENAME TO {bare_name(index.name)};",
                    "rebuild",
                )
            )
        elif rows >= 10_000 and lists * 4 < wanted:
            report.add(
                Finding(
                    "lists-too-low",
                    "warning",
                    index.name,
                    f"lists = {lists} for {rows:,} rows (rule of thumb {wanted}): each probe "
                    f"scans {rows / lists:,.0f} rows",
                    f"-- recreate WITH (lists = {wanted}) (CREATE INDEX CONCURRENTLY, then swap)",
                    "rebuild",
                )
            )
    if index.method == "hnsw" and column is not None and settings is not None:
        dim = column.dim or next(iter(column.stored_dims), 0)
        need = sizing.hnsw_build_bytes(
            rows, dim, index.params.get("m", sizing.HNSW_DEFAULT_M), column.type_name
        )
        have = settings.maintenance_work_mem
        line = (
            f"an HNSW build of {rows:,} x {dim} needs about {sizing.megabytes(need)} of "
            f"maintenance_work_mem ({sizing.megabytes(have)} set), "
            f"max_parallel_maintenance_workers = {settings.max_parallel_maintenance_workers}"
        )
        if need > have:
            report.add(
                Finding(
                    "hnsw-build-memory",
                    "warning",
                    index.name,
                    line + ": the graph will not fit and a rebuild runs far slower",
                    f"SET maintenance_work_mem = '{sizing.setting_megabytes(need)}';  "
                    "-- in the session that runs CREATE INDEX / REINDEX",
                )
            )
        else:
            report.add(Finding("hnsw-build-memory", "info", index.name, line + ": fits"))
    if index.table_bytes:
        report.add(
            Finding(
                "index-size",
                "info",
                index.name,
                f"{sizing.megabytes(index.size_bytes)} index for a "
                f"{sizing.megabytes(index.table_bytes)} table "
                f"({index.size_bytes / index.table_bytes:.1f}x)",
            )
        )

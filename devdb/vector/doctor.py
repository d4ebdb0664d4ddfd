"""`devdb vector doctor`: read the catalog, the code and the configured dimension, measure
every ANN index, and turn what was found into findings with fixes. Never writes: everything
runs in one READ ONLY transaction and settings change with SET LOCAL only."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devdb.errors import DevdbError, first_line
from devdb.vector import sizing
from devdb.vector.catalog import Catalog, VectorIndex, read_catalog
from devdb.vector.measure import IndexMeasurement, measure_index, pick_filter_column
from devdb.vector.report import Finding, IndexReport, Report
from devdb.vector.usage import OPERATOR_NAMES, CodeScan, scan_code

if TYPE_CHECKING:
    from devdb.project.config import Config
    from devdb.vector.target import Target

Progress = Callable[[str], None]
ITERATIVE_SCAN_VERSION = (0, 8, 0)
HALFVEC_VERSION = (0, 7, 0)
_OPCLASS_SUFFIX = {"<->": "l2_ops", "<#>": "ip_ops", "<=>": "cosine_ops", "<+>": "l1_ops"}


@dataclass
class DoctorOptions:
    table: str | None = None
    k: int = 10
    queries: int = 20
    target_recall: float = 0.95
    seed: int = 0
    filter_column: str | None = None  # None: picked from the table (tenant/owner-like)
    measure: bool = True


@dataclass
class ProjectFacts:
    code: CodeScan
    dims: dict[int, str]  # configured embedding dimension → where it is said


def project_facts(config: Config) -> ProjectFacts:
    """The code's operators and the configured embedding dimension, found as lint finds it:
    [tool.devdb] embedding_dim when set, else the models' Vector(n), settings, env example keys,
    a known model name."""
    from devdb.lint.project import discover_dimensions

    skip = tuple(p for p in (_script_folder(config), config.state_dir) if p is not None)
    code = scan_code(config.project_root, skip)
    if config.embedding_dim:
        return ProjectFacts(code, {config.embedding_dim: f"{config.source} embedding_dim"})
    examples = [p for p in (config.env_example, *config.env_readers) if p and p.is_file()]
    return ProjectFacts(code, dict(discover_dimensions(config.project_root, examples, skip).dims))


def _script_folder(config: Config) -> Path | None:
    """The migration environment (env.py, versions/): it creates indexes, queries none."""
    from devdb.migrations.scripts import script_location

    if config.alembic_ini is None or not config.alembic_ini.is_file():
        return None
    try:
        return script_location(config.alembic_ini)
    except DevdbError:
        return None


def version_tuple(version: str | None) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in (version or "").split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def doctor(
    target: Target,
    facts: ProjectFacts | None,
    options: DoctorOptions,
    progress: Progress = lambda _m: None,
) -> Report:
    import psycopg

    started = time.perf_counter()
    facts = facts or ProjectFacts(CodeScan([], {}), {})
    try:
        with psycopg.connect(target.conninfo(connect_timeout=10)) as conn:
            conn.read_only = True
            with conn.transaction(force_rollback=True):
                conn.execute("SET LOCAL statement_timeout = '300s'")
                progress("reading the catalog")
                catalog = read_catalog(conn, options.table)
                if options.table and not catalog.columns and catalog.installed:
                    raise DevdbError(
                        f"no vector column in {options.table!r}",
                        "check --table, or leave it out to check every table",
                    )
                measurements = _measure_all(conn, catalog, options, progress)
    except psycopg.Error as exc:
        raise DevdbError(
            f"cannot examine {target.database}: {first_line(exc)}",
            "check that the database answers (devdb status) or the --url",
        ) from None
    report = _report(target.database, catalog, facts, measurements)
    _extension_findings(report, catalog, facts.code)
    _dimension_findings(report, catalog, facts.dims)
    _operator_findings(report, catalog, facts.code)
    for index in catalog.indexes:
        measurement = measurements.get(index.name)
        if measurement is None and options.measure and catalog.settings is not None:
            report.add(
                Finding(
                    "not-measured",
                    "info" if index.valid else "error",
                    index.name,
                    _why_not_measured(index, catalog),
                    "" if index.valid else f"REINDEX INDEX CONCURRENTLY {index.name};",
                    None if index.valid else "rebuild",
                )
            )
        dropped = any(f.subject == index.name and f.verdict == "drop" for f in report.findings)
        if measurement is not None and not dropped:  # tuning advice for an index to drop: noise
            _measurement_findings(report, index, measurement, catalog, facts.code)
        _sizing_findings(report, index, catalog, measurement)
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def _measure_all(
    conn: Any, catalog: Catalog, options: DoctorOptions, progress: Progress
) -> dict[str, IndexMeasurement]:
    if not options.measure or catalog.settings is None:
        return {}
    columns = {(c.table, c.column): c for c in catalog.columns}
    iterative = version_tuple(catalog.installed) >= ITERATIVE_SCAN_VERSION
    found: dict[str, IndexMeasurement] = {}
    for index in catalog.indexes:
        column = columns.get((index.table, index.column))
        if column is None or not index.valid or index.partial:
            continue  # expression, invalid and partial indexes: plain ORDER BY cannot use them
        filter_column = options.filter_column or pick_filter_column(conn, index.table, index.column)
        current = catalog.settings.ef_search if index.method == "hnsw" else catalog.settings.probes
        progress(f"measuring {index.name}: recall@{options.k} against exact scans")
        measurement = measure_index(
            conn,
            index,
            column,
            current,
            k=options.k,
            queries=options.queries,
            target_recall=options.target_recall,
            seed=options.seed,
            filter_column=filter_column,
            iterative_scans=iterative,
        )
        if measurement is not None:
            found[index.name] = measurement
    return found


def _report(
    database: str,
    catalog: Catalog,
    facts: ProjectFacts,
    measurements: dict[str, IndexMeasurement],
) -> Report:
    return Report(
        database=database,
        extension={
            "installed": catalog.installed,
            "available": catalog.available,
            "settings": asdict(catalog.settings) if catalog.settings else None,
        },
        dimensions={"configured": {str(d): w for d, w in facts.dims.items()}},
        columns=[asdict(c) for c in catalog.columns],
        indexes=[
            IndexReport(
                name=i.name,
                table=i.table,
                column=i.column,
                method=i.method,
                opclass=i.opclass,
                operator=i.operator,
                params=i.params,
                size_bytes=i.size_bytes,
                table_bytes=i.table_bytes,
                measurement=measurements[i.name].as_dict() if i.name in measurements else None,
            )
            for i in catalog.indexes
        ],
        code=facts.code.as_dict(),
    )


def _extension_findings(report: Report, catalog: Catalog, code: CodeScan) -> None:
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


def _dimension_findings(report: Report, catalog: Catalog, dims: dict[int, str]) -> None:
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


def _operator_findings(
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
            report.add(
                Finding(
                    "query-without-index",
                    "warning",
                    f"{column.table}.{column.column}",
                    f"the code orders by {column.column} {operator} ({where}) and no index of "
                    f"{column.table} serves it: every such query scans all {column.rows:,} rows",
                    _create_index_sql(column.table, column.column, column.type_name, operator),
                )
            )


def _measurement_findings(
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


def _why_not_measured(index: VectorIndex, catalog: Catalog) -> str:
    if not index.valid:
        return "the index is INVALID (a failed CREATE INDEX CONCURRENTLY): queries never use it"
    if index.partial:
        return "a partial index: recall is not measured (its WHERE is not in the sampled query)"
    column = next(
        (c for c in catalog.columns if (c.table, c.column) == (index.table, index.column)), None
    )
    if column is None:
        return f"an expression index on {index.column}: recall is not measured"
    if column.non_null == 0:
        return f"{index.table}.{index.column} holds no vectors yet: nothing to measure"
    return f"{column.type_name} indexes are not measured"


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


def _sizing_findings(
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
                    f"CREATE INDEX CONCURRENTLY {_bare(index.name)}_new ON {index.table} USING "
                    f"ivfflat ({index.column} {index.opclass}) WITH (lists = {wanted});\n"
                    f"DROP INDEX CONCURRENTLY {index.name};\n"
                    f"ALTER INDEX {_bare(index.name)}_new RENAME TO {_bare(index.name)};",
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


def _bare(name: str) -> str:
    return name.rsplit(".", 1)[-1].strip('"')

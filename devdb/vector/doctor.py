"""`devdb vector doctor`: read the catalog, the code and the configured dimension, measure
every ANN index, and turn what was found into findings with fixes. Never writes: everything
runs in one READ ONLY transaction and settings change with SET LOCAL only."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devdb.errors import DevdbError, first_line
from devdb.progress import Progress
from devdb.vector.catalog import Catalog, read_catalog
from devdb.vector.measure import IndexMeasurement, measure_index, pick_filter_column
from devdb.vector.measured_findings import measurement_findings, sizing_findings, why_not_measured
from devdb.vector.report import Finding, IndexReport, Report
from devdb.vector.schema_findings import (
    ITERATIVE_SCAN_VERSION,
    dimension_findings,
    extension_findings,
    operator_findings,
    version_tuple,
)
from devdb.vector.usage import CodeScan, scan_code

if TYPE_CHECKING:
    from devdb.project.config import Config
    from devdb.vector.target import Target


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
    extension_findings(report, catalog, facts.code)
    dimension_findings(report, catalog, facts.dims)
    operator_findings(report, catalog, facts.code)
    for index in catalog.indexes:
        measurement = measurements.get(index.name)
        if measurement is None and options.measure and catalog.settings is not None:
            report.add(
                Finding(
                    "not-measured",
                    "info" if index.valid else "error",
                    index.name,
                    why_not_measured(index, catalog),
                    "" if index.valid else f"REINDEX INDEX CONCURRENTLY {index.name};",
                    None if index.valid else "rebuild",
                )
            )
        dropped = any(f.subject == index.name and f.verdict == "drop" for f in report.findings)
        if measurement is not None and not dropped:  # tuning advice for an index to drop: noise
            measurement_findings(report, index, measurement, catalog, facts.code)
        sizing_findings(report, index, catalog, measurement)
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
        column = columns.get((index.table, index.base_column or index.column))
        if column is None or not index.valid:
            continue  # no single vector column behind it, or no query can use it
        filter_column = options.filter_column or pick_filter_column(
            conn, index.table, column.column
        )
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

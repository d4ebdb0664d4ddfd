"""`devdb vector doctor` and `devdb vector fill`: is pgvector set up right, measured."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from devdb.cli._common import (
    ProjectOpt,
    YesOpt,
    confirm_destructive,
    err,
    load,
    out,
    print_json,
    progress_steps,
    run,
)

if TYPE_CHECKING:
    from devdb.vector.doctor import ProjectFacts
    from devdb.vector.target import Target

vector_app = typer.Typer(
    name="vector",
    help=(
        "pgvector checks: dimensions, operator classes, measured recall/latency, sizing.\n\n"
        "Example: devdb vector doctor"
    ),
    no_args_is_help=True,
)
FormatOpt = typer.Option("text", "--format", "-f", help="text | json")
UrlOpt = typer.Option(
    None, "--url", help="Another database (postgresql://…) instead of the dev one."
)
DatabaseOpt = typer.Option(
    None,
    "--database",
    "-d",
    help="Another database on the same server (e.g. a fill's scratch copy).",
)


def _check_format(fmt: str) -> None:
    if fmt not in ("text", "json"):
        raise typer.BadParameter("use text or json", param_hint="--format")


def _target(project: Path | None, url: str | None, database: str | None) -> Target:
    from devdb.vector.target import dev_target, url_target

    if url:
        return url_target(url, database)
    return dev_target(load(project), database)


def _facts(project: Path | None, url: str | None) -> ProjectFacts | None:
    """The project's code and configured dimension; with --url outside any project, none."""
    from devdb.errors import DevdbError
    from devdb.vector.doctor import project_facts

    try:
        return project_facts(load(project))
    except DevdbError:
        if url and project is None:
            return None
        raise


@vector_app.command(
    short_help="Measured pgvector health: dims, operators, recall, latency, sizing."
)
def doctor(
    table: str | None = typer.Option(None, "--table", "-t", help="Only this table."),
    fmt: str = FormatOpt,
    target_recall: float = typer.Option(0.95, "--target-recall", help="Recall@k to reach."),
    k: int = typer.Option(10, "-k", help="Neighbours per query (recall@k)."),
    queries: int = typer.Option(20, "--queries", help="Query vectors sampled per index."),
    filter_column: str | None = typer.Option(
        None, "--filter-column", help="Column of the filtered query (default: picked)."
    ),
    no_measure: bool = typer.Option(False, "--no-measure", help="Catalog and code checks only."),
    seed: int = typer.Option(0, "--seed", help="Seed of the query sample."),
    url: str | None = UrlOpt,
    database: str | None = DatabaseOpt,
    project: Path | None = ProjectOpt,
) -> None:
    """Check pgvector end to end, read-only: extension version, dimensions (configured model
    vs column vs rows), the code's distance operators vs index operator classes, recall@k and
    latency of each ANN index measured against exact scans (also filtered, with iterative
    scans), and sizing. Each finding names its figure and the SQL that fixes it.
    Exit 1 when a finding is an error.

    Examples:
      devdb vector doctor
      devdb vector doctor --table documents --target-recall 0.98 --format json
      devdb vector doctor --url postgresql://me@staging-replica/app
    """
    _check_format(fmt)
    if not 0 < target_recall <= 1:
        raise typer.BadParameter("a share between 0 and 1, e.g. 0.95", param_hint="--target-recall")
    if k < 1 or queries < 1:
        raise typer.BadParameter("must be positive", param_hint="-k / --queries")
    from devdb.vector.doctor import DoctorOptions
    from devdb.vector.doctor import doctor as run_doctor
    from devdb.vector.report import format_text

    target = run(lambda: _target(project, url, database))
    facts: ProjectFacts | None = run(lambda: _facts(project, url))
    options = DoctorOptions(
        table=table,
        k=k,
        queries=queries,
        target_recall=target_recall,
        seed=seed,
        filter_column=filter_column,
        measure=not no_measure,
    )
    with progress_steps(fmt == "text") as progress:
        report = run(lambda: run_doctor(target, facts, options, progress))
    if fmt == "json":
        print_json(report.as_dict())
    else:
        out.print(format_text(report), markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(1)


@vector_app.command(
    short_help="Deterministic synthetic embeddings into TABLE.COLUMN (scratch copy)."
)
def fill(
    target_column: str = typer.Argument(..., metavar="TABLE.COLUMN", help="The vector column."),
    rows: int = typer.Option(..., "--rows", "-n", help="Rows to add."),
    dim: int | None = typer.Option(None, "--dim", help="Dimension (default: the column's)."),
    clusters: int = typer.Option(16, "--clusters", help="Clusters the embeddings form."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same vectors."),
    groups: int = typer.Option(
        20, "--groups", help="Distinct values of integer columns (tenant/owner ids)."
    ),
    in_place: bool = typer.Option(
        False, "--in-place", help="Fill the database itself, not a scratch copy (asks)."
    ),
    yes: bool = YesOpt,
    fmt: str = FormatOpt,
    url: str | None = UrlOpt,
    database: str | None = DatabaseOpt,
    project: Path | None = ProjectOpt,
) -> None:
    """Add deterministic synthetic embeddings (clustered, unit length, like a model's) to
    TABLE.COLUMN for sizing work. By default into a scratch copy of the database,
    <db>_vector_scratch (replaced on each fill); --in-place fills the database itself.

    Examples:
      devdb vector fill documents.embedding --rows 100000
      devdb vector doctor --database app_vector_scratch
      devdb vector fill documents.embedding --rows 1000000 --in-place --yes
    """
    _check_format(fmt)
    from devdb.vector.fill import fill as run_fill
    from devdb.vector.target import scratch_clone

    source = run(lambda: _target(project, url, database))
    if in_place:
        confirm_destructive(f"add {rows:,} synthetic rows to {source.database} itself", yes)
        destination = source
    else:
        destination = run(lambda: scratch_clone(source))
    with progress_steps(fmt == "text") as progress:
        result = run(
            lambda: run_fill(
                destination.conninfo(),
                target_column,
                rows,
                dim=dim,
                clusters=clusters,
                seed=seed,
                groups=groups,
                in_place=in_place,
                progress=progress,
            )
        )
    if fmt == "json":
        print_json(result.as_dict())
        return
    out.print(
        f"{result.rows:,} rows into {result.database}: {result.table}.{result.column} "
        f"({result.dim} dims, {result.clusters} clusters, seed {result.seed}) in "
        f"{result.seconds:.1f}s, {result.rows_per_second:,.0f} rows/s",
        markup=False,
    )
    if not in_place:
        err.print(f"[dim]next: devdb vector doctor --database {result.database}[/]")


def register(app: typer.Typer) -> None:
    app.add_typer(vector_app, name="vector")

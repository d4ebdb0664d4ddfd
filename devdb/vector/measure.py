"""Recall and latency of each ANN index, measured against exact scans of the same rows.

Query vectors are stored rows, perturbed (deterministically), so they land where real
queries do. Exact answers come from a sequential scan (index scans off), ANN answers with
sequential scans off; rows are compared by ctid, stable inside the one READ ONLY transaction
the doctor runs in. Settings are changed with SET LOCAL only.
"""

from __future__ import annotations

import json
import math
import random
import re
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from devdb.vector.catalog import VectorColumn, VectorIndex

HNSW_SWEEP = (10, 20, 40, 80, 100, 200, 400, 1000)  # hnsw.ef_search allows 1..1000
IVFFLAT_SWEEP = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
_PLAIN_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_FILTER_TYPES = ("int2", "int4", "int8", "text", "varchar", "uuid", "bool")
_FILTER_NAME_HINT = re.compile(r"(_id$|tenant|owner|user|org|account|group|team|category)")
_PERTURBATION = 0.05  # noise length relative to the vector's length


@dataclass
class SweepPoint:
    value: int
    recall: float
    p50_ms: float


@dataclass
class FilteredRecall:
    filter: str  # e.g. "owner_id = <the query row's value>"
    selectivity: float  # share of rows one filter value keeps (mean over queries)
    recall: float
    rows_returned: float  # mean rows per query (k when nothing is lost)
    iterative_recall: float | None  # with <method>.iterative_scan = relaxed_order
    iterative_rows_returned: float | None
    index_used: bool


@dataclass
class IndexMeasurement:
    index: str
    setting: str  # hnsw.ef_search | ivfflat.probes
    current: int
    k: int
    queries: int
    recall: float
    ann_p50_ms: float
    ann_p95_ms: float
    exact_p50_ms: float
    exact_p95_ms: float
    planner_uses_index: bool  # without any enable_* nudges, for a representative query
    measured_index: str | None  # the index the forced ANN plan used (None: none)
    target_recall: float
    sweep: list[SweepPoint] = field(default_factory=list)
    meets_target_at: int | None = None  # smallest swept setting reaching the target
    filtered: FilteredRecall | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _column_sql(index: VectorIndex) -> str:
    """The indexed column as SQL: a plain name, else the index's own expression text."""
    if _PLAIN_IDENTIFIER.match(index.column) or index.column != index.base_column:
        return index.column
    return '"' + index.column.replace('"', '""') + '"'


def _vector_text(values: list[float]) -> str:
    return "[" + ",".join(f"{v:.7g}" for v in values) + "]"


def _perturbed(text: str, rng: random.Random) -> list[float]:
    values = [float(v) for v in text.strip("[]").split(",")]
    norm = math.hypot(*values) or 1.0
    sigma = _PERTURBATION * norm / math.sqrt(len(values))
    return [v + rng.gauss(0.0, sigma) for v in values]


def perturbed_query(text: str, rng: random.Random) -> str:
    """A stored value's text (vector/halfvec `[…]`, sparsevec `{i:v,…}/dim`), moved a little:
    a sparse vector keeps its non-zero positions, as a real query of that kind would."""
    if not text.startswith("{"):
        return _vector_text(_perturbed(text, rng))
    body, _, dim = text.rpartition("/")
    pairs = [pair.split(":") for pair in body.strip("{}").split(",") if pair]
    if not pairs:
        return text
    moved = _perturbed(_vector_text([float(v) for _, v in pairs]), rng)
    return (
        "{" + ",".join(f"{i}:{v:.7g}" for (i, _), v in zip(pairs, moved, strict=True)) + "}/" + dim
    )


def query_operand(index: VectorIndex, column: VectorColumn, literal: str) -> str:
    """The right side of `ORDER BY <indexed> <op> …` for a query vector: the literal cast to
    the column's type, put through the index's expression when there is one (a halfvec cast,
    binary_quantize, subvector), as the app's query must to use the index."""
    cast = f"{literal}::{column.type_name}"
    expression = index.column
    if index.base_column is None or expression == index.base_column:
        return cast
    bare = re.escape(index.base_column)
    reference = re.compile(rf'"{bare}"|(?<![\w."]){bare}(?![\w"])')
    return reference.sub(lambda _m: f"({cast})", expression)


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    position = min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))
    return round(ordered[position] * 1000, 3)


@dataclass
class _Query:
    vector: str  # a literal: '[…]'
    filter_value: Any


class _Runner:
    def __init__(self, conn: Any, index: VectorIndex, column: VectorColumn, k: int) -> None:
        self.conn = conn
        self.index = index
        self.k = k
        self.column = column
        self.expr = _column_sql(index)

    def statement(self, query: _Query, filter_column: str | None) -> str:
        from psycopg import sql

        conditions: list[sql.Composable] = []
        if self.index.predicate:  # a partial index serves only the rows of its WHERE
            conditions.append(sql.SQL("({})").format(sql.SQL(self.index.predicate)))
        if filter_column is not None:
            conditions.append(
                sql.SQL("{} = {}").format(
                    sql.Identifier(filter_column), sql.Literal(query.filter_value)
                )
            )
        where = (
            sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("")
        )
        literal = sql.Literal(query.vector).as_string(self.conn)
        statement = sql.SQL("SELECT ctid::text FROM {}{} ORDER BY {} {} {} LIMIT {}").format(
            sql.SQL(self.index.table),
            where,
            sql.SQL(self.expr),
            sql.SQL(self.index.operator or "<->"),
            sql.SQL(query_operand(self.index, self.column, literal)),
            sql.Literal(self.k),
        )
        return statement.as_string(self.conn)

    def set_local(self, name: str, value: str | int) -> None:
        self.conn.execute(f"SET LOCAL {name} = {value}")

    def mode(self, exact: bool) -> None:
        self.set_local("enable_indexscan", "off" if exact else "on")
        self.set_local("enable_bitmapscan", "off")
        self.set_local("enable_seqscan", "on" if exact else "off")

    def run(
        self, queries: list[_Query], filter_column: str | None = None
    ) -> tuple[list[set[str]], list[float]]:
        results: list[set[str]] = []
        timings: list[float] = []
        for query in queries:
            statement = self.statement(query, filter_column)
            started = time.perf_counter()
            rows = self.conn.execute(statement).fetchall()
            timings.append(time.perf_counter() - started)
            results.append({r[0] for r in rows})
        return results, timings

    def index_in_plan(self, query: _Query, filter_column: str | None = None) -> str | None:
        plan = self.conn.execute("EXPLAIN (FORMAT JSON) " + self.statement(query, filter_column))
        names = re.findall(r'"Index Name": "([^"]+)"', json.dumps(plan.fetchone()[0]))
        return names[0] if names else None


def _recall(found: list[set[str]], exact: list[set[str]]) -> float:
    shares = [len(f & e) / len(e) for f, e in zip(found, exact, strict=True) if e]
    return round(statistics.fmean(shares), 4) if shares else 1.0


def _bare_name(name: str) -> str:
    return name.rsplit(".", 1)[-1].strip('"')


def pick_filter_column(conn: Any, table: str, vector_column: str) -> str | None:
    """A column the app plausibly filters on (tenant/owner-like, 2..1000 values in a sample)."""
    from psycopg import sql

    candidates = conn.execute(
        "SELECT a.attname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped "
        "AND t.typname = ANY(%s) AND a.attname <> %s ORDER BY a.attnum",
        (table, list(_FILTER_TYPES), vector_column),
    ).fetchall()
    scored: list[tuple[int, int, str]] = []
    for position, (name,) in enumerate(candidates):
        distinct = conn.execute(
            sql.SQL("SELECT count(DISTINCT v) FROM (SELECT {} AS v FROM {} LIMIT 2000) s").format(
                sql.Identifier(name), sql.SQL(table)
            )
        ).fetchone()[0]
        if 2 <= distinct <= 1000:
            scored.append((0 if _FILTER_NAME_HINT.search(name) else 1, position, name))
    return min(scored)[2] if scored else None


def sample_queries(
    conn: Any, column: VectorColumn, count: int, seed: int, filter_column: str | None
) -> list[_Query]:
    from psycopg import sql

    if column.non_null == 0:
        return []
    percent = min(100.0, 100.0 * count * 4 / column.non_null)
    rows = conn.execute(
        sql.SQL(
            "SELECT {}::text, {} FROM {} TABLESAMPLE BERNOULLI ({}) REPEATABLE ({}) "
            "WHERE {} IS NOT NULL LIMIT {}"
        ).format(
            sql.Identifier(column.column),
            sql.Identifier(filter_column) if filter_column else sql.SQL("NULL"),
            sql.SQL(column.table),
            sql.Literal(percent),
            sql.Literal(seed),
            sql.Identifier(column.column),
            sql.Literal(count),
        )
    ).fetchall()
    rng = random.Random(seed)
    return [_Query(perturbed_query(text, rng), value) for text, value in rows]


def measure_index(
    conn: Any,
    index: VectorIndex,
    column: VectorColumn,
    current: int,
    *,
    k: int = 10,
    queries: int = 20,
    target_recall: float = 0.95,
    seed: int = 0,
    filter_column: str | None = None,
    iterative_scans: bool = True,
) -> IndexMeasurement | None:
    """None when there is nothing to measure (no rows, unknown operator). Runs inside the
    caller's transaction; leaves settings as they were (SET LOCAL, reset)."""
    if index.operator is None or column.non_null == 0:
        return None
    setting = "hnsw.ef_search" if index.method == "hnsw" else "ivfflat.probes"
    runner = _Runner(conn, index, column, k)
    sample = sample_queries(conn, column, queries, seed, filter_column)
    if not sample:
        return None
    conn.execute("SAVEPOINT devdb_measure")
    try:
        planner_index = runner.index_in_plan(sample[0])
        runner.mode(exact=True)
        exact, exact_times = runner.run(sample)
        runner.mode(exact=False)
        measured_index = runner.index_in_plan(sample[0])
        runner.set_local(setting, current)
        found, ann_times = runner.run(sample)
        result = IndexMeasurement(
            index=index.name,
            setting=setting,
            current=current,
            k=k,
            queries=len(sample),
            recall=_recall(found, exact),
            ann_p50_ms=_percentile(ann_times, 0.5),
            ann_p95_ms=_percentile(ann_times, 0.95),
            exact_p50_ms=_percentile(exact_times, 0.5),
            exact_p95_ms=_percentile(exact_times, 0.95),
            planner_uses_index=planner_index is not None
            and _bare_name(planner_index) == _bare_name(index.name),
            measured_index=measured_index,
            target_recall=target_recall,
        )
        if measured_index is None or _bare_name(measured_index) != _bare_name(index.name):
            return result  # another index answers these queries: its own measurement counts
        _sweep(runner, result, sample, exact, setting, index)
        if filter_column is not None:
            result.filtered = _filtered(
                runner, sample, filter_column, setting, current, iterative_scans
            )
        return result
    finally:
        conn.execute("ROLLBACK TO SAVEPOINT devdb_measure")


def _sweep(
    runner: _Runner,
    result: IndexMeasurement,
    sample: list[_Query],
    exact: list[set[str]],
    setting: str,
    index: VectorIndex,
) -> None:
    if setting == "hnsw.ef_search":
        values = sorted({result.current, *(v for v in HNSW_SWEEP if v >= result.k)})
    else:
        lists = index.params.get("lists", 100)
        values = sorted({result.current, *(v for v in IVFFLAT_SWEEP if v <= lists), lists})
    for value in values:
        if value == result.current:
            point = SweepPoint(value, result.recall, result.ann_p50_ms)
        else:
            runner.set_local(setting, value)
            found, times = runner.run(sample)
            point = SweepPoint(value, _recall(found, exact), _percentile(times, 0.5))
        result.sweep.append(point)
        if point.recall >= result.target_recall:
            result.meets_target_at = value
            break
    runner.set_local(setting, result.current)


def _filtered(
    runner: _Runner,
    sample: list[_Query],
    filter_column: str,
    setting: str,
    current: int,
    iterative_scans: bool,
) -> FilteredRecall:
    conn = runner.conn
    from psycopg import sql

    rows = conn.execute(
        sql.SQL("SELECT count(*) FROM {}").format(sql.SQL(runner.index.table))
    ).fetchone()[0]
    kept = []
    for query in sample:
        matched = conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE {} = {}").format(
                sql.SQL(runner.index.table),
                sql.Identifier(filter_column),
                sql.Literal(query.filter_value),
            )
        ).fetchone()[0]
        kept.append(matched / rows if rows else 0.0)
    runner.mode(exact=True)
    exact, _ = runner.run(sample, filter_column)
    runner.mode(exact=False)
    runner.set_local(setting, current)
    used = runner.index_in_plan(sample[0], filter_column)
    found, _ = runner.run(sample, filter_column)
    result = FilteredRecall(
        filter=f"{filter_column} = <the query row's value>",
        selectivity=round(statistics.fmean(kept), 4),
        recall=_recall(found, exact),
        rows_returned=round(statistics.fmean(len(f) for f in found), 2),
        iterative_recall=None,
        iterative_rows_returned=None,
        index_used=used is not None and _bare_name(used) == _bare_name(runner.index.name),
    )
    if iterative_scans:
        method = runner.index.method
        runner.set_local(f"{method}.iterative_scan", "relaxed_order")
        found, _ = runner.run(sample, filter_column)
        result.iterative_recall = _recall(found, exact)
        result.iterative_rows_returned = round(statistics.fmean(len(f) for f in found), 2)
        runner.set_local(f"{method}.iterative_scan", "off")
    return result

"""`devdb vector fill`: synthetic embeddings COPYed (binary) into TABLE.COLUMN.

Other columns: those with a default (identity, serial, now()) are left to it. Without one,
integer columns get deterministic values independent of the clusters, as permission or
tenant ids are: `groups` equally likely values, or keys of the table a foreign key references;
NOT NULL text columns get "synthetic <n>"; a NOT NULL column of another type stops the fill
before anything is written.
"""

from __future__ import annotations

import itertools
import random
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from devdb.errors import DevdbError, first_line
from devdb.vector.embeddings import EmbeddingGenerator

_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)
_BATCH = 2000  # rows per write: big enough to amortise the call, small enough to overlap
_TEXT_WIDTH = 20
_INT_FORMATS = {"int2": "h", "int4": "i", "int8": "q"}
_INT_SIZES = {"h": 2, "i": 4, "q": 8}
_TEXT_TYPES = {"text", "varchar", "bpchar"}


@dataclass
class FillResult:
    database: str
    table: str
    column: str
    rows: int
    dim: int
    clusters: int
    seed: int
    seconds: float
    rows_per_second: float
    generated_columns: list[str]
    in_place: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Column:
    name: str
    type_name: str
    typmod: int
    not_null: bool
    has_default: bool
    references: str | None = None  # "table(column)" of a one-column foreign key


def split_target(spec: str) -> tuple[str, str]:
    """'schema.table.column' or 'table.column' → (table as written, column)."""
    table, dot, column = spec.rpartition(".")
    if not dot or not table or not column:
        raise DevdbError(
            f"{spec!r} is not TABLE.COLUMN", "name the vector column: documents.embedding"
        )
    return table, column


def _columns(conn: Any, table: str) -> tuple[str, list[_Column]]:
    row = conn.execute("SELECT to_regclass(%s)::oid, to_regclass(%s)::text", (table, table))
    oid, qualified = row.fetchone()
    if oid is None:
        raise DevdbError(f"no table {table!r} in this database", "check the name (schema.table)")
    rows = conn.execute(
        "SELECT a.attname, t.typname, a.atttypmod, a.attnotnull,"
        "  a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '',"
        "  (SELECT format('%%s(%%I)', fk.confrelid::regclass, ra.attname) FROM pg_constraint fk"
        "   JOIN pg_attribute ra ON ra.attrelid = fk.confrelid AND ra.attnum = fk.confkey[1]"
        "   WHERE fk.conrelid = a.attrelid AND fk.contype = 'f' AND fk.conkey = ARRAY[a.attnum]"
        "   LIMIT 1) "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (oid,),
    ).fetchall()
    return qualified, [_Column(*r) for r in rows]


def _plan(
    columns: list[_Column], column: str, dim: int | None, table: str
) -> tuple[_Column, int, list[_Column]]:
    """(the vector column, its dimension, the other columns fill writes)."""
    by_name = {c.name: c for c in columns}
    target = by_name.get(column)
    if target is None:
        raise DevdbError(f"{table} has no column {column!r}", f"columns: {', '.join(by_name)}")
    if target.type_name not in ("vector", "halfvec"):
        raise DevdbError(
            f"{table}.{column} is {target.type_name}, not vector or halfvec",
            "fill writes dense embeddings (vector, halfvec)",
        )
    declared = target.typmod if target.typmod > 0 else None
    if dim is not None and declared is not None and dim != declared:
        raise DevdbError(
            f"--dim {dim} but {table}.{column} is {target.type_name}({declared})",
            f"leave out --dim, or use --dim {declared}",
        )
    chosen = dim or declared
    if chosen is None:
        raise DevdbError(
            f"{table}.{column} has no declared dimension", "pass --dim, e.g. --dim 384"
        )
    others: list[_Column] = []
    for col in columns:
        if col.name == column or col.has_default:
            continue
        writable = col.type_name in _INT_FORMATS or (
            col.type_name in _TEXT_TYPES and col.references is None and col.not_null
        )
        if writable:
            others.append(col)
        elif col.not_null:
            raise DevdbError(
                f"{table}.{col.name} ({col.type_name}) is NOT NULL without a default",
                "fill writes integer columns (foreign keys too) and text columns; "
                "give it a default first",
            )
    return target, chosen, others


def _choices(conn: Any, col: _Column, groups: int) -> list[int] | None:
    """The values an integer column draws from: 1..groups, or keys of the referenced table."""
    if col.type_name not in _INT_FORMATS:
        return None
    if col.references is None:
        return list(range(1, groups + 1))
    referenced_table, _, referenced = col.references.rpartition("(")
    from psycopg import sql

    keys = [
        r[0]
        for r in conn.execute(
            sql.SQL("SELECT DISTINCT {} FROM {} WHERE {} IS NOT NULL ORDER BY 1 LIMIT {}").format(
                sql.SQL(referenced.rstrip(")")),
                sql.SQL(referenced_table),
                sql.SQL(referenced.rstrip(")")),
                sql.Literal(groups),
            )
        )
    ]
    if not keys and col.not_null:
        raise DevdbError(
            f"{col.name} references {col.references}, which has no rows",
            f"seed {referenced_table} first (devdb seed), or fill it too",
        )
    return keys or None


def _row_packer(vector_type: str, dim: int, others: list[_Column]) -> struct.Struct:
    fmt = f">hiHH{dim}{'e' if vector_type == 'halfvec' else 'f'}"
    for col in others:
        kind = _INT_FORMATS.get(col.type_name)
        fmt += f"i{kind}" if kind else f"i{_TEXT_WIDTH}s"
    return struct.Struct(fmt)


def _encoded_rows(
    rows: int,
    dim: int,
    clusters: int,
    seed: int,
    vector_type: str,
    others: list[_Column],
    choices: list[list[int] | None],
) -> Iterator[bytes]:
    generator = EmbeddingGenerator(dim, clusters, seed)
    value_rng = random.Random(seed + 1)
    packer = _row_packer(vector_type, dim, others).pack
    vector_len = 4 + dim * (2 if vector_type == "halfvec" else 4)
    fields = 1 + len(others)
    lengths = [
        _INT_SIZES[_INT_FORMATS[c.type_name]] if c.type_name in _INT_FORMATS else _TEXT_WIDTH
        for c in others
    ]
    batch: list[bytes] = []
    if not others:
        packed = generator.packed(rows, packer, fields, vector_len, dim, 0)
        while chunk := b"".join(itertools.islice(packed, _BATCH)):
            yield chunk
        return
    for number, (_, vector) in enumerate(generator.rows(rows), start=1):
        extra: list[Any] = []
        for length, values in zip(lengths, choices, strict=True):
            extra.append(length)
            if values is None:
                extra.append(f"synthetic {number:010d}".encode())
            else:
                extra.append(values[int(value_rng.random() * len(values))])
        batch.append(packer(fields, vector_len, dim, 0, *vector, *extra))
        if len(batch) == _BATCH:
            yield b"".join(batch)
            batch = []
    if batch:
        yield b"".join(batch)


def fill(
    conninfo: str,
    spec: str,
    rows: int,
    *,
    dim: int | None = None,
    clusters: int = 16,
    seed: int = 0,
    groups: int = 20,
    in_place: bool = False,
    progress: Callable[[str], None] = lambda _m: None,
) -> FillResult:
    """Append `rows` synthetic rows to the table of `spec` (TABLE.COLUMN) and ANALYZE it."""
    import psycopg
    from psycopg import sql
    from psycopg.copy import QueuedLibpqWriter

    if rows < 1 or clusters < 1 or groups < 1:
        raise DevdbError("--rows, --clusters and --groups must be positive", "e.g. --rows 100000")
    table, column = split_target(spec)
    started = time.perf_counter()
    try:
        with psycopg.connect(conninfo, connect_timeout=10) as conn:
            qualified, columns = _columns(conn, table)
            target, chosen_dim, others = _plan(columns, column, dim, table)
            choices = [_choices(conn, c, groups) for c in others]
            # a nullable foreign key whose table is empty stays NULL
            kept = [
                (c, v)
                for c, v in zip(others, choices, strict=True)
                if v or c.type_name in _TEXT_TYPES
            ]
            others, choices = [c for c, _ in kept], [v for _, v in kept]
            names = [target.name, *(c.name for c in others)]
            copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
                sql.SQL(qualified), sql.SQL(", ").join(map(sql.Identifier, names))
            )
            progress(f"filling {qualified}.{column}: {rows:,} rows x {chosen_dim} dims")
            with conn.cursor() as cur, cur.copy(copy_sql, writer=QueuedLibpqWriter(cur)) as copy:
                copy.write(_SIGNATURE)
                for chunk in _encoded_rows(
                    rows, chosen_dim, clusters, seed, target.type_name, others, choices
                ):
                    copy.write(chunk)
                copy.write(_TRAILER)
            conn.commit()
            seconds = time.perf_counter() - started
            progress(f"analyzing {qualified}")
            conn.execute(sql.SQL("ANALYZE {}").format(sql.SQL(qualified)))
            conn.commit()
            database = conn.info.dbname
    except psycopg.Error as exc:
        raise DevdbError(f"fill failed: {first_line(exc)}", "nothing was written") from None
    return FillResult(
        database=database,
        table=qualified,
        column=column,
        rows=rows,
        dim=chosen_dim,
        clusters=clusters,
        seed=seed,
        seconds=round(seconds, 3),
        rows_per_second=round(rows / seconds) if seconds > 0 else float(rows),
        generated_columns=[c.name for c in others],
        in_place=in_place,
    )

"""Synthetic rows at size: every user table of a database filled in foreign-key order.

Deterministic (same seed, same catalog: same rows), COPYed in binary. What it respects:
column types, NOT NULL (NULL on every 4th row of a nullable column), unique and primary keys
(sequential or mixed-radix values), single-column foreign keys (keys of the referenced table),
CHECK constraints of the shapes `col IN (…)`, `col >= n`/`col > n`, enum labels, JSON, and
vector dimensions. Columns with a default (identity, serial, now()) are left to it.

Longer than most modules: the catalog read, the per-column plan and the COPY share the
Table, Keys and Plan types; the binary value encoders live in encoders.py.
"""

from __future__ import annotations

import json
import re
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from devdb.errors import DevdbError, first_line
from devdb.progress import Progress, silent
from devdb.rehearse import encoders as enc
from devdb.server.bookkeeping import SCHEMA as META_SCHEMA

VectorSource = Callable[[int, int], Iterator[list[float]]]  # (dim, seed) -> unit vectors

STATS_SQL = (
    "SELECT coalesce(json_object_agg(format('%I.%I', n.nspname, c.relname), "
    "c.reltuples::bigint), '{}') "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND c.reltuples >= 0"
)
DEFAULT_ROWS = 1000
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)
_NULL = struct.pack(">i", -1)
_BATCH = 4000
_SKIPPED_TABLES = ("alembic_version",)


@dataclass
class Column:
    name: str
    type_name: str
    kind: str  # pg_type.typtype of the column's type: b base, e enum, d domain …
    typmod: int
    not_null: bool
    has_default: bool
    enum_labels: list[str] = field(default_factory=list)


@dataclass
class Table:
    oid: int
    name: str  # schema.table, quoted as needed
    columns: list[Column]
    references: dict[str, tuple[int, str]] = field(default_factory=dict)  # col -> (oid, col)
    unique: list[list[str]] = field(default_factory=list)
    checks: list[tuple[str, str]] = field(default_factory=list)  # (name, definition)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass
class TableFill:
    table: str
    rows: int
    seconds: float
    rows_per_second: float
    columns: list[str]


@dataclass
class SynthResult:
    database: str
    seed: int
    tables: list[TableFill]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows": self.rows}


# -- row counts -----------------------------------------------------------------------------
def parse_rows(spec: str) -> dict[str, int]:
    """'documents=2_000_000,users=50k' -> {'documents': 2000000, 'users': 50000}."""
    counts: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, eq, number = part.partition("=")
        if not eq or not name.strip():
            raise DevdbError(
                f"--rows: {part!r} is not TABLE=N", "e.g. --rows documents=100000,users=5000"
            )
        counts[name.strip()] = parse_count(number, f"--rows {name.strip()}")
    return counts


def parse_count(text: str, what: str) -> int:
    cleaned = text.strip().replace("_", "").lower()
    factor = 1
    for suffix, multiplier in (("k", 1000), ("m", 1_000_000)):
        if cleaned.endswith(suffix):
            cleaned, factor = cleaned[: -len(suffix)], multiplier
    try:
        value = int(float(cleaned) * factor) if "." in cleaned else int(cleaned) * factor
    except ValueError:
        raise DevdbError(
            f"{what}: {text.strip()!r} is not a row count", "e.g. 100000, 100_000 or 100k"
        ) from None
    if value < 0:
        raise DevdbError(f"{what}: a row count cannot be negative", "use 0 to leave a table empty")
    return value


def read_stats(path: Path) -> dict[str, int]:
    """Row counts from a production export: a JSON object {"schema.table": reltuples, …}
    (the output of STATS_SQL) or a list of {"table": …, "reltuples": …}."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DevdbError(
            f"cannot read {path}: {exc.strerror}", "export it with the SQL in the README (Rehearse)"
        ) from None
    except ValueError as exc:
        raise DevdbError(
            f"{path} is not JSON: {first_line(exc)}",
            "export it with the SQL in the README (Rehearse)",
        ) from None
    if isinstance(data, list):
        try:
            data = {str(item["table"]): item["reltuples"] for item in data}
        except (TypeError, KeyError):
            raise DevdbError(
                f"{path}: each item needs 'table' and 'reltuples'",
                "or give one object {table: rows}",
            ) from None
    if not isinstance(data, dict):
        raise DevdbError(
            f"{path}: expected an object of table: row count", '{"public.documents": 2000000}'
        )
    counts: dict[str, int] = {}
    for name, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DevdbError(f"{path}: {name}: {value!r} is not a number", "row counts are numbers")
        if value >= 0:  # -1: never analysed, no estimate
            counts[str(name)] = int(value)
    return counts


def resolve_counts(
    tables: list[Table], rows: dict[str, int], scale: int | None, stats: dict[str, int] | None
) -> dict[str, int]:
    """Rows per table: --rows wins over --stats, --scale (or DEFAULT_ROWS) covers the rest."""
    by_name: dict[str, str] = {}
    for table in tables:
        by_name[table.name] = table.name
        bare = table.name.split(".", 1)[1] if table.name.startswith("public.") else table.name
        by_name.setdefault(bare, table.name)
        by_name.setdefault(bare.strip('"'), table.name)
    chosen: dict[str, int] = {}
    for source in (stats or {}, rows):
        for name, count in source.items():
            target = by_name.get(name) or by_name.get(name.removeprefix("public."))
            if target is None:
                if source is rows:
                    known = ", ".join(sorted(t.name for t in tables)) or "none"
                    raise DevdbError(
                        f"--rows names {name!r}, which is not a table here", f"tables: {known}"
                    )
                continue  # a production table the copy does not have (yet)
            chosen[target] = count
    fallback = DEFAULT_ROWS if scale is None else scale
    return {t.name: chosen.get(t.name, fallback) for t in tables}


# -- catalog --------------------------------------------------------------------------------
def read_catalog(conn: Any) -> list[Table]:
    skipped = ("pg_catalog", "information_schema", "pg_toast", META_SCHEMA)
    tables = {
        oid: Table(oid, name, [])
        for oid, name in conn.execute(
            "SELECT c.oid, CASE WHEN n.nspname = 'public' THEN format('%%I', c.relname) "
            "ELSE format('%%I.%%I', n.nspname, c.relname) END "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
            "AND n.nspname <> ALL(%s) AND n.nspname NOT LIKE 'pg\\_%%' AND c.relname <> ALL(%s) "
            "ORDER BY 2",
            (list(skipped), list(_SKIPPED_TABLES)),
        )
    }
    if not tables:
        return []
    oids = list(tables)
    labels: dict[int, list[str]] = {
        typ: list(names)
        for typ, names in conn.execute(
            "SELECT enumtypid, array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum GROUP BY 1"
        )
    }
    for relid, name, type_name, kind, typmod, not_null, has_default, type_oid in conn.execute(
        "SELECT a.attrelid, a.attname, coalesce(b.typname, t.typname), coalesce(b.typtype, t.typtype),"
        " CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END,"
        " a.attnotnull OR (t.typtype = 'd' AND t.typnotnull),"
        " a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '' OR t.typdefault IS NOT NULL,"
        " coalesce(b.oid, t.oid) "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype "
        "WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum",
        (oids,),
    ):
        tables[relid].columns.append(
            Column(name, type_name, kind, typmod, not_null, has_default, labels.get(type_oid, []))
        )
    for relid, contype, columns, ref_oid, ref_columns, name, definition in conn.execute(
        "SELECT c.conrelid, c.contype,"
        " (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)"
        "   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),"
        " c.confrelid,"
        " (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)"
        "   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n),"
        " c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c WHERE c.conrelid = ANY(%s) AND c.contype IN ('p', 'u', 'f', 'c')",
        (oids,),
    ):
        table = tables[relid]
        if contype == "f" and len(columns) == 1 and ref_oid in tables:
            table.references[columns[0]] = (ref_oid, ref_columns[0])
        elif contype in ("p", "u"):
            table.unique.append(list(columns))
        elif contype == "c":
            table.checks.append((name, definition))
    for relid, columns in conn.execute(  # unique indexes that are not constraints
        "SELECT i.indrelid, (SELECT array_agg(a.attname::text) FROM unnest(i.indkey) k(n)"
        "  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n) "
        "FROM pg_index i WHERE i.indrelid = ANY(%s) AND i.indisunique AND i.indexprs IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        (oids,),
    ):
        if columns:
            tables[relid].unique.append(list(columns))
    return fk_order(list(tables.values()))


def fk_order(tables: list[Table]) -> list[Table]:
    """Referenced tables first; a cycle is broken at its nullable foreign keys (left NULL)."""
    by_oid = {t.oid: t for t in tables}
    ordered: list[Table] = []
    placed: set[int] = set()
    remaining = list(tables)
    while remaining:
        ready = [
            t
            for t in remaining
            if all(ref in placed or ref == t.oid for ref, _ in t.references.values())
        ]
        if not ready:  # a cycle: drop the nullable references of the first table that has one
            for table in remaining:
                loose = [
                    c
                    for c, (ref, _) in table.references.items()
                    if ref not in placed and not table.column(c).not_null
                ]
                if loose:
                    for col in loose:
                        del table.references[col]
                    break
            else:
                names = ", ".join(t.name for t in remaining)
                raise DevdbError(
                    f"foreign keys form a NOT NULL cycle between {names}",
                    "give those tables --rows …=0, or make one reference nullable",
                )
            continue
        for table in ready:
            ordered.append(table)
            placed.add(table.oid)
            remaining.remove(table)
    del by_oid
    return ordered


# -- planning -------------------------------------------------------------------------------
_IN_LIST = re.compile(
    r"^CHECK \(\(?\(?(\w+)\)?(?:::\w+)? = ANY \(+ARRAY\[(.*)\]\)+(?:::\w+\[\])?\)+$"
)
_LITERAL = re.compile(r"'((?:[^']|'')*)'(?:::[\w ]+)?")
_LOWER = re.compile(r"^CHECK \(\((\w+) (>=|>) \(?(-?\d+)\)?\)\)$")


def check_domains(checks: list[tuple[str, str]]) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Allowed values ({col: [labels]}) and lower bounds ({col: min}) the CHECKs spell out."""
    choices: dict[str, list[str]] = {}
    lows: dict[str, int] = {}
    for _, definition in checks:
        match = _IN_LIST.match(definition)
        if match:
            choices[match.group(1)] = [
                m.replace("''", "'") for m in _LITERAL.findall(match.group(2))
            ]
            continue
        match = _LOWER.match(definition)
        if match:
            bound = int(match.group(3)) + (1 if match.group(2) == ">" else 0)
            lows[match.group(1)] = max(lows.get(match.group(1), bound), bound)
    return choices, lows


@dataclass
class Keys:
    """The values a foreign key may take: a contiguous range or an explicit list."""

    low: int = 0
    count: int = 0
    values: list[Any] | None = None

    def __len__(self) -> int:
        return len(self.values) if self.values is not None else self.count

    def __getitem__(self, index: int) -> Any:
        return self.values[index] if self.values is not None else self.low + index


def referenced_keys(conn: Any, table: Table, column: str) -> Keys:
    from psycopg import sql

    col = sql.Identifier(column)
    name = sql.SQL(table.name)
    row = conn.execute(
        sql.SQL("SELECT min({c}), max({c}), count({c}), pg_typeof(min({c}))::text FROM {t}").format(
            c=col, t=name
        )
    ).fetchone()
    low, high, count, type_name = row
    if count == 0:
        return Keys()
    if type_name in ("smallint", "integer", "bigint") and high - low + 1 == count:
        return Keys(low=low, count=count)
    values = [
        r[0]
        for r in conn.execute(
            sql.SQL("SELECT DISTINCT {c} FROM {t} ORDER BY 1").format(c=col, t=name)
        )
    ]
    return Keys(values=values)


@dataclass
class Plan:
    columns: list[Column]
    generators: list[enc.Generator]
    encoders: list[enc.Encoder]
    rows: int
    note: str = ""


def _type_generator(column: Column, seed: int, unique: bool, start: int) -> enc.Generator:
    t = column.type_name
    if column.kind == "e" and column.enum_labels:
        return enc.choice_values(column.enum_labels, seed)
    if t in enc.INTEGER_TYPES:
        if unique:
            return enc.sequential_integers(start)
        return enc.integer_values(seed, 1, min(enc.INTEGER_TYPES[t][1], 1_000_000))
    if t in enc.TEXT_TYPES:
        width = column.typmod - 4 if column.typmod > 4 else None
        return enc.text_values(column.name.replace("_", " "), seed, width, unique)
    simple: dict[str, Callable[[int], enc.Generator]] = {
        "float4": enc.float_values,
        "float8": enc.float_values,
        "bool": enc.bool_values,
        "uuid": enc.uuid_values,
        "timestamptz": enc.timestamp_values,
        "timestamp": lambda s: enc.timestamp_values(s, aware=False),
        "date": enc.date_values,
        "json": enc.json_values,
        "jsonb": enc.json_values,
        "bytea": enc.bytea_values,
    }
    if t == "numeric":
        scale = ((column.typmod - 4) & 0xFFFF) if column.typmod > 4 else 2
        precision = ((column.typmod - 4) >> 16) if column.typmod > 4 else 12
        return _bounded_numeric(enc.numeric_values(seed, scale), 10 ** max(precision - scale, 1))
    return simple[t](seed)


def plan_table(
    conn: Any,
    table: Table,
    rows: int,
    seed: int,
    vectors: VectorSource,
    keys_of: Callable[[int, str], Keys],
    vector_rows: int | None = None,
) -> Plan:
    from psycopg import sql

    choices, lows = check_domains(table.checks)
    written = [c for c in table.columns if not c.has_default]
    unsupported = [c for c in written if not enc.supported(c.type_name) and c.kind != "e"]
    for column in unsupported:
        if column.not_null:
            raise DevdbError(
                f"{table.name}.{column.name} is {column.type_name} NOT NULL without a default, "
                "a type the generator does not write",
                f"give it a default, or leave {table.name} empty (--rows {table.name}=0)",
            )
    written = [c for c in written if c not in unsupported]
    existing = conn.execute(
        sql.SQL("SELECT count(*) FROM {}").format(sql.SQL(table.name))
    ).fetchone()[0]
    first = existing + 1
    domains: dict[str, Keys] = {}
    for column in written:
        if column.name in table.references:
            ref_oid, ref_col = table.references[column.name]
            domains[column.name] = keys_of(ref_oid, ref_col)
        elif column.name in choices:
            domains[column.name] = Keys(values=choices[column.name])
    generators: dict[str, enc.Generator] = {}
    note = ""
    written_names = {c.name for c in written}
    for group in table.unique:
        if not set(group) <= written_names or any(name in generators for name in group):
            continue  # a default (identity) makes it unique already, or planned
        open_ended = [
            n for n in group if n not in domains and table.column(n).type_name not in ("bool",)
        ]
        if open_ended:  # one sequential column makes the whole key unique
            lead = open_ended[0]
            generators[lead] = _unique_generator(conn, table, table.column(lead), seed, first)
            continue
        radix = [len(domains[n]) for n in group]
        capacity = 1
        for size in radix:
            capacity *= size
        if capacity < rows:
            note = f"{rows:,} rows asked, {capacity:,} distinct ({', '.join(group)}) possible"
            rows = capacity
        for position, name in enumerate(group):
            divisor = 1
            for size in radix[:position]:
                divisor *= size
            keys, size = domains[name], radix[position]
            generators[name] = _radix_digit(keys, divisor, size, first)
    encoders: list[enc.Encoder] = []
    ordered: list[enc.Generator] = []
    for index, column in enumerate(written):
        column_seed = seed * 1009 + index * 7919 + zlib.crc32(table.name.encode())
        generator = generators.get(column.name)
        if column.type_name in ("vector", "halfvec"):
            if column.typmod <= 0:
                raise DevdbError(
                    f"{table.name}.{column.name} has no dimension", "declare vector(n)"
                )
            generator = _vector_generator(
                vectors(column.typmod, column_seed), vector_rows, column.not_null, first
            )
            encoders.append(enc.vector_encoder(column.typmod, column.type_name == "halfvec"))
            ordered.append(generator)
            continue
        if generator is None:
            if column.name in domains:
                keys = domains[column.name]
                if len(keys) == 0:
                    if column.not_null and rows:
                        raise DevdbError(
                            f"{table.name}.{column.name} must reference a row, and the referenced table is empty",
                            "give the referenced table rows too (--rows)",
                        )
                    generator = lambda n: None  # noqa: E731
                else:
                    generator = (
                        enc.choice_values(
                            [keys[i] for i in range(min(len(keys), 1 << 20))], column_seed
                        )
                        if keys.values is not None
                        else _range_choice(keys, column_seed)
                    )
            else:
                generator = _type_generator(column, column_seed, False, first)
                low = lows.get(column.name)
                if low is not None and column.type_name in enc.INTEGER_TYPES:
                    generator = enc.integer_values(column_seed, low, low + 1_000_000)
        if not column.not_null and column.name not in generators:
            generator = enc.nullable(generator)
        encoders.append(enc.ENCODERS.get(column.type_name, enc.encode_text))
        ordered.append(generator)
    return Plan(written, ordered, encoders, rows, note)


def _bounded_numeric(values: enc.Generator, modulus: int) -> enc.Generator:
    return lambda n: values(n) % modulus


def _radix_digit(keys: Keys, divisor: int, size: int, first: int) -> enc.Generator:
    """One column of a composite unique key: digit ((n - first) // divisor) % size."""
    return lambda n: keys[((n - first) // divisor) % size]


def _range_choice(keys: Keys, seed: int) -> enc.Generator:
    low, count, mix = keys.low, keys.count, enc.mix
    return lambda n: low + mix(n, seed) % count


def _unique_generator(
    conn: Any, table: Table, column: Column, seed: int, first: int
) -> enc.Generator:
    from psycopg import sql

    if column.type_name in enc.INTEGER_TYPES:
        top = conn.execute(
            sql.SQL("SELECT coalesce(max({}), 0) FROM {}").format(
                sql.Identifier(column.name), sql.SQL(table.name)
            )
        ).fetchone()[0]
        return enc.sequential_integers(int(top) + 1 - first)
    if column.type_name in enc.TEXT_TYPES:
        width = column.typmod - 4 if column.typmod > 4 else None
        return enc.text_values(
            f"{column.name.replace('_', ' ')} synthetic", seed, width, unique=True
        )
    if column.type_name == "uuid":
        return enc.uuid_values(seed)
    raise DevdbError(
        f"{table.name}.{column.name} ({column.type_name}) is unique and the generator cannot make "
        "unique values of that type",
        f"leave {table.name} empty (--rows {table.name}=0) or give the column a default",
    )


def _vector_generator(
    source: Iterator[list[float]], limit: int | None, not_null: bool, first: int
) -> enc.Generator:
    if limit is None or not_null:
        return lambda n: next(source)
    return lambda n: next(source) if n - first < limit else None


# -- the fill -------------------------------------------------------------------------------
def encoded_rows(plan: Plan, first: int) -> Iterator[bytes]:
    """COPY BINARY tuples of `plan`, in chunks of _BATCH rows."""
    header = struct.pack(">h", len(plan.columns))
    length = struct.Struct(">i").pack
    null = _NULL
    pairs = list(zip(plan.generators, plan.encoders, strict=True))
    end = first + plan.rows
    for start in range(first, end, _BATCH):
        parts: list[bytes] = []
        append = parts.append
        for n in range(start, min(start + _BATCH, end)):
            append(header)
            for generate, encode in pairs:
                value = generate(n)
                if value is None:
                    append(null)
                else:
                    data = encode(value)
                    append(length(len(data)))
                    append(data)
        yield b"".join(parts)


def copy_rows(conn: Any, table: Table, plan: Plan, first: int, *, staged: bool = False) -> int:
    """COPY the plan's rows into the table; returns the rows added. `staged` (a table that
    already has rows, whose unique keys the generator cannot know): COPY into a temporary
    table, then INSERT … ON CONFLICT DO NOTHING, so rows that would collide are skipped."""
    from psycopg import sql
    from psycopg.copy import QueuedLibpqWriter

    names = sql.SQL(", ").join(sql.Identifier(c.name) for c in plan.columns)
    target: sql.Composable = sql.SQL(table.name)
    if staged:
        stage = sql.Identifier("_devdb_synth_stage")
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(stage))
        conn.execute(
            sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
                stage, names, target
            )
        )
        target = stage
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(target, names)
    with conn.cursor() as cur, cur.copy(statement, writer=QueuedLibpqWriter(cur)) as copy:
        copy.write(_SIGNATURE)
        for chunk in encoded_rows(plan, first):
            copy.write(chunk)
        copy.write(_TRAILER)
    if not staged:
        return plan.rows
    inserted = conn.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ON CONFLICT DO NOTHING").format(
            sql.SQL(table.name), names, names, target
        )
    )
    return int(inserted.rowcount)


def fill_database(
    conninfo: str,
    *,
    vectors: VectorSource,
    rows: dict[str, int] | None = None,
    scale: int | None = None,
    stats: dict[str, int] | None = None,
    seed: int = 0,
    vector_rows: int | None = None,
    progress: Progress = silent,
) -> SynthResult:
    """Add synthetic rows to every user table of the database, referenced tables first;
    one transaction per table, ANALYZE at the end."""
    import psycopg
    from psycopg import sql

    started = time.perf_counter()
    fills: list[TableFill] = []
    try:
        with psycopg.connect(conninfo, connect_timeout=10) as conn:
            database = conn.info.dbname
            tables = read_catalog(conn)
            counts = resolve_counts(tables, rows or {}, scale, stats)
            by_oid = {t.oid: t for t in tables}
            cache: dict[tuple[int, str], Keys] = {}

            def keys_of(oid: int, column: str) -> Keys:
                if (oid, column) not in cache:
                    cache[(oid, column)] = referenced_keys(conn, by_oid[oid], column)
                return cache[(oid, column)]

            for table in tables:
                wanted = counts[table.name]
                if wanted == 0:
                    continue
                began = time.perf_counter()
                plan = plan_table(conn, table, wanted, seed, vectors, keys_of, vector_rows)
                added = plan.rows
                if not plan.columns:
                    conn.execute(
                        sql.SQL("INSERT INTO {} SELECT FROM generate_series(1, %s)").format(
                            sql.SQL(table.name)
                        ),
                        (plan.rows,),
                    )
                else:
                    first = (
                        _scalar(
                            conn, sql.SQL("SELECT count(*) FROM {}").format(sql.SQL(table.name))
                        )
                        + 1
                    )
                    progress(f"synthetic rows: {table.name} {plan.rows:,}")
                    try:
                        added = copy_rows(conn, table, plan, first, staged=first > 1)
                    except psycopg.errors.CheckViolation as exc:
                        raise DevdbError(
                            f"{table.name}: generated rows break a CHECK constraint: {first_line(exc)}",
                            f"the generator reads `col IN (…)` and `col >= n` only; leave it empty with --rows {table.name}=0",
                        ) from None
                conn.commit()
                cache = {k: v for k, v in cache.items() if k[0] != table.oid}
                seconds = time.perf_counter() - began
                fills.append(
                    TableFill(
                        table.name,
                        added,
                        round(seconds, 3),
                        round(added / seconds) if seconds > 0 else float(added),
                        [c.name for c in plan.columns],
                    )
                )
            # As production tables are: vacuumed (hint bits, visibility map) and analysed, so
            # the first scan of every clone does not pay for the fill.
            progress("synthetic rows: VACUUM (ANALYZE)")
            conn.commit()
            conn.autocommit = True
            conn.execute("VACUUM (ANALYZE)")
    except psycopg.Error as exc:
        raise DevdbError(
            f"synthetic fill failed: {first_line(exc)}", "the table being filled was rolled back"
        ) from None
    return SynthResult(database, seed, fills, round(time.perf_counter() - started, 3))


def _scalar(conn: Any, query: Any) -> Any:
    row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]

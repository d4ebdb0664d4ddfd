"""Rendered SQL as pglast statements, and the helpers rules use to read them.

Node kinds and enum members are compared by name (`kind(node) == "IndexStmt"`), so this
module needs pglast only when it parses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from devdb.lint.model import Chunk

VECTOR_TYPES = {"vector", "halfvec", "sparsevec"}
# pgvector's limit on the number of dimensions an HNSW/IVFFlat index can hold, by type.
VECTOR_INDEX_LIMITS = {"vector": 2000, "halfvec": 4000, "bit": 64000}
VECTOR_INDEX_METHODS = {"hnsw", "ivfflat"}
VECTOR_OPCLASS_PREFIXES = ("vector_", "halfvec_", "sparsevec_", "bit_hamming", "bit_jaccard")
SERIAL_TYPES = {"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"}
VOLATILE_FUNCTIONS = {
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "gen_random_bytes",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setval",
    "txid_current",
    "pg_current_xact_id",
}


@dataclass
class Stmt:
    """One parsed statement, the migration line that produced it, and the lint state then."""

    node: Any
    sql: str
    line: int | None
    index: int
    in_transaction: bool = True
    lock_timeout: bool = False


@dataclass(frozen=True)
class ColType:
    name: str
    mods: tuple[int | None, ...] = ()
    array: bool = False

    def render(self) -> str:
        mods = f"({','.join('?' if m is None else str(m) for m in self.mods)})" if self.mods else ""
        return f"{self.name}{mods}{'[]' if self.array else ''}"

    @property
    def is_vector(self) -> bool:
        return self.name in VECTOR_TYPES and not self.array

    @property
    def dim(self) -> int | None:
        return self.mods[0] if self.mods else None


@dataclass(frozen=True)
class ParseError:
    line: int | None
    sql: str
    message: str


def parse_chunks(chunks: Iterable[Chunk]) -> tuple[list[Stmt], list[ParseError]]:
    """pglast-parse each rendered chunk (a chunk may hold several statements)."""
    import pglast

    stmts: list[Stmt] = []
    errors: list[ParseError] = []
    for chunk in chunks:
        try:
            raws = pglast.parse_sql(chunk.sql)
        except pglast.parser.ParseError as exc:
            errors.append(ParseError(chunk.line, chunk.sql.strip(), str(exc)))
            continue
        for raw in raws:
            start = raw.stmt_location or 0
            text = chunk.sql[start : start + raw.stmt_len] if raw.stmt_len else chunk.sql[start:]
            stmts.append(Stmt(raw.stmt, text.strip(), chunk.line, len(stmts)))
    return stmts, errors


def parse_literals(texts: Iterable[str]) -> list[Any]:
    """Statements in Python string literals that PostgreSQL parses (others are skipped).

    SQLAlchemy `text()` binds (`:name`) are compiled to `$n` parameters first, by
    SQLAlchemy itself, so `WHERE id >= :lo` parses.
    """
    import pglast
    from sqlalchemy import text as sa_text
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect(paramstyle="numeric_dollar")
    out: list[Any] = []
    for raw_text in texts:
        if not raw_text.strip():
            continue
        try:
            sql = str(sa_text(raw_text).compile(dialect=dialect))
        except Exception:
            sql = raw_text
        try:
            out.extend(raw.stmt for raw in pglast.parse_sql(sql))
        except pglast.parser.ParseError:
            continue
    return out


def parse_type(sql_type: str) -> ColType | None:
    """A ColType from SQL type text such as 'VARCHAR(50)'."""
    import pglast

    try:
        raws = pglast.parse_sql(f"CREATE TABLE _t (_c {sql_type})")
    except pglast.parser.ParseError:
        return None
    stmt: Any = raws[0].stmt
    elts = stmt.tableElts or ()
    return coltype(elts[0].typeName) if elts else None


def kind(node: Any) -> str:
    return type(node).__name__


def ename(value: Any) -> str:
    """The member name of a pglast enum value ('AT_AddColumn')."""
    return str(getattr(value, "name", value))


def walk(node: Any) -> Iterator[Any]:
    """Every pglast node below (and including) `node`."""
    if isinstance(node, tuple | list):
        for item in node:
            yield from walk(item)
        return
    if not hasattr(node, "__slots__") or not hasattr(node, "__iter__"):
        return
    yield node
    for attr in node:
        value = getattr(node, attr, None)
        if value is not None and not isinstance(value, str | int | float | bool):
            yield from walk(value)


def relname(rangevar: Any) -> str:
    return str(rangevar.relname).lower() if rangevar is not None else ""


def names(items: Any) -> tuple[str, ...]:
    """Names from a tuple of String nodes (column lists, qualified names)."""
    return tuple(str(getattr(i, "sval", i)).lower() for i in (items or ()))


def coltype(type_name: Any) -> ColType:
    qual = names(type_name.names)
    mods: list[int | None] = []
    for mod in type_name.typmods or ():
        val = getattr(mod, "val", None)
        mods.append(getattr(val, "ival", None) if kind(val) == "Integer" else None)
    return ColType(qual[-1] if qual else "?", tuple(mods), bool(type_name.arrayBounds))


def funcname(call: Any) -> str:
    qual = names(call.funcname)
    return qual[-1] if qual else ""


def func_names(expr: Any) -> set[str]:
    return {funcname(n) for n in walk(expr) if kind(n) == "FuncCall"}


def constraints(coldef: Any) -> tuple[Any, ...]:
    return tuple(coldef.constraints or ())


def contype(constraint: Any) -> str:
    return ename(constraint.contype)


def alter_cmds(node: Any) -> tuple[Any, ...]:
    return tuple(node.cmds or ()) if kind(node) == "AlterTableStmt" else ()


def subtype(cmd: Any) -> str:
    return ename(cmd.subtype)


def index_columns(index: Any) -> tuple[str, ...]:
    cols: list[str] = []
    for elem in index.indexParams or ():
        cols.append(str(elem.name).lower() if elem.name else "<expr>")
    return tuple(cols)


def stmt_tables(node: Any) -> list[str]:
    """Tables a statement touches (changes, reads for a backfill, or indexes)."""
    k = kind(node)
    if k in (
        "AlterTableStmt",
        "CreateStmt",
        "IndexStmt",
        "UpdateStmt",
        "DeleteStmt",
        "InsertStmt",
        "CreateTrigStmt",
    ):
        return [relname(node.relation)] if node.relation is not None else []
    if k == "RenameStmt" and ename(node.renameType) in ("OBJECT_TABLE", "OBJECT_COLUMN"):
        return [relname(node.relation)]
    if k == "DropStmt" and ename(node.removeType) == "OBJECT_TABLE":
        return [names(obj)[-1] for obj in node.objects or ()]
    if k == "TruncateStmt":
        return [relname(r) for r in node.relations or ()]
    return []


@dataclass(frozen=True)
class ForeignKey:
    table: str
    columns: tuple[str, ...]
    ref_table: str
    on_delete_cascade: bool
    not_valid: bool
    line: int | None


def foreign_keys(stmt: Stmt) -> list[ForeignKey]:
    """Foreign keys a CREATE TABLE / ALTER TABLE statement adds."""
    node = stmt.node
    k = kind(node)
    found: list[tuple[Any, tuple[str, ...]]] = []  # (constraint, columns)
    if k == "CreateStmt":
        for elt in node.tableElts or ():
            if kind(elt) == "ColumnDef":
                found += [(c, (str(elt.colname).lower(),)) for c in constraints(elt)]
            elif kind(elt) == "Constraint":
                found.append((elt, names(elt.fk_attrs)))
    for cmd in alter_cmds(node):
        st = subtype(cmd)
        if st == "AT_AddColumn":
            found += [(c, (str(cmd.def_.colname).lower(),)) for c in constraints(cmd.def_)]
        elif st == "AT_AddConstraint" and kind(cmd.def_) == "Constraint":
            found.append((cmd.def_, names(cmd.def_.fk_attrs)))
    table = relname(node.relation) if k in ("CreateStmt", "AlterTableStmt") else ""
    return [
        ForeignKey(
            table,
            cols,
            relname(c.pktable),
            c.fk_del_action == "c",
            bool(c.skip_validation),
            stmt.line,
        )
        for c, cols in found
        if contype(c) == "CONSTR_FOREIGN"
    ]


def vector_types_used(node: Any) -> bool:
    """Does the statement need pgvector (a vector type, opclass or index method)?"""
    for n in walk(node):
        k = kind(n)
        if k == "TypeName" and coltype(n).name in VECTOR_TYPES:
            return True
        if k == "IndexStmt" and str(n.accessMethod or "").lower() in VECTOR_INDEX_METHODS:
            return True
        if k == "IndexElem" and any(
            o.startswith(VECTOR_OPCLASS_PREFIXES) for o in names(n.opclass)
        ):
            return True
    return False


def setting_value(node: Any) -> tuple[str, str | None, bool] | None:
    """(name, value, is_local) for SET x = v / RESET x / SELECT set_config('x', 'v', local)."""
    k = kind(node)
    if k == "VariableSetStmt":
        name = str(node.name or "").lower()
        if ename(node.kind) in ("VAR_SET_VALUE",) and node.args:
            arg = node.args[0]
            val = getattr(arg, "val", None)
            value = getattr(val, "sval", None)
            if value is None:
                ival = getattr(val, "ival", None)
                value = None if ival is None else str(ival)
            return name, value, bool(node.is_local)
        return name, None, bool(node.is_local)
    if k == "SelectStmt":
        for target in node.targetList or ():
            call: Any = getattr(target, "val", None)
            if kind(call) != "FuncCall" or funcname(call) != "set_config":
                continue
            args = list(call.args or ())
            consts = [getattr(getattr(a, "val", None), "sval", None) for a in args[:2]]
            flag = getattr(getattr(args[2], "val", None), "boolval", False) if len(args) > 2 else 0
            if len(consts) == 2 and consts[0]:
                return str(consts[0]).lower(), consts[1], bool(flag)
    return None


_INT_WIDTH = {"int2": 2, "int4": 4, "int8": 8}
_PRECISION_TYPES = {"timestamp", "timestamptz", "time", "timetz", "interval"}


def _widens(old: tuple[int | None, ...], new: tuple[int | None, ...]) -> bool:
    """Same or larger limits (no limit at all is the largest)."""
    if not new:
        return True
    if not old or len(old) != len(new):
        return False
    return all(o is not None and n is not None and n >= o for o, n in zip(old, new, strict=True))


def type_change(old: ColType | None, new: ColType, using: bool = False) -> str:
    """How ALTER COLUMN ... TYPE changes a column.

    "same": nothing changes; "binary": a widening PostgreSQL does without a rewrite or scan;
    "widen": old values always fit but the table is rewritten; "other": a conversion that
    can fail or lose data (and rewrites); "unknown": the old type is not known.
    """
    if old is None:
        return "unknown"
    result = _type_change(old, new)
    if using and result in ("same", "binary"):
        return "widen"
    return result


def _type_change(old: ColType, new: ColType) -> str:
    if old == new:
        return "same"
    if old.array != new.array:
        return "other"
    o, n = old.name, new.name
    if o == n and o in ("varchar", "varbit", "numeric", *_PRECISION_TYPES):
        if o == "numeric" and new.mods and old.mods and old.mods[1:] != new.mods[1:]:
            return "other"  # a different scale rewrites every value
        return "binary" if _widens(old.mods, new.mods) else "other"
    if (o, n) in (("varchar", "text"), ("cidr", "inet")) or (o == "text" and n == "varchar"):
        return "binary" if o != "text" or not new.mods else "other"
    if o in _INT_WIDTH and n in _INT_WIDTH:
        return "widen" if _INT_WIDTH[n] > _INT_WIDTH[o] else "other"
    if (o, n) == ("float4", "float8") or (o in _INT_WIDTH and n == "numeric" and not new.mods):
        return "widen"
    return "other"

"""The offline stand-ins for a database connection while a migration renders: `op.get_bind()`
renders statements instead of running them, and `sa.inspect(bind)` and catalog SELECTs
answer from the schema the chain has built so far."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from devdb.lint.model import Chunk


class RenderedSoFar(Protocol):
    chunks: list[Chunk]


class EmptyResult:
    """What a statement run on the offline bind returns: no rows, nothing changed."""

    rowcount = 0
    returns_rows = False
    inserted_primary_key = None

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def fetchall(self) -> list[Any]:
        return []

    all = fetchall

    def fetchone(self) -> None:
        return None

    first = one_or_none = scalar_one_or_none = fetchone

    def scalar(self) -> int:
        return 0

    scalar_one = scalar

    def scalars(self) -> EmptyResult:
        return self

    mappings = scalars

    def close(self) -> None:
        return None


# What earlier revisions and the statements rendered so far leave behind: the engine
# passes a function from the chunks rendered so far to its schema model (devdb.lint.schema).
SchemaAt = Callable[[list[Chunk]], Any]


class OfflineInspector:
    """`sa.inspect(op.get_bind())` offline: answers from the schema the chain builds.

    Idempotent migrations ("create the index only if it is missing") then render the
    statements they would run on a database migrated to the revision before them.
    """

    default_schema_name = "public"

    def __init__(self, bind: OfflineBind) -> None:
        self.bind = bind
        self.dialect = bind.dialect

    def _schema(self) -> Any:
        return self.bind.schema_now()

    def get_schema_names(self) -> list[str]:
        return ["public"]

    def get_table_names(self, schema: str | None = None, **kw: Any) -> list[str]:
        return sorted(self._schema().tables)

    def has_table(self, table_name: str, schema: str | None = None, **kw: Any) -> bool:
        return table_name.lower() in self._schema().tables

    def get_columns(self, table_name: str, schema: str | None = None, **kw: Any) -> list[Any]:
        from sqlalchemy.types import NullType

        table = table_name.lower()
        return [
            {"name": col, "type": NullType(), "nullable": True, "default": None}
            for (t, col) in self._schema().columns
            if t == table
        ]

    def get_indexes(self, table_name: str, schema: str | None = None, **kw: Any) -> list[Any]:
        table = table_name.lower()
        return [
            {"name": name, "column_names": list(info.columns), "unique": False}
            for name, info in sorted(self._schema().indexes.items())
            if info.table == table
        ]

    def has_index(self, table_name: str, index_name: str, *args: Any, **kw: Any) -> bool:
        return any(ix["name"] == index_name.lower() for ix in self.get_indexes(table_name))

    def get_pk_constraint(self, table_name: str, *args: Any, **kw: Any) -> dict[str, Any]:
        return {"name": None, "constrained_columns": []}

    def get_enums(self, schema: str | None = None, **kw: Any) -> list[Any]:
        return [
            {"name": name, "schema": None, "visible": True, "labels": []}
            for name in sorted(self._schema().types)
        ]

    def get_unique_constraints(self, *args: Any, **kw: Any) -> list[Any]:
        return []

    get_foreign_keys = get_check_constraints = get_unique_constraints
    get_view_names = get_sequence_names = get_unique_constraints

    def has_sequence(self, *args: Any, **kw: Any) -> bool:
        return False


class Rows(EmptyResult):
    """The answer to a catalog query (rows from the replayed schema)."""

    def __init__(self, rows: list[Any], first_only: bool = False) -> None:
        self.rows = rows
        self.rowcount = len(rows)
        self.returns_rows = True
        self._shown = [row[0] for row in rows] if first_only else rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._shown)

    def fetchall(self) -> list[Any]:
        return list(self._shown)

    all = fetchall

    def fetchone(self) -> Any:
        return self._shown[0] if self._shown else None

    first = one_or_none = scalar_one_or_none = fetchone

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None

    scalar_one = scalar

    def scalars(self) -> Rows:
        return Rows([(row[0],) for row in self.rows], first_only=True)

    def mappings(self) -> Rows:
        return Rows([row._mapping for row in self.rows])


class OfflineBind:
    """Stands in for op.get_bind() offline: statements are rendered, not run."""

    def __init__(
        self,
        migration_context: Any,
        capture: RenderedSoFar | None = None,
        schema_at: SchemaAt | None = None,
    ) -> None:
        from sqlalchemy.engine import make_url

        self._ctx = migration_context
        self.dialect = migration_context.dialect
        self._capture = capture
        self._schema_at = schema_at
        # `bind.engine.name == "postgresql"`, `bind.engine.url.database` guards
        self.engine = self
        self.name = self.dialect.name
        self.url = make_url("postgresql://offline@localhost/offline")

    def schema_now(self) -> Any:
        if self._schema_at is None:
            raise NotImplementedError("no schema to inspect offline")
        chunks = self._capture.chunks if self._capture is not None else []
        return self._schema_at(list(chunks))

    def execute(self, statement: Any, parameters: Any = None, *args: Any, **kw: Any) -> Any:
        from sqlalchemy import text
        from sqlalchemy.sql.elements import TextClause

        if isinstance(statement, str):
            statement = text(statement)
        params = parameters
        if isinstance(params, list | tuple):
            params = params[0] if params else None
        if isinstance(params, dict) and params:
            if isinstance(statement, TextClause):
                statement = statement.bindparams(**params)
            else:
                statement = statement.params(params)
        sql = str(statement.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True}))
        return self._run(sql)

    def exec_driver_sql(self, sql: str, *args: Any, **kw: Any) -> Any:
        return self._run(sql)

    def _run(self, sql: str) -> Any:
        rows = None
        if self._schema_at is not None and sql.lstrip()[:6].lower() == "select":
            from devdb.lint.catalog import answer

            rows = answer(sql, self.schema_now())
        if rows is None:
            self._ctx.impl.static_output(sql.strip().rstrip(";") + ";")
            return EmptyResult()
        return Rows(rows)

    def _run_ddl_visitor(self, visitorcallable: Any, element: Any, **kw: Any) -> None:
        # What SQLAlchemy's mock engine does: render, never check the database first.
        kw["checkfirst"] = False
        visitorcallable(dialect=self.dialect, connection=self, **kw).traverse_single(element)

    @contextlib.contextmanager
    def begin(self) -> Iterator[OfflineBind]:
        yield self

    begin_nested = begin

    def commit(self) -> None:
        return None

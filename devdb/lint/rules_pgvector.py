"""DD3xx: pgvector pitfalls (dimensions, vector index builds, the autogenerate import gap,
the extension)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from devdb.lint.context import FileCtx, file_check, stmt_check
from devdb.lint.model import register
from devdb.lint.sqlrules import (
    VECTOR_INDEX_LIMITS,
    VECTOR_INDEX_METHODS,
    ColType,
    Stmt,
    alter_cmds,
    coltype,
    kind,
    relname,
    stmt_tables,
    subtype,
    vector_types_used,
)

G = "pgvector"

register(
    "DD301",
    "error",
    "vector dimension differs from the configured embedding dimension",
    why="Inserts from the embedding model fail (or a wrong model is in use): the runbook "
    "requires dimensions to match the configured model.",
    safer="Use the dimension the embedding model produces (devdb reads it from the models' "
    "Vector(n), settings constants, EMBEDDING_DIM / *_DIMENSIONS in the env example, or the "
    "model name; tool.devdb embedding_dim overrides), or change them together.",
    example="sa.Column('embedding', Vector(1536))  # model produces 384",
    group=G,
)
register(
    "DD302",
    "error",
    "vector column dimension change",
    why="Existing embeddings have the old dimension: the cast fails or the table is "
    "rewritten, and every vector must be recomputed anyway.",
    safer="Add a new vector column with the new dimension, re-embed into it in batches, "
    "switch reads, then drop the old column (expand/migrate/contract).",
    example="op.alter_column('chunks', 'embedding', type_=Vector(768), existing_type=Vector(384))",
    group=G,
)
register(
    "DD303",
    "error",
    "HNSW/IVFFlat index built without CONCURRENTLY",
    why="Vector index builds take minutes to hours; a plain build blocks all writes for that long.",
    safer="create_index(..., postgresql_using='hnsw', postgresql_concurrently=True) inside "
    "an autocommit_block(); raise maintenance_work_mem for the build.",
    example="op.create_index('ix_emb', 'chunks', ['embedding'], postgresql_using='hnsw', ...)",
    group=G,
)
register(
    "DD304",
    "error",
    "vector index over more dimensions than pgvector can index",
    why="HNSW and IVFFlat index at most 2,000 dimensions for vector (4,000 for halfvec): "
    "the CREATE INDEX fails.",
    safer="Index an expression cast to halfvec: `((embedding::halfvec(3072)) "
    "halfvec_cosine_ops)`, or reduce the dimension.",
    example="CREATE INDEX ... USING hnsw (embedding vector_cosine_ops)  -- vector(3072)",
    group=G,
)
register(
    "DD305",
    "error",
    "pgvector type used without importing pgvector",
    why="Autogenerate writes `pgvector.sqlalchemy.vector.VECTOR(dim=...)` without the "
    "import: the migration fails with NameError when it runs.",
    safer="Add `import pgvector.sqlalchemy` (or `from pgvector.sqlalchemy import Vector`) "
    "at the top of the migration; `devdb revision` adds it for you.",
    example="sa.Column('embedding', pgvector.sqlalchemy.vector.VECTOR(dim=384))",
    group=G,
)
register(
    "DD306",
    "error",
    "vector used before CREATE EXTENSION vector",
    why="On a fresh database (CI, a new developer, a restore) the type does not exist yet "
    "and the migration fails.",
    safer="op.execute('CREATE EXTENSION IF NOT EXISTS vector') in this or an earlier "
    "migration (or list it in preinstalled_extensions if provisioning creates it).",
    example="op.create_table('chunks', sa.Column('embedding', Vector(384)))",
    group=G,
)


def _column_defs(stmt: Stmt) -> Iterator[tuple[str, str, Any]]:
    """(table, column, ColumnDef) for columns a statement defines or retypes."""
    node, k = stmt.node, kind(stmt.node)
    if k == "CreateStmt":
        table = relname(node.relation)
        for elt in node.tableElts or ():
            if kind(elt) == "ColumnDef":
                yield table, str(elt.colname).lower(), elt
    for cmd in alter_cmds(node):
        st = subtype(cmd)
        table = relname(node.relation)
        if st == "AT_AddColumn":
            yield table, str(cmd.def_.colname).lower(), cmd.def_
        elif st == "AT_AlterColumnType" and cmd.def_ is not None:
            yield table, str(cmd.name).lower(), cmd.def_


def _configured_dims(ctx: FileCtx) -> tuple[dict[int, str], bool]:
    """Dimensions the embedding configuration allows, with their evidence, and whether that
    evidence is the project's configuration (False: only columns earlier in the chain)."""
    config = ctx.config
    if config.embedding_dim:
        source = config.embedding_dim_source or "tool.devdb embedding_dim"
        return {config.embedding_dim: source}, True
    if config.project_dims:
        return dict(config.project_dims), True
    chain: dict[int, str] = {}
    for (table, col), typ in ctx.schema.columns.items():
        if typ.is_vector and typ.dim:
            chain.setdefault(typ.dim, f"{table}.{col}, created earlier in the chain")
    return (chain, False) if len(chain) == 1 else ({}, False)


@stmt_check
def dimensions(ctx: FileCtx, stmt: Stmt) -> None:
    for table, col, coldef in _column_defs(stmt):
        if coldef.typeName is None:
            continue
        typ = coltype(coldef.typeName)
        if typ.name not in ("vector", "halfvec") or not typ.dim:
            continue
        allowed, configured = _configured_dims(ctx)
        if not allowed or typ.dim in allowed:
            continue
        source = "; ".join(f"{d} ({where})" for d, where in sorted(allowed.items()))
        what = "the configured embedding dimension is" if configured else "the chain uses"
        ctx.add(
            "DD301",
            stmt.line,
            f"{table}.{col} is {typ.render()}, {what} {source}",
            severity=None if configured else "info",
        )


@stmt_check
def dimension_change(ctx: FileCtx, stmt: Stmt) -> None:
    if kind(stmt.node) != "AlterTableStmt":
        return
    table = relname(stmt.node.relation)
    if ctx.is_new(table):
        return
    for cmd in alter_cmds(stmt.node):
        if subtype(cmd) != "AT_AlterColumnType" or cmd.def_ is None:
            continue
        col = str(cmd.name).lower()
        new = coltype(cmd.def_.typeName)
        old = ctx.column_type_before(table, col)
        if new.is_vector and (old is None or (old.is_vector and old.dim != new.dim)):
            was = old.render() if old else "its current type"
            ctx.add(
                "DD302",
                stmt.line,
                f"changes {table}.{col} from {was} to {new.render()}: every stored "
                "embedding is invalid",
            )


def _indexed_type(ctx: FileCtx, table: str, elem: Any) -> ColType | None:
    if elem.expr is not None and kind(elem.expr) == "TypeCast":
        return coltype(elem.expr.typeName)
    if elem.name:
        return ctx.column_type_before(table, str(elem.name).lower())
    return None


@stmt_check
def vector_indexes(ctx: FileCtx, stmt: Stmt) -> None:
    node = stmt.node
    if kind(node) != "IndexStmt":
        return
    method = str(node.accessMethod or "").lower()
    if method not in VECTOR_INDEX_METHODS:
        return
    table = relname(node.relation)
    if not node.concurrent and not ctx.is_new(table):
        ctx.add(
            "DD303",
            stmt.line,
            f"{method} index {node.idxname or ''} on {table} built without CONCURRENTLY",
        )
    for elem in node.indexParams or ():
        typ = _indexed_type(ctx, table, elem)
        limit = VECTOR_INDEX_LIMITS.get(typ.name) if typ else None
        if typ and limit and typ.dim and typ.dim > limit:
            ctx.add(
                "DD304",
                stmt.line,
                f"{method} index on {typ.render()}: pgvector indexes at most {limit} "
                f"dimensions for {typ.name}",
            )


@stmt_check
def extension_first(ctx: FileCtx, stmt: Stmt) -> None:
    if not ctx.history_complete or "vector" in ctx.schema.extensions:
        return
    if "vector" in ctx.config.preinstalled_extensions:
        return
    # A table no known revision created predates the known history: so may the extension.
    existing = ctx.config.existing_tables or set()
    created = kind(stmt.node) == "CreateStmt"
    for table in stmt_tables(stmt.node):
        if created and table not in existing:
            continue
        if table in existing or not (ctx.is_new(table) or table in ctx.schema.tables):
            return
    if vector_types_used(stmt.node) and ctx.once("DD306"):
        ctx.add(
            "DD306",
            stmt.line,
            "uses pgvector but no earlier statement or revision runs CREATE EXTENSION vector",
        )


@file_check
def pgvector_import(ctx: FileCtx) -> None:
    for ref in ctx.src.pgvector_unimported:
        ctx.add("DD305", ref.line, f"uses {ref.target} but the file never imports pgvector")

"""DD2xx: long locks on tables that already exist (the squawk / strong_migrations class).

Only locks held long count here: a table rewrite, a full scan or validation, an index build
without CONCURRENTLY. Tables created in the same migration or in an unreleased one are
exempt. Whether migrations run with a lock_timeout is a project fact (env.py, DD210).
"""

from __future__ import annotations

from typing import Any

from devdb.lint.context import FileCtx, stmt_check
from devdb.lint.model import register
from devdb.lint.sqlrules import (
    SERIAL_TYPES,
    VECTOR_INDEX_METHODS,
    VOLATILE_FUNCTIONS,
    Stmt,
    alter_cmds,
    coltype,
    constraints,
    contype,
    ename,
    foreign_keys,
    func_names,
    kind,
    names,
    relname,
    subtype,
    type_change,
)

G = "locks"

register(
    "DD201",
    "error",
    "ADD COLUMN NOT NULL without a default",
    why="Fails on a table that has rows (existing rows would be NULL).",
    safer="Add it nullable (or NOT NULL with a constant server_default, which PostgreSQL "
    "11+ adds without a rewrite), backfill in batches, then enforce NOT NULL via a "
    "validated CHECK.",
    example="op.add_column('users', sa.Column('plan', sa.Text(), nullable=False))",
    group=G,
)
register(
    "DD202",
    "error",
    "ADD COLUMN with a volatile default (rewrites the table)",
    why="A volatile default (random(), gen_random_uuid(), clock_timestamp(), serial, "
    "identity, stored generated column) rewrites every row under an ACCESS EXCLUSIVE lock.",
    safer="Add the column without a default (or with a constant one), set the default in "
    "a separate ALTER, and backfill existing rows in batches.",
    example="sa.Column('token', sa.Uuid(), server_default=sa.text('gen_random_uuid()'))",
    group=G,
)
register(
    "DD203",
    "error",
    "ADD FOREIGN KEY without NOT VALID",
    why="Validating the key scans the whole table while holding SHARE ROW EXCLUSIVE locks "
    "on both tables: writes stop for the duration.",
    safer="Add it with NOT VALID (postgresql_not_valid=True), then "
    "`ALTER TABLE ... VALIDATE CONSTRAINT` in a later step/migration.",
    example="op.create_foreign_key('fk_orders_user', 'orders', 'users', ['user_id'], ['id'])",
    group=G,
)
register(
    "DD204",
    "error",
    "CREATE INDEX without CONCURRENTLY",
    why="A plain CREATE INDEX blocks every write to the table until the build finishes.",
    safer="op.create_index(..., postgresql_concurrently=True) inside "
    "`with op.get_context().autocommit_block():`.",
    example="op.create_index('ix_orders_user_id', 'orders', ['user_id'])",
    group=G,
)
register(
    "DD205",
    "info",
    "DROP INDEX without CONCURRENTLY",
    why="DROP INDEX takes an ACCESS EXCLUSIVE lock: it waits behind long queries and "
    "everything else waits behind it.",
    safer="op.drop_index(..., postgresql_concurrently=True) inside an autocommit_block().",
    example="op.drop_index('ix_orders_status', table_name='orders')",
    group=G,
)
register(
    "DD206",
    "error",
    "CONCURRENTLY inside a transaction",
    why="PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY in a transaction block, and "
    "Alembic runs each migration in one.",
    safer="Wrap the statement in `with op.get_context().autocommit_block():`.",
    example="op.create_index('ix', 'orders', ['user_id'], postgresql_concurrently=True)",
    group=G,
)
register(
    "DD207",
    "error",
    "SET NOT NULL without a validated CHECK",
    why="SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock.",
    safer="ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c; "
    "then SET NOT NULL (no scan: the valid CHECK proves it) and drop the CHECK.",
    example="op.alter_column('users', 'plan', nullable=False)",
    group=G,
)
register(
    "DD208",
    "error",
    "ALTER COLUMN TYPE rewrites the table",
    why="Most type changes rewrite every row and rebuild indexes under an ACCESS EXCLUSIVE lock.",
    safer="Add a new column of the new type, backfill in batches, switch over "
    "(expand/migrate/contract). Binary-compatible widenings (varchar(n) to a larger n or "
    "text, numeric precision up) do not rewrite; pass existing_type= so devdb can tell.",
    example="op.alter_column('events', 'id', type_=sa.BigInteger(), existing_type=sa.Integer())",
    group=G,
)
register(
    "DD209",
    "error",
    "ADD UNIQUE / PRIMARY KEY constraint directly",
    why="Building the constraint's index blocks writes (ACCESS EXCLUSIVE) for the whole build.",
    safer="CREATE UNIQUE INDEX CONCURRENTLY first, then "
    "`ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX idx`.",
    example="op.create_unique_constraint('uq_users_email', 'users', ['email'])",
    group=G,
)
register(
    "DD210",
    "warning",
    "migrations run without lock_timeout (env.py)",
    why="An ALTER waiting for its lock behind one long query blocks every query queued "
    "after it: a migration can take the site down without doing anything. Whether a "
    "timeout applies is decided where migrations run (env.py), so it is checked there, once.",
    safer="In env.py, right after connecting: "
    "`connection.execute(text(\"SET lock_timeout = '5s'\"))` then `connection.commit()` "
    "(`from sqlalchemy import text`); retry the deploy on a timeout.",
    example="with connectable.connect() as connection:  # no SET lock_timeout",
    group=G,
)
register(
    "DD211",
    "error",
    "ADD CHECK constraint without NOT VALID",
    why="Adding a CHECK validates every row while holding an ACCESS EXCLUSIVE lock.",
    safer="Add it with NOT VALID (postgresql_not_valid=True), then VALIDATE CONSTRAINT "
    "separately (SHARE UPDATE EXCLUSIVE: reads and writes continue).",
    example="op.create_check_constraint('ck_price', 'items', 'price >= 0')",
    group=G,
)


def _altered_table(ctx: FileCtx, stmt: Stmt) -> str | None:
    """The existing table an ALTER TABLE changes (None for new tables / other statements)."""
    if kind(stmt.node) != "AlterTableStmt":
        return None
    table = relname(stmt.node.relation)
    return None if ctx.is_new(table) else table


def _not_null(coldef: Any) -> bool:
    return bool(coldef.is_not_null) or any(
        contype(c) in ("CONSTR_NOTNULL", "CONSTR_PRIMARY") for c in constraints(coldef)
    )


def _rewrite_reason(coldef: Any) -> str | None:
    typ = coltype(coldef.typeName) if coldef.typeName is not None else None
    if typ is not None and typ.name in SERIAL_TYPES:
        return f"{typ.name} (a nextval() default)"
    for c in constraints(coldef):
        ct = contype(c)
        if ct == "CONSTR_IDENTITY":
            return "an identity column"
        if ct == "CONSTR_GENERATED":
            return "a stored generated column"
        if ct == "CONSTR_DEFAULT" and c.raw_expr is not None:
            volatile = sorted(func_names(c.raw_expr) & VOLATILE_FUNCTIONS)
            if volatile:
                return f"default {volatile[0]}()"
    return None


@stmt_check
def add_column(ctx: FileCtx, stmt: Stmt) -> None:
    table = _altered_table(ctx, stmt)
    if table is None:
        return
    for cmd in alter_cmds(stmt.node):
        if subtype(cmd) != "AT_AddColumn":
            continue
        coldef = cmd.def_
        col = f"{table}.{str(coldef.colname).lower()}"
        reason = _rewrite_reason(coldef)
        has_default = any(contype(c) == "CONSTR_DEFAULT" for c in constraints(coldef))
        if reason:
            ctx.add("DD202", stmt.line, f"adds {col} with {reason}: rewrites {table}")
        elif _not_null(coldef) and not has_default:
            ctx.add("DD201", stmt.line, f"adds {col} NOT NULL with no default")
        if any(contype(c) in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") for c in constraints(coldef)):
            ctx.add("DD209", stmt.line, f"adds {col} with an inline UNIQUE/PRIMARY KEY")


@stmt_check
def foreign_key(ctx: FileCtx, stmt: Stmt) -> None:
    if _altered_table(ctx, stmt) is None:
        return
    for fk in foreign_keys(stmt):
        if not fk.not_valid:
            ctx.add(
                "DD203",
                stmt.line,
                f"adds foreign key {fk.table}({', '.join(fk.columns)}) -> {fk.ref_table} "
                "validated in place",
            )


@stmt_check
def constraints_added(ctx: FileCtx, stmt: Stmt) -> None:
    table = _altered_table(ctx, stmt)
    if table is None:
        return
    for cmd in alter_cmds(stmt.node):
        if subtype(cmd) != "AT_AddConstraint" or kind(cmd.def_) != "Constraint":
            continue
        c = cmd.def_
        ct = contype(c)
        if ct in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") and not c.indexname:
            what = "UNIQUE" if ct == "CONSTR_UNIQUE" else "PRIMARY KEY"
            ctx.add("DD209", stmt.line, f"adds {what} ({', '.join(names(c.keys))}) on {table}")
        elif ct == "CONSTR_CHECK" and not c.skip_validation:
            ctx.add(
                "DD211", stmt.line, f"adds CHECK {c.conname or ''} on {table} validated in place"
            )


def _not_null_check_column(c: Any) -> str | None:
    """The column of a `CHECK (col IS NOT NULL)` / `NOT NULL col` constraint."""
    if contype(c) == "CONSTR_NOTNULL":
        cols = names(c.keys)
        return cols[0] if cols else None
    expr = c.raw_expr
    if (
        contype(c) == "CONSTR_CHECK"
        and kind(expr) == "NullTest"
        and ename(expr.nulltesttype) == "IS_NOT_NULL"
        and kind(expr.arg) == "ColumnRef"
    ):
        return names(expr.arg.fields)[-1]
    return None


@stmt_check
def set_not_null(ctx: FileCtx, stmt: Stmt) -> None:
    if kind(stmt.node) != "AlterTableStmt":
        return
    table = relname(stmt.node.relation)
    pending: dict[str, tuple[str, str]] = ctx.scratch.setdefault("nn_pending", {})
    proven: set[tuple[str, str]] = ctx.scratch.setdefault("nn_proven", set())
    for cmd in alter_cmds(stmt.node):
        st = subtype(cmd)
        if st == "AT_AddConstraint" and kind(cmd.def_) == "Constraint":
            col = _not_null_check_column(cmd.def_)
            if col is None:
                continue
            if cmd.def_.skip_validation:
                pending[str(cmd.def_.conname or "").lower()] = (table, col)
            else:
                proven.add((table, col))
        elif st == "AT_ValidateConstraint":
            done = pending.pop(str(cmd.name).lower(), None)
            if done:
                proven.add(done)
        elif st == "AT_SetNotNull" and not ctx.is_new(table):
            col = str(cmd.name).lower()
            if (table, col) not in proven:
                ctx.add("DD207", stmt.line, f"sets {table}.{col} NOT NULL: full scan under lock")


@stmt_check
def alter_type(ctx: FileCtx, stmt: Stmt) -> None:
    table = _altered_table(ctx, stmt)
    if table is None:
        return
    for cmd in alter_cmds(stmt.node):
        if subtype(cmd) != "AT_AlterColumnType" or cmd.def_ is None:
            continue
        col = str(cmd.name).lower()
        new = coltype(cmd.def_.typeName)
        old = ctx.column_type_before(table, col)
        if new.is_vector and (old is None or (old.is_vector and old.dim != new.dim)):
            continue  # DD302
        change = type_change(old, new, cmd.def_.raw_default is not None)
        if change in ("same", "binary"):
            continue
        if old is not None and old == new:
            message = f"retypes {table}.{col} as {new.render()} USING an expression: every row"
        else:
            was = old.render() if old else "an unknown type (pass existing_type=)"
            message = f"changes {table}.{col} from {was} to {new.render()}"
        ctx.add("DD208", stmt.line, message)


@stmt_check
def indexes(ctx: FileCtx, stmt: Stmt) -> None:
    node, k = stmt.node, kind(stmt.node)
    if k == "IndexStmt":
        table = relname(node.relation)
        if node.concurrent and stmt.in_transaction:
            ctx.add(
                "DD206",
                stmt.line,
                f"CREATE INDEX CONCURRENTLY {node.idxname or ''} inside the migration's "
                "transaction",
            )
        method = str(node.accessMethod or "btree").lower()
        if not node.concurrent and not ctx.is_new(table) and method not in VECTOR_INDEX_METHODS:
            ctx.add("DD204", stmt.line, f"builds index {node.idxname or ''} on {table} in place")
    elif k == "DropStmt" and ename(node.removeType) == "OBJECT_INDEX":
        for obj in node.objects or ():
            name = names(obj)[-1]
            if node.concurrent and stmt.in_transaction:
                ctx.add(
                    "DD206",
                    stmt.line,
                    f"DROP INDEX CONCURRENTLY {name} inside the migration's transaction",
                )
            info = ctx.schema.indexes.get(name)
            if not node.concurrent and not (info and ctx.is_new(info.table)):
                ctx.add("DD205", stmt.line, f"drops index {name} in place")

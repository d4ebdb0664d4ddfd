"""DD1xx: the team runbook's migration rules (destructive changes, determinism, downgrades,
the data safety checklist, backfills, indexes for new query paths).

One module for the rule family the runbook defines, as rules_locks.py (DD2xx) and
rules_pgvector.py (DD3xx) are for theirs: a reader checks the runbook against one file."""

from __future__ import annotations

import fnmatch

from devdb.lint.context import FileCtx, file_check, stmt_check
from devdb.lint.model import DATA_SAFETY_CHECKLIST, register
from devdb.lint.pysource import SqlLoop
from devdb.lint.sqlrules import (
    ColType,
    Stmt,
    alter_cmds,
    coltype,
    constraints,
    contype,
    ename,
    foreign_keys,
    kind,
    names,
    parse_literals,
    relname,
    stmt_tables,
    subtype,
    type_change,
)

G = "runbook"
EMC = (
    "Expand/migrate/contract: add the new shape next to the old one, deploy code that "
    "writes both and reads the new one, backfill, and remove the old shape in a later "
    "release (suppress with the release that stopped using it)."
)

register(
    "DD101",
    "error",
    "drop table",
    why="Old app code still running during the deploy breaks, and the data is gone unless "
    "a recent backup restores in time.",
    safer=EMC + " Confirm a recent backup and its restore time first.",
    example="op.drop_table('legacy_reports')",
    group=G,
)
register(
    "DD102",
    "error",
    "drop column",
    why="App code from the previous release still reads or writes the column during the "
    "deploy; the data is not recoverable without a restore.",
    safer=EMC,
    example="op.drop_column('users', 'nickname')",
    group=G,
)
register(
    "DD103",
    "error",
    "rename table or column",
    why="Old app code keeps using the old name while the new release rolls out.",
    safer=EMC + " (add the new column, write both, backfill, switch reads, drop the old).",
    example="op.alter_column('users', 'name', new_column_name='full_name')",
    group=G,
)
register(
    "DD104",
    "warning",
    "column type change that can fail or lose data",
    why="Narrowing or converting a type can fail on existing rows or break old app code.",
    safer=EMC + " Widening changes (varchar(n) to a larger n or text) are fine.",
    example="op.alter_column('orders', 'total', type_=sa.Integer(), existing_type=sa.Numeric())",
    group=G,
)
register(
    "DD105",
    "error",
    "external call in a migration",
    why="A migration must be deterministic and free of external service calls: it re-runs "
    "on every fresh database, in CI and offline. (devdb does not render such a file to "
    "SQL, so its SQL is not checked until the call is gone.)",
    safer="Fetch the data beforehand and ship it with the migration (a literal or a data "
    "file in the repo), or do the call in an app-side job.",
    example="requests.get('https://api.example.com/plans').json()",
    group=G,
)
register(
    "DD106",
    "warning",
    "non-deterministic value in a migration",
    why="random/uuid4/now() give a different database on every run, so environments "
    "drift and a re-run is not a replay.",
    safer="Use literal values, or let the database generate them in SQL "
    "(server_default=sa.text('now()'), gen_random_uuid()) for new rows.",
    example="op.execute(f\"UPDATE plans SET token = '{uuid.uuid4()}'\")",
    group=G,
)
register(
    "DD107",
    "warning",
    "environment lookup in a migration",
    why="The schema would depend on who runs the migration and where.",
    safer="Put the value in the migration (or a data file in the repo); configuration "
    "belongs to the app, not to the schema history.",
    example="os.environ['DEFAULT_PLAN']",
    group=G,
)
register(
    "DD108",
    "error",
    "missing downgrade",
    why="The runbook asks for a considered downgrade for every migration.",
    safer="Write downgrade(); if it cannot be undone, say so: "
    "`raise NotImplementedError('irreversible: <why>, restore from backup')`.",
    example="(no `def downgrade()` in the file)",
    group=G,
)
register(
    "DD109",
    "info",
    "downgrade silently does nothing",
    why="A `pass` downgrade reports success without undoing anything: the database is "
    "left in a state no revision describes.",
    safer="Undo the upgrade, or raise NotImplementedError with the reason (or at least a "
    "comment saying why nothing needs undoing).",
    example="def downgrade():\n    pass",
    group=G,
)
register(
    "DD110",
    "info",
    "touches a sensitive table (data safety checklist)",
    why="Ownership, permissions, sharing, documents, notifications and action-point "
    "placement are where a bad migration leaks or loses user data.",
    safer="Answer the data safety checklist in the PR description.",
    example="op.add_column('document_shares', sa.Column('expires_at', sa.DateTime()))",
    group=G,
    checklist=DATA_SAFETY_CHECKLIST,
)
register(
    "DD111",
    "error",
    "unbounded UPDATE/DELETE",
    why="One statement over every row holds row locks for its whole run, bloats the "
    "table and cannot be watched or resumed.",
    safer="Backfill in batches (WHERE id in a key range, or a LIMITed subquery) in a loop "
    "that reports progress; for big tables run it outside the migration.",
    example="op.execute('UPDATE documents SET archived = false')",
    group=G,
)
register(
    "DD112",
    "info",
    "backfill loop without progress output",
    why="A silent backfill cannot be told apart from a hung one during a deploy.",
    safer="Print or log each batch (rows done, last key) from the loop.",
    example="while True:\n    res = conn.execute(batch_update)\n    if not res.rowcount: break",
    group=G,
)
register(
    "DD113",
    "info",
    "foreign key on a sensitive table without an index",
    why="Deletes on the parent and joins from it scan the whole child table; the runbook "
    "asks to review indexes for permission, sharing and document query paths.",
    safer="Create an index whose leading columns are the foreign key columns "
    "(concurrently, on an existing table).",
    example="op.create_foreign_key('fk_perm_user', 'permissions', 'users', ['user_id'], ['id'])",
    group=G,
)
register(
    "DD114",
    "info",
    "new filter/order column on a sensitive table without an index",
    why="Columns like *_id, status, position or *_at become query paths (filters, "
    "ordering) on tables that are read on every request.",
    safer="Add an index on the column (concurrently), or suppress saying how it is queried.",
    example="op.add_column('documents', sa.Column('position', sa.Integer()))",
    group=G,
)
register(
    "DD115",
    "error",
    "drop + add of the same type looks like a rename",
    why="Autogenerate cannot see renames: it drops the old column (and its data) and adds "
    "an empty new one.",
    safer="If it is a rename, use expand/migrate/contract and copy the data; if not, split "
    "the drop into its own later migration.",
    example="op.drop_column('users', 'name')\nop.add_column('users', sa.Column('full_name', ...))",
    group=G,
)
register(
    "DD116",
    "info",
    "new ON DELETE CASCADE on a sensitive table",
    why="Deleting the parent row (a user, a group, a project) silently deletes the "
    "sensitive rows that reference it: permissions, shares, documents, notifications.",
    safer="Prefer RESTRICT / SET NULL and delete explicitly in app code, or document "
    "why the cascade is intended.",
    example="documents.owner_id: sa.ForeignKey('users.id', ondelete='CASCADE')",
    group=G,
)

# Column names that usually become filters or sort keys.
_QUERY_COLUMN_PATTERNS = (
    "*_id",
    "*_at",
    "*_order",
    "*_position",
    "*_rank",
    "position",
    "rank",
    "priority",
    "sort_*",
    "order_index",
    "ordering",
    "status",
    "state",
    "visibility",
    "role",
    "owner",
    "is_deleted",
    "is_archived",
)
_NOT_QUERY_COLUMNS = {"updated_at"}


def _is_query_column(name: str) -> bool:
    return name not in _NOT_QUERY_COLUMNS and any(
        fnmatch.fnmatchcase(name, p) for p in _QUERY_COLUMN_PATTERNS
    )


def _first_words(sql: str, n: int = 6) -> str:
    words = sql.split()
    return " ".join(words[:n]) + (" ..." if len(words) > n else "")


@stmt_check
def destructive(ctx: FileCtx, stmt: Stmt) -> None:
    node, k = stmt.node, kind(stmt.node)
    if k == "DropStmt" and ename(node.removeType) == "OBJECT_TABLE":
        for obj in node.objects or ():
            table = names(obj)[-1]
            if not ctx.is_new(table):
                ctx.add("DD101", stmt.line, f"drops table {table}")
    elif k == "RenameStmt" and ename(node.renameType) in ("OBJECT_TABLE", "OBJECT_COLUMN"):
        table = relname(node.relation)
        if not ctx.is_new(table):
            if ename(node.renameType) == "OBJECT_TABLE":
                ctx.add("DD103", stmt.line, f"renames table {table} to {node.newname}")
            else:
                ctx.add(
                    "DD103",
                    stmt.line,
                    f"renames column {table}.{node.subname} to {node.newname}",
                )
    table = relname(node.relation) if k == "AlterTableStmt" else ""
    if not table or ctx.is_new(table):
        return
    dropped: list = ctx.scratch.setdefault("dropped", [])
    added: list = ctx.scratch.setdefault("added", [])
    for cmd in alter_cmds(node):
        st = subtype(cmd)
        if st == "AT_DropColumn":
            col = str(cmd.name).lower()
            ctx.add("DD102", stmt.line, f"drops column {table}.{col}")
            dropped.append((table, col, ctx.column_type_before(table, col)))
        elif st == "AT_AddColumn" and cmd.def_.typeName is not None:
            added.append((table, str(cmd.def_.colname).lower(), coltype(cmd.def_.typeName), stmt))
        elif st == "AT_AlterColumnType" and cmd.def_ is not None:
            col = str(cmd.name).lower()
            new = coltype(cmd.def_.typeName)
            old = ctx.column_type_before(table, col)
            if new.is_vector and (old is None or (old.is_vector and old.dim != new.dim)):
                continue  # a vector dimension change: DD302
            if type_change(old, new, cmd.def_.raw_default is not None) == "other":
                assert old is not None
                ctx.add(
                    "DD104",
                    stmt.line,
                    f"changes {table}.{col} from {old.render()} to {new.render()}",
                )


@file_check
def rename_lookalike(ctx: FileCtx) -> None:
    dropped: list[tuple[str, str, ColType | None]] = ctx.scratch.get("dropped", [])
    for table, col, typ, stmt in ctx.scratch.get("added", []):
        for d_table, d_col, d_typ in dropped:
            if d_table == table and d_col != col and d_typ is not None and d_typ == typ:
                ctx.add(
                    "DD115",
                    stmt.line,
                    f"drops {table}.{d_col} and adds {table}.{col}, both {typ.render()}: "
                    "a rename would keep the data",
                )
                break


@stmt_check
def sensitive_touch(ctx: FileCtx, stmt: Stmt) -> None:
    for table in stmt_tables(stmt.node):
        if ctx.is_sensitive(table) and ctx.once(f"DD110:{table}"):
            ctx.add(
                "DD110",
                stmt.line,
                f"touches {table} ({_first_words(stmt.sql)}); answer the data safety checklist",
            )


@file_check
def sensitive_touch_fallback(ctx: FileCtx) -> None:
    """When upgrade() could not be rendered, fall back to table names in op.* calls."""
    if ctx.rendered_ok:
        return
    for line, table in ctx.src.op_tables:
        t = table.lower()
        if ctx.src.in_downgrade(line):
            continue
        if ctx.is_sensitive(t) and ctx.once(f"DD110:{t}"):
            ctx.add("DD110", line, f"touches {t}; answer the data safety checklist")


@stmt_check
def unbounded_dml(ctx: FileCtx, stmt: Stmt) -> None:
    k = kind(stmt.node)
    if k == "TruncateStmt":
        for rel in stmt.node.relations or ():
            table = relname(rel)
            if not ctx.is_new(table):
                ctx.add("DD111", stmt.line, f"TRUNCATE {table}: every row gone in one go")
        return
    if k in ("UpdateStmt", "DeleteStmt") and stmt.node.whereClause is None:
        table = relname(stmt.node.relation)
        if not ctx.is_new(table):
            verb = "UPDATE" if k == "UpdateStmt" else "DELETE"
            ctx.add("DD111", stmt.line, f"{verb} on {table} has no WHERE: every row in one go")


_DML = ("UpdateStmt", "DeleteStmt", "InsertStmt")


def _is_backfill(ctx: FileCtx, loop: SqlLoop) -> bool:
    """Does the loop change rows (not just run DDL over a list of tables)?"""
    if any(
        s.line is not None and loop.first <= s.line <= loop.last and kind(s.node) in _DML
        for s in ctx.stmts
    ):
        return True
    # Offline the loop may have run zero times: read the SQL literals in it instead.
    return any(kind(node) in _DML for node in parse_literals(loop.strings))


@file_check
def silent_backfill(ctx: FileCtx) -> None:
    if ctx.src.has_progress_output:
        return
    for loop in ctx.src.sql_loops:
        if _is_backfill(ctx, loop):
            ctx.add(
                "DD112", loop.first, "a loop runs SQL batches but nothing prints or logs progress"
            )
            return


@stmt_check
def collect_query_paths(ctx: FileCtx, stmt: Stmt) -> None:
    fks = foreign_keys(stmt)
    ctx.scratch.setdefault("fks", []).extend(fks)
    for fk in fks:
        if fk.on_delete_cascade and ctx.is_sensitive(fk.table):
            ctx.add(
                "DD116",
                stmt.line,
                f"{fk.table}({', '.join(fk.columns)}) -> {fk.ref_table} ON DELETE CASCADE",
            )
    if kind(stmt.node) != "AlterTableStmt":
        return
    table = relname(stmt.node.relation)
    if ctx.is_new(table) or not ctx.is_sensitive(table):
        return
    for cmd in alter_cmds(stmt.node):
        if subtype(cmd) == "AT_AddColumn":
            col = str(cmd.def_.colname).lower()
            has_fk = any(contype(c) == "CONSTR_FOREIGN" for c in constraints(cmd.def_))
            if _is_query_column(col) and not has_fk:
                ctx.scratch.setdefault("query_cols", []).append((table, col, stmt.line))


@file_check
def missing_indexes(ctx: FileCtx) -> None:
    fk_cols: set[tuple[str, tuple[str, ...]]] = set()
    for fk in ctx.scratch.get("fks", []):
        fk_cols.add((fk.table, fk.columns))
        if not ctx.is_sensitive(fk.table) or not ctx.once(f"DD113:{fk.table}:{fk.columns}"):
            continue
        if not ctx.schema.has_index_on(fk.table, fk.columns):
            ctx.add(
                "DD113",
                fk.line,
                f"foreign key {fk.table}({', '.join(fk.columns)}) -> {fk.ref_table} has no "
                "index on its columns",
            )
    for table, col, line in ctx.scratch.get("query_cols", []):
        if (table, (col,)) in fk_cols or ctx.schema.has_index_on(table, (col,)):
            continue
        ctx.add("DD114", line, f"new column {table}.{col} looks like a filter/sort key, no index")


@file_check
def python_calls(ctx: FileCtx) -> None:
    src = ctx.src
    for call in src.external_calls:
        ctx.add("DD105", call.line, f"calls {call.target}() (SQL checks skipped for this file)")
    for call in src.nondeterministic_calls:
        ctx.add("DD106", call.line, f"calls {call.target}()")
    for call in src.env_lookups:
        ctx.add("DD107", call.line, f"reads the environment ({call.target})")


@file_check
def downgrade(ctx: FileCtx) -> None:
    src = ctx.src
    if src.downgrade is None:
        ctx.add("DD108", None, "no downgrade() in the file")
        return
    up_empty = src.upgrade is None or src.upgrade.empty
    if src.downgrade.empty and not src.downgrade.explained and not up_empty:
        ctx.add("DD109", src.downgrade.line, "downgrade() is empty and says nothing about why")

"""A small model of the schema, replayed from rendered statements of earlier revisions.

It answers what rules need and nothing more: which tables and columns exist (with types),
which indexes and keys exist on which columns, which extensions are installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from devdb.lint.sqlrules import (
    ColType,
    alter_cmds,
    coltype,
    constraints,
    contype,
    ename,
    index_columns,
    kind,
    names,
    relname,
    subtype,
)


@dataclass(frozen=True)
class IndexInfo:
    table: str
    columns: tuple[str, ...]
    method: str


@dataclass
class Schema:
    tables: set[str] = field(default_factory=set)
    columns: dict[tuple[str, str], ColType] = field(default_factory=dict)
    keys: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # PK / UNIQUE
    indexes: dict[str, IndexInfo] = field(default_factory=dict)
    extensions: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)  # enum and composite types created
    constraint_names: set[str] = field(default_factory=set)  # named constraints added

    def copy(self) -> Schema:
        return Schema(
            set(self.tables),
            dict(self.columns),
            {t: list(k) for t, k in self.keys.items()},
            dict(self.indexes),
            set(self.extensions),
            set(self.types),
            set(self.constraint_names),
        )

    def column_type(self, table: str, column: str) -> ColType | None:
        return self.columns.get((table, column))

    def has_index_on(self, table: str, columns: tuple[str, ...]) -> bool:
        """Is there an index (or PK/UNIQUE) whose leading columns are exactly `columns`?"""
        n = len(columns)
        want = set(columns)
        leading = [i.columns for i in self.indexes.values() if i.table == table]
        leading += self.keys.get(table, [])
        return any(len(cols) >= n and set(cols[:n]) == want for cols in leading)

    def apply(self, node: Any) -> None:
        handler = getattr(self, f"_apply_{kind(node)}", None)
        if handler is not None:
            handler(node)

    def _add_column(self, table: str, coldef: Any) -> None:
        col = str(coldef.colname).lower()
        if coldef.typeName is not None:
            self.columns[(table, col)] = coltype(coldef.typeName)
        for c in constraints(coldef):
            if c.conname:
                self.constraint_names.add(str(c.conname).lower())
            if contype(c) in ("CONSTR_PRIMARY", "CONSTR_UNIQUE"):
                self.keys.setdefault(table, []).append((col,))

    def _add_key(self, table: str, constraint: Any) -> None:
        if constraint.conname:
            self.constraint_names.add(str(constraint.conname).lower())
        if contype(constraint) not in ("CONSTR_PRIMARY", "CONSTR_UNIQUE"):
            return
        cols = names(constraint.keys)
        if not cols and constraint.indexname:
            info = self.indexes.get(str(constraint.indexname).lower())
            cols = info.columns if info else ()
        if cols:
            self.keys.setdefault(table, []).append(cols)

    def _apply_CreateStmt(self, node: Any) -> None:
        table = relname(node.relation)
        if node.if_not_exists and table in self.tables:
            return
        self._drop_table(table)
        self.tables.add(table)
        for elt in node.tableElts or ():
            if kind(elt) == "ColumnDef":
                self._add_column(table, elt)
            elif kind(elt) == "Constraint":
                self._add_key(table, elt)

    def _apply_AlterTableStmt(self, node: Any) -> None:
        table = relname(node.relation)
        for cmd in alter_cmds(node):
            st = subtype(cmd)
            if st == "AT_AddColumn":
                self._add_column(table, cmd.def_)
            elif st == "AT_DropColumn":
                col = str(cmd.name).lower()
                self.columns.pop((table, col), None)
                self.keys[table] = [k for k in self.keys.get(table, []) if col not in k]
                for name, info in list(self.indexes.items()):
                    if info.table == table and col in info.columns:
                        del self.indexes[name]
            elif st == "AT_AlterColumnType" and cmd.def_ is not None:
                if cmd.def_.typeName is not None:
                    self.columns[(table, str(cmd.name).lower())] = coltype(cmd.def_.typeName)
            elif st == "AT_AddConstraint" and kind(cmd.def_) == "Constraint":
                self._add_key(table, cmd.def_)
            elif st == "AT_DropConstraint" and cmd.name:
                self.constraint_names.discard(str(cmd.name).lower())

    def _apply_IndexStmt(self, node: Any) -> None:
        if node.idxname:
            self.indexes[str(node.idxname).lower()] = IndexInfo(
                relname(node.relation),
                index_columns(node),
                str(node.accessMethod or "btree").lower(),
            )

    def _drop_table(self, table: str) -> None:
        self.tables.discard(table)
        self.keys.pop(table, None)
        for key in [k for k in self.columns if k[0] == table]:
            del self.columns[key]
        for name in [n for n, i in self.indexes.items() if i.table == table]:
            del self.indexes[name]

    def _apply_DropStmt(self, node: Any) -> None:
        what = ename(node.removeType)
        for obj in node.objects or ():
            name = names(obj)[-1] if isinstance(obj, tuple | list) else names((obj,))[-1]
            if what == "OBJECT_TABLE":
                self._drop_table(name)
            elif what == "OBJECT_INDEX":
                self.indexes.pop(name, None)
            elif what == "OBJECT_EXTENSION":
                self.extensions.discard(name)
            elif what == "OBJECT_TYPE":
                self.types.discard(name)

    def _apply_RenameStmt(self, node: Any) -> None:
        what = ename(node.renameType)
        new = str(node.newname).lower()
        if what == "OBJECT_TABLE":
            old = relname(node.relation)
            if old in self.tables:
                self.tables.discard(old)
                self.tables.add(new)
            for (t, c), typ in list(self.columns.items()):
                if t == old:
                    del self.columns[(t, c)]
                    self.columns[(new, c)] = typ
            if old in self.keys:
                self.keys[new] = self.keys.pop(old)
            for name, info in list(self.indexes.items()):
                if info.table == old:
                    self.indexes[name] = IndexInfo(new, info.columns, info.method)
        elif what == "OBJECT_COLUMN":
            table, old = relname(node.relation), str(node.subname).lower()
            if (table, old) in self.columns:
                self.columns[(table, new)] = self.columns.pop((table, old))
            self.keys[table] = [
                tuple(new if c == old else c for c in k) for k in self.keys.get(table, [])
            ]
            for name, info in list(self.indexes.items()):
                if info.table == table and old in info.columns:
                    cols = tuple(new if c == old else c for c in info.columns)
                    self.indexes[name] = IndexInfo(table, cols, info.method)
        elif what == "OBJECT_INDEX" and node.relation is not None:
            old = relname(node.relation)
            if old in self.indexes:
                self.indexes[new] = self.indexes.pop(old)

    def _apply_CreateExtensionStmt(self, node: Any) -> None:
        self.extensions.add(str(node.extname).lower())

    def _apply_CreateEnumStmt(self, node: Any) -> None:
        self.types.add(names(node.typeName)[-1])

    def _apply_CompositeTypeStmt(self, node: Any) -> None:
        self.types.add(relname(node.typevar))

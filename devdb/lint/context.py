"""What a rule sees while one migration file is linted, and the registry of checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devdb.lint.model import RULES, Finding, LintConfig, Severity
from devdb.lint.pysource import PySource
from devdb.lint.schema import Schema
from devdb.lint.sqlrender import Rendered
from devdb.lint.sqlrules import ColType, Stmt, parse_type


@dataclass
class FileCtx:
    path: str
    src: PySource
    config: LintConfig
    schema: Schema  # live: the state before the statement being checked
    stmts: list[Stmt] = field(default_factory=list)
    rendered: Rendered | None = None
    rendered_ok: bool = False  # upgrade() ran to the end offline
    history_complete: bool = False  # every earlier revision is known and rendered
    new_tables: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    scratch: dict[str, Any] = field(default_factory=dict)

    @property
    def revision(self) -> str | None:
        return self.src.revision

    def add(
        self,
        code: str,
        line: int | None,
        message: str,
        checklist: tuple[str, ...] | None = None,
        severity: Severity | None = None,
    ) -> None:
        if code in self.config.disabled:
            return
        info = RULES[code]
        self.findings.append(
            Finding(
                code=code,
                severity=self.config.severity_of(code, severity or info.severity),
                path=self.path,
                revision=self.revision,
                line=line,
                message=message,
                why=info.why,
                safer=info.safer,
                checklist=info.checklist if checklist is None else checklist,
            )
        )

    def once(self, key: str) -> bool:
        """True the first time `key` is seen in this file (for one-per-file findings)."""
        seen: set[str] = self.scratch.setdefault("_once", set())
        if key in seen:
            return False
        seen.add(key)
        return True

    def is_new(self, table: str) -> bool:
        """Created earlier in this migration or in an unreleased one: nobody else uses it
        yet, so lock rules do not apply."""
        return table in self.new_tables

    def is_sensitive(self, table: str) -> bool:
        return self.config.is_sensitive(table)

    def column_type_before(self, table: str, column: str) -> ColType | None:
        """The column's type before the current statement: from earlier statements and
        revisions, else from the author's alter_column(existing_type=...)."""
        known = self.schema.column_type(table, column)
        if known is None and self.rendered is not None:
            raw = self.rendered.existing_types.get((table, column))
            if raw:
                known = parse_type(raw)
        return known


StmtCheck = Callable[[FileCtx, Stmt], None]
FileCheck = Callable[[FileCtx], None]
STMT_CHECKS: list[StmtCheck] = []
FILE_CHECKS: list[FileCheck] = []


def stmt_check(fn: StmtCheck) -> StmtCheck:
    """Register a check run on every statement, in order, with ctx.schema before it."""
    STMT_CHECKS.append(fn)
    return fn


def file_check(fn: FileCheck) -> FileCheck:
    """Register a check run once per file after the statements (final schema)."""
    FILE_CHECKS.append(fn)
    return fn

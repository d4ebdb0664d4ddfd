"""`devdb lint`: the migration linter (no engine, no database).

Each migration is read twice: its Python source (ast) and the SQL Alembic renders for its
upgrade() offline, parsed with PostgreSQL's own parser (pglast). Rules come from the
runbook (DD1xx), lock safety (DD2xx), pgvector (DD3xx) and autogenerate leftovers (DD4xx);
DD0xx are about the linting itself.
"""

from __future__ import annotations

# Importing the rule modules registers their rules and checks.
from devdb.lint import rules_autogen, rules_locks, rules_meta, rules_pgvector, rules_runbook
from devdb.lint.engine import lint_files, revision_files
from devdb.lint.model import (
    DATA_SAFETY_CHECKLIST,
    DEFAULT_SENSITIVE_TABLE_PATTERNS,
    RULES,
    Finding,
    LintConfig,
    LintReport,
    RuleInfo,
)
from devdb.lint.report import FORMATS, format_report, format_rules

del rules_autogen, rules_locks, rules_meta, rules_pgvector, rules_runbook

# Keep the table in code order (the README lists rules from it).
_by_code = dict(sorted(RULES.items()))
RULES.clear()
RULES.update(_by_code)
del _by_code

__all__ = [
    "DATA_SAFETY_CHECKLIST",
    "DEFAULT_SENSITIVE_TABLE_PATTERNS",
    "FORMATS",
    "RULES",
    "Finding",
    "LintConfig",
    "LintReport",
    "RuleInfo",
    "format_report",
    "format_rules",
    "lint_files",
    "revision_files",
]

"""The linter's data: findings, rule metadata, configuration, the report."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

DEFAULT_SENSITIVE_TABLE_PATTERNS = [
    "owner",
    "permission",
    "share",
    "sharing",
    "document",
    "notification",
    "action_point",
]

# The runbook's "Data Safety Checklist", attached to findings on sensitive tables.
DATA_SAFETY_CHECKLIST: tuple[str, ...] = (
    "Does the migration affect ownership, permissions, sharing, documents, notifications, "
    "or action-point placement?",
    "Can old app code still run against the new schema during deployment?",
    "Can new app code tolerate old data?",
    "Are backfills bounded and observable?",
    "Is rollback documented?",
)


@dataclass(frozen=True)
class Finding:
    """One problem in one migration file."""

    code: str
    severity: Severity
    path: str
    revision: str | None
    line: int | None
    message: str
    why: str
    safer: str
    checklist: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleInfo:
    """What a rule code means; the README's rule table is generated from these."""

    code: str
    severity: Severity
    title: str
    why: str
    safer: str
    example: str
    group: str
    checklist: tuple[str, ...] = ()


RULES: dict[str, RuleInfo] = {}


def register(
    code: str,
    severity: Severity,
    title: str,
    *,
    why: str,
    safer: str,
    example: str,
    group: str,
    checklist: tuple[str, ...] = (),
) -> RuleInfo:
    """Add a rule to the RULES table (codes are stable; never reuse one)."""
    if code in RULES:
        raise ValueError(f"duplicate lint rule code {code}")
    info = RuleInfo(code, severity, title, why, safer, example, group, checklist)
    RULES[code] = info
    return info


@dataclass
class LintConfig:
    """What the linter needs to know about the project (no database needed)."""

    # None: unknown (the dimension rule then says nothing rather than guess).
    embedding_dim: int | None = None
    embedding_dim_source: str = ""  # where embedding_dim was found, shown in DD301
    # Dimensions the project's models/settings/env example name, and where (discovered).
    project_dims: dict[int, str] = field(default_factory=dict)
    sensitive_table_patterns: list[str] = field(
        default_factory=lambda: list(DEFAULT_SENSITIVE_TABLE_PATTERNS)
    )
    # Tables known to exist before the linted revisions (e.g. created outside migrations).
    existing_tables: set[str] | None = None
    # Extensions created outside migrations (e.g. by an init script): {"vector"}.
    preinstalled_extensions: set[str] = field(default_factory=set)
    # env.py sets lock_timeout for every migration: do not ask for it per file.
    assume_lock_timeout: bool = False
    # Extra sys.path entries while importing migration modules (the project root).
    import_paths: list[Path] = field(default_factory=list)
    # Revisions not released yet (not on the main branch): tables they create are new.
    unreleased_revisions: set[str] = field(default_factory=set)
    # [tool.devdb.lint]: rules switched off, and rules given another severity.
    disabled: set[str] = field(default_factory=set)
    severities: dict[str, Severity] = field(default_factory=dict)

    def severity_of(self, code: str, default: Severity) -> Severity:
        return self.severities.get(code, default)

    def is_sensitive(self, table: str) -> bool:
        """A pattern with * ? [ is a glob over the table name; otherwise a substring."""
        name = table.lower()
        for pattern in self.sensitive_table_patterns:
            p = pattern.lower()
            if any(ch in p for ch in "*?["):
                if fnmatch.fnmatchcase(name, p):
                    return True
            elif p in name:
                return True
        return False


@dataclass(frozen=True)
class Suppressed:
    """A finding an ignore comment hid, and the reason the comment gives."""

    code: str
    path: str
    line: int | None
    reason: str


@dataclass
class LintReport:
    """Findings over a set of migration files, sorted by path and line."""

    findings: list[Finding]
    files: list[str]
    suppressed_findings: list[Suppressed] = field(default_factory=list)

    @property
    def suppressed(self) -> int:
        return len(self.suppressed_findings)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def infos(self) -> int:
        return sum(1 for f in self.findings if f.severity == "info")

    @property
    def has_errors(self) -> bool:
        return self.errors > 0

    def fails(self, fail_on: str = "error") -> bool:
        """Does the report fail at this level (`error`, or `warning` for errors+warnings)?"""
        if fail_on == "warning":
            return self.errors + self.warnings > 0
        return self.errors > 0


@dataclass(frozen=True)
class Chunk:
    """One write of SQL text (usually one statement) and the migration line behind it."""

    line: int | None
    sql: str

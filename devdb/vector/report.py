"""The doctor's findings and report: each finding one line with its measured figure and the
SQL that fixes it; each index a verdict (keep, retune, rebuild, drop). Text and JSON views."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "info")
VERDICTS = ("keep", "retune", "rebuild", "drop")  # mildest first: the worst finding wins


@dataclass
class Finding:
    code: str  # stable: dimension-mismatch, opclass-mismatch, recall-low, …
    severity: str
    subject: str  # the table.column or index it is about
    message: str  # one line, with the measured figure
    fix: str = ""  # SQL (or a setting) that fixes it; "" when there is nothing to run
    verdict: str | None = None  # what it means for the index named in `subject`


@dataclass
class IndexReport:
    name: str
    table: str
    column: str
    method: str
    opclass: str
    operator: str | None
    params: dict[str, int]
    size_bytes: int
    table_bytes: int
    verdict: str = "keep"
    fix: str = ""
    measurement: dict[str, Any] | None = None


@dataclass
class Report:
    database: str
    extension: dict[str, Any]
    dimensions: dict[str, Any]
    columns: list[dict[str, Any]]
    indexes: list[IndexReport]
    code: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)
        if finding.verdict is None:
            return
        for index in self.indexes:
            if index.name == finding.subject and VERDICTS.index(finding.verdict) > VERDICTS.index(
                index.verdict
            ):
                index.verdict, index.fix = finding.verdict, finding.fix

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["errors"] = self.errors
        data["warnings"] = sum(1 for f in self.findings if f.severity == "warning")
        order = {s: i for i, s in enumerate(SEVERITIES)}
        data["findings"] = [
            asdict(f) for f in sorted(self.findings, key=lambda f: order[f.severity])
        ]
        return data


def format_text(report: Report) -> str:
    order = {s: i for i, s in enumerate(SEVERITIES)}
    lines: list[str] = []
    ext = report.extension
    lines.append(
        f"database {report.database}: pgvector {ext.get('installed') or 'not installed'}"
        f" (available {ext.get('available') or '-'})"
    )
    for finding in sorted(report.findings, key=lambda f: order[f.severity]):
        lines.append(f"{finding.severity:<7} {finding.code} {finding.subject}: {finding.message}")
        for fix_line in finding.fix.splitlines():
            lines.append(f"        fix: {fix_line}")
    if report.indexes:
        lines.append("")
        lines.append("index verdicts:")
    for index in report.indexes:
        measured = index.measurement or {}
        figures = ""
        if measured:
            figures = (
                f"  recall@{measured['k']} {measured['recall']:.2f} at "
                f"{measured['setting']}={measured['current']}, "
                f"p50 {measured['ann_p50_ms']:.1f} ms (exact {measured['exact_p50_ms']:.1f} ms)"
            )
        lines.append(
            f"  {index.verdict:<8} {index.name} ({index.method}, {index.opclass}){figures}"
        )
    lines.append("")
    warnings = sum(1 for f in report.findings if f.severity == "warning")
    lines.append(f"{report.errors} error(s), {warnings} warning(s) in {report.seconds:.1f}s")
    return "\n".join(lines)

"""Render a LintReport as text, JSON, GitHub workflow annotations or SARIF 2.1.0.

Info findings (review items) are shown in text and GitHub output only when verbose; JSON and
SARIF always carry every finding with its severity."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from devdb.errors import DevdbError
from devdb.lint.model import RULES, Finding, LintReport

FORMATS = ("text", "json", "github", "sarif")


def format_report(report: LintReport, fmt: str, *, verbose: bool = False) -> str:
    if fmt == "text":
        return _text(report, verbose)
    if fmt == "json":
        return _json(report)
    if fmt == "github":
        return _github(report, verbose)
    if fmt == "sarif":
        return _sarif(report)
    raise DevdbError(f"unknown lint output format {fmt!r}", f"use one of {', '.join(FORMATS)}")


def _where(f: Finding) -> str:
    return f"{f.path}:{f.line}" if f.line else f.path


def _summary(report: LintReport, verbose: bool) -> str:
    n = len(report.files)
    files = f"{n} migration file{'s' if n != 1 else ''}"
    info = ""
    if report.infos:
        info = f", {report.infos} info" + ("" if verbose else " (--verbose shows them)")
    hidden = f", {report.suppressed} suppressed" if report.suppressed else ""
    return f"{report.errors} error(s), {report.warnings} warning(s){info} in {files}{hidden}"


def _shown(report: LintReport, verbose: bool) -> list[Finding]:
    return [f for f in report.findings if verbose or f.severity != "info"]


def _text(report: LintReport, verbose: bool) -> str:
    lines: list[str] = []
    for f in _shown(report, verbose):
        rev = f" [{f.revision}]" if f.revision else ""
        title = RULES[f.code].title if f.code in RULES else ""
        lines.append(f"{_where(f)}: {f.code} {f.severity}{rev} {title}: {f.message}")
        lines.append(f"    why:   {f.why}")
        lines.append(f"    safer: {f.safer}")
        for question in f.checklist:
            lines.append(f"    [ ] {question}")
    for s in report.suppressed_findings:
        where = f"{s.path}:{s.line}" if s.line else s.path
        lines.append(f"{where}: {s.code} suppressed: {s.reason}")
    unchecked = sorted({f.path for f in report.findings if f.code == "DD004"})
    if unchecked and not verbose:
        lines.append(
            f"{len(unchecked)} migration(s) not fully checked (upgrade() could not be run "
            "offline): --verbose says why"
        )
    lines.append(_summary(report, verbose))
    return "\n".join(lines)


def _json(report: LintReport) -> str:
    payload = {
        "summary": {
            "files": len(report.files),
            "errors": report.errors,
            "warnings": report.warnings,
            "infos": report.infos,
            "suppressed": report.suppressed,
        },
        "findings": [
            {**asdict(f), "checklist": list(f.checklist), "title": RULES[f.code].title}
            for f in report.findings
        ],
        "suppressed": [asdict(s) for s in report.suppressed_findings],
    }
    return json.dumps(payload, indent=2)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _github(report: LintReport, verbose: bool) -> str:
    lines = []
    for f in _shown(report, verbose):
        props = [f"file={_escape_property(f.path)}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={_escape_property(f'{f.code} {RULES[f.code].title}')}")
        body = f"{f.message}\nWhy: {f.why}\nSafer: {f.safer}"
        if f.checklist:
            body += "\n" + "\n".join(f"- [ ] {q}" for q in f.checklist)
        lines.append(f"::{_GITHUB_LEVEL[f.severity]} {','.join(props)}::{_escape_data(body)}")
    return "\n".join(lines)


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _sarif(report: LintReport) -> str:
    """SARIF 2.1.0 for code scanning: one run, the rule table as the driver's rules."""
    rules = [
        {
            "id": info.code,
            "name": info.title,
            "shortDescription": {"text": info.title},
            "fullDescription": {"text": info.why},
            "help": {"text": f"Safer: {info.safer}\nExample: {info.example}"},
            "defaultConfiguration": {"level": _SARIF_LEVEL[info.severity]},
            "properties": {"group": info.group},
        }
        for info in RULES.values()
    ]
    index = {code: i for i, code in enumerate(RULES)}
    results = []
    for f in report.findings:
        location: dict[str, Any] = {"artifactLocation": {"uri": f.path.replace("\\", "/")}}
        if f.line:
            location["region"] = {"startLine": f.line}
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index.get(f.code, -1),
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f"{f.message}. Safer: {f.safer}"},
                "locations": [{"physicalLocation": location}],
                "properties": {"revision": f.revision, "severity": f.severity},
            }
        )
    for s in report.suppressed_findings:
        location = {"artifactLocation": {"uri": s.path.replace("\\", "/")}}
        if s.line:
            location["region"] = {"startLine": s.line}
        results.append(
            {
                "ruleId": s.code,
                "ruleIndex": index.get(s.code, -1),
                "level": "none",
                "message": {"text": f"suppressed: {s.reason}"},
                "locations": [{"physicalLocation": location}],
                "suppressions": [{"kind": "inSource", "justification": s.reason}],
            }
        )
    payload = {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "devdb lint",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(payload, indent=2)


def format_rules() -> str:
    """The rule table as Markdown (for the README): code, severity, title, why, safer way,
    and an example, grouped by source."""
    titles = {
        "meta": "Linting itself (DD0xx)",
        "runbook": "Runbook rules (DD1xx)",
        "locks": "Lock safety on existing tables (DD2xx)",
        "pgvector": "pgvector (DD3xx)",
        "autogenerate": "Autogenerate leftovers (DD4xx)",
    }
    out: list[str] = []
    group = None
    for info in RULES.values():
        if info.group != group:
            group = info.group
            out += ["", f"### {titles.get(group, group)}", ""]
            out += [
                "| Code | Severity | Rule | Why | Safer | Example |",
                "|---|---|---|---|---|---|",
            ]
        lines = info.example.replace("|", "\\|").splitlines()
        example = "<br>".join(f"`{line.strip()}`" for line in lines if line.strip())
        cells = [info.code, info.severity, info.title, info.why, info.safer, example]
        out.append("| " + " | ".join(c.replace("\n", " ") for c in cells) + " |")
    return "\n".join(out).strip() + "\n"

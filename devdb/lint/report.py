"""Render a LintReport as text, JSON or GitHub workflow annotations."""

from __future__ import annotations

import json
from dataclasses import asdict

from devdb.errors import DevdbError
from devdb.lint.model import RULES, Finding, LintReport

FORMATS = ("text", "json", "github")


def format_report(report: LintReport, fmt: str) -> str:
    if fmt == "text":
        return _text(report)
    if fmt == "json":
        return _json(report)
    if fmt == "github":
        return _github(report)
    raise DevdbError(f"unknown lint output format {fmt!r}", f"use one of {', '.join(FORMATS)}")


def _where(f: Finding) -> str:
    return f"{f.path}:{f.line}" if f.line else f.path


def _summary(report: LintReport) -> str:
    n = len(report.files)
    files = f"{n} migration file{'s' if n != 1 else ''}"
    hidden = f", {report.suppressed} suppressed" if report.suppressed else ""
    return f"{report.errors} error(s), {report.warnings} warning(s) in {files}{hidden}"


def _text(report: LintReport) -> str:
    lines: list[str] = []
    for f in report.findings:
        rev = f" [{f.revision}]" if f.revision else ""
        title = RULES[f.code].title if f.code in RULES else ""
        lines.append(f"{_where(f)}: {f.code} {f.severity}{rev} {title}: {f.message}")
        lines.append(f"    why:   {f.why}")
        lines.append(f"    safer: {f.safer}")
        for question in f.checklist:
            lines.append(f"    [ ] {question}")
    lines.append(_summary(report))
    return "\n".join(lines)


def _json(report: LintReport) -> str:
    payload = {
        "summary": {
            "files": len(report.files),
            "errors": report.errors,
            "warnings": report.warnings,
            "suppressed": report.suppressed,
        },
        "findings": [
            {**asdict(f), "checklist": list(f.checklist), "title": RULES[f.code].title}
            for f in report.findings
        ],
    }
    return json.dumps(payload, indent=2)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _github(report: LintReport) -> str:
    lines = []
    for f in report.findings:
        props = [f"file={_escape_property(f.path)}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={_escape_property(f'{f.code} {RULES[f.code].title}')}")
        body = f"{f.message}\nWhy: {f.why}\nSafer: {f.safer}"
        if f.checklist:
            body += "\n" + "\n".join(f"- [ ] {q}" for q in f.checklist)
        lines.append(f"::{f.severity} {','.join(props)}::{_escape_data(body)}")
    return "\n".join(lines)


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

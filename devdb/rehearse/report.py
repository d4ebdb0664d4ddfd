"""The rehearsal's report: by migration, the runbook's Data Safety Checklist answered with
what was measured, and a verdict. JSON (as_dict), text and GitHub annotations.

Longer than most modules: the three renderings of one report and the checklist they share.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from devdb.lint.model import DATA_SAFETY_CHECKLIST
from devdb.rehearse.trace import SHORT_MODE, Trace, blocks, blocks_writes, strength

_BACKFILL = re.compile(r"^\s*(UPDATE|DELETE|INSERT\s+INTO\s+\S+\s+SELECT)\b", re.I)
BATCH_SHARE = 0.10  # a transaction that holds row locks on more than this share is unbounded
BATCH_FLOOR = 1000


@dataclass
class Migration:
    revision: str
    doc: str
    seconds: float
    statements: list[dict[str, Any]]
    locks: list[dict[str, Any]]  # per relation: mode (strongest), modes, blocks, seconds
    strongest_lock: dict[str, Any] | None  # locks[0]: the strongest mode, then the longest
    max_write_block_seconds: float
    rewrites: list[str]
    backfill: dict[str, Any] | None
    touched_tables: list[str] = field(default_factory=list)  # written or locked for writing
    # lint's findings on this file, each confirmed, cleared or left unmeasured by the trace
    lint: list[dict[str, Any]] = field(default_factory=list)
    checklist: list[dict[str, str]] = field(default_factory=list)
    verdict: str = "ok"
    problems: list[str] = field(default_factory=list)


@dataclass
class Report:
    project: str
    base: dict[str, Any]
    copy: dict[str, Any]
    migrations: list[Migration]
    seconds: dict[str, float]
    tracer_overhead: float | None
    downgrade: dict[str, Any] | None
    tests: dict[str, Any] | None  # old code on the new schema (rehearse.oldtests)
    max_lock_seconds: float
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    # The runbook's Data Safety Checklist: question, answer (measured), ok (None: not measured)
    checklist: list[dict[str, Any]] = field(default_factory=list)
    lint_problem: str | None = None  # why lint's findings are missing, when they are

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_TARGET = re.compile(
    r"^\s*(?:ALTER\s+TABLE(?:\s+IF\s+EXISTS)?(?:\s+ONLY)?"
    r"|CREATE\s+(?:UNIQUE\s+)?INDEX(?:\s+CONCURRENTLY)?(?:\s+IF\s+NOT\s+EXISTS)?(?:\s+[\w\"]+)?\s+ON(?:\s+ONLY)?"
    r"|UPDATE(?:\s+ONLY)?|DELETE\s+FROM(?:\s+ONLY)?|INSERT\s+INTO|TRUNCATE(?:\s+TABLE)?"
    r"|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|CREATE\s+TABLE(?:\s+IF\s+NOT\s+EXISTS)?)"
    r"\s+([\w.\"]+)",
    re.I,
)


def target_table(sql: str) -> str | None:
    """The table a DDL or DML statement names first (for the checklist's sensitive tables)."""
    match = _TARGET.match(sql)
    if not match or match.group(1).upper() == "ONLY":
        return None
    name = match.group(1).replace('"', "").removeprefix("public.")
    return None if name == "alembic_version" else name


def _rows_of(sql: str, table_rows: dict[str, int]) -> tuple[str | None, int]:
    match = re.match(
        r"^\s*(?:UPDATE|DELETE\s+FROM|INSERT\s+INTO)\s+(?:ONLY\s+)?([\w.\"]+)", sql, re.I
    )
    name = match.group(1).strip('"') if match else None
    return name, table_rows.get(name or "", 0)


def build_migration(
    revision: str,
    doc: str,
    trace: Trace,
    table_rows: dict[str, int],
    max_lock: float,
) -> Migration:
    statements = [s for s in trace.statements if s["revision"] == revision]
    holds = [
        h
        for h in trace.holds
        if h["revision"] == revision and blocks_writes(h["mode"]) and h.get("relkind") != "i"
    ]
    # One entry per relation: its strongest write-blocking mode, every such mode it held, and
    # the longest any of them was held (first acquisition to commit).
    per_relation: dict[str, dict[str, Any]] = {}
    for hold in holds:
        entry = per_relation.setdefault(
            hold["relation"],
            {"relation": hold["relation"], "mode": hold["mode"], "modes": [], "seconds": 0.0},
        )
        if strength(hold["mode"]) > strength(entry["mode"]):
            entry["mode"] = hold["mode"]
        if hold["mode"] not in entry["modes"]:
            entry["modes"].append(hold["mode"])
        entry["seconds"] = max(entry["seconds"], hold["seconds"])
    for entry in per_relation.values():
        entry["blocks"] = blocks(entry["mode"])
        entry["modes"].sort(key=strength, reverse=True)
    locks = sorted(
        per_relation.values(), key=lambda h: (strength(h["mode"]), h["seconds"]), reverse=True
    )
    backfill_statements = [
        s for s in statements if _BACKFILL.match(s["sql"]) and (s["rows"] or 0) > 0
    ]
    backfill = None
    row_lock_hold = 0.0
    if backfill_statements:
        largest = max(backfill_statements, key=lambda s: s["rows"] or 0)
        table, total = _rows_of(largest["sql"], table_rows)
        limit = max(BATCH_FLOOR, int(BATCH_SHARE * total))
        in_one = sum(s["rows"] or 0 for s in backfill_statements if s["in_transaction"])
        per_tx = max(
            in_one
            if len(backfill_statements) > 1
            and any(s["in_transaction"] for s in backfill_statements)
            else 0,
            largest["rows"] or 0,
        )
        row_lock_hold = max(s["held_seconds"] for s in backfill_statements)
        backfill = {
            "table": table,
            "statements": len(backfill_statements),
            "rows": sum(s["rows"] or 0 for s in backfill_statements),
            "largest_statement_rows": largest["rows"],
            "rows_locked_in_one_transaction": per_tx,
            "seconds": round(sum(s["seconds"] for s in backfill_statements), 4),
            "row_locks_held_seconds": round(row_lock_hold, 4),
            "bounded": per_tx <= limit,
        }
    max_block = max([h["seconds"] for h in locks] + [0.0])
    rewrites = sorted({name for s in statements for name in s["rewritten"]})
    migration = Migration(
        revision=revision,
        doc=doc,
        seconds=round(sum(s["seconds"] for s in statements), 4),
        statements=statements,
        locks=locks,
        strongest_lock=locks[0] if locks else None,
        max_write_block_seconds=round(max_block, 4),
        rewrites=rewrites,
        backfill=backfill,
    )
    if max_block > max_lock:
        worst = max(locks, key=lambda h: (h["seconds"], strength(h["mode"])))
        migration.problems.append(
            f"{SHORT_MODE.get(worst['mode'], worst['mode'])} on {worst['relation']} blocks "
            f"{worst['blocks']} for {worst['seconds']:.2f} s (> --max-lock {max_lock:g} s)"
        )
    if backfill and not backfill["bounded"]:
        migration.problems.append(
            f"backfill of {backfill['table']}: {backfill['rows_locked_in_one_transaction']:,} rows locked in one transaction"
        )
    migration.touched_tables = sorted(
        {
            lock["relation"]
            for s in statements
            for lock in s["locks"]
            if lock.get("relkind") in ("r", "p")
            and strength(lock["mode"]) >= strength("RowExclusiveLock")
        }
        | {name for s in statements if (name := target_table(s["sql"]))}
    )
    migration.checklist = checklist(migration)
    migration.verdict = (
        "blocks writes" if max_block > max_lock else ("review" if migration.problems else "ok")
    )
    return migration


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _lock_text(migration: Migration) -> str:
    if not migration.locks:
        return "no lock that blocks reads or writes was held"
    parts = [
        f"{SHORT_MODE.get(lock['mode'], lock['mode'])} on {lock['relation']} held "
        f"{_duration(lock['seconds'])} (blocks {lock['blocks']})"
        for lock in migration.locks[:3]
    ]
    more = len(migration.locks) - 3
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def checklist(migration: Migration) -> list[dict[str, str]]:
    lines = [{"item": "locks", "answer": _lock_text(migration)}]
    lines.append(
        {
            "item": "rewrite",
            "answer": "rewrote " + ", ".join(migration.rewrites)
            if migration.rewrites
            else "no table or index rewritten",
        }
    )
    b = migration.backfill
    if b:
        answer = (
            f"{b['rows']:,} rows in {b['statements']} statement(s), {b['seconds']:.2f} s, "
            f"{b['rows_locked_in_one_transaction']:,} rows locked in one transaction for "
            f"{b['row_locks_held_seconds']:.2f} s — {'bounded' if b['bounded'] else 'not bounded'}"
        )
    else:
        answer = "no backfill"
    lines.append({"item": "Are backfills bounded and observable?", "answer": answer})
    wal = sum(s["wal_bytes"] for s in migration.statements)
    lines.append(
        {
            "item": "duration",
            "answer": f"{migration.seconds:.3f} s, {len(migration.statements)} statements, {wal:,} WAL bytes",
        }
    )
    return lines


# Lock-safety rules (DD2xx) are guesses about locks and rewrites: the trace answers them.
# DD210 (lock_timeout in env.py) is about the deploy's settings, not this copy.
_MEASURABLE = ("DD2",)


def judge_lint(migration: Migration, findings: list[Any], max_lock: float) -> None:
    """Attach lint's findings to the migration with what was measured against each: a lock
    rule against the lock on the table it names (else the migration's strongest)."""
    for finding in findings:
        words = set(re.findall(r"[\w.]+", finding.message))
        if finding.code.startswith(_MEASURABLE) and finding.code != "DD210":
            lock = next(
                (h for h in migration.locks if h["relation"] in words), migration.strongest_lock
            )
            held = lock["seconds"] if lock else 0.0
            rewrote = [r for r in migration.rewrites if r in words] or migration.rewrites
            note = "measured: " + (
                f"{_duration(held)} under {SHORT_MODE.get(lock['mode'], lock['mode'])} "
                f"on {lock['relation']}"
                if lock
                else "no lock that blocks writes"
            )
            note += ", rewrote " + ", ".join(rewrote) if rewrote else ", no rewrite"
            status = "confirmed" if held > max_lock else "cleared"
        elif finding.code == "DD110":
            status, note = "answered", "by the Data Safety Checklist of this report"
        else:
            status, note = "not measured", ""
        migration.lint.append(
            {
                "code": finding.code,
                "severity": finding.severity,
                "line": finding.line,
                "message": finding.message,
                "status": status,
                "measured": note,
            }
        )


def data_safety_checklist(
    report: Report, is_sensitive: Callable[[str], bool]
) -> list[dict[str, Any]]:
    """The runbook's five questions, each answered from what this rehearsal measured."""
    touched: dict[str, list[str]] = {}
    for m in report.migrations:
        for table in m.touched_tables:
            touched.setdefault(table, []).append(m.revision)
    sensitive = {t: revs for t, revs in touched.items() if is_sensitive(t)}
    if sensitive:
        answer = "yes: " + "; ".join(
            f"{t} (changed by {', '.join(revs)})" for t, revs in sorted(sensitive.items())
        )
    else:
        answer = "no" + (
            f": the migrations change only {', '.join(sorted(touched))}" if touched else ""
        )
    lines: list[dict[str, Any]] = [
        {"question": DATA_SAFETY_CHECKLIST[0], "answer": answer, "ok": not sensitive}
    ]
    t = report.tests
    blocking = [m for m in report.migrations if m.verdict == "blocks writes"]
    lock_note = (
        "; but "
        + ", ".join(f"{m.revision} {_lock_text(m).split(';')[0]}" for m in blocking)
        + f", longer than --max-lock {report.max_lock_seconds:g} s"
        if blocking
        else ""
    )
    if t is None:
        lines.append(
            {
                "question": DATA_SAFETY_CHECKLIST[1],
                "answer": "not measured: no test command (--old-tests CMD, or test_command "
                "in [tool.devdb])" + lock_note,
                "ok": None if not blocking else False,
            }
        )
        lines.append({"question": DATA_SAFETY_CHECKLIST[2], "answer": "not measured", "ok": None})
    else:
        mixed, new, _ = t["runs"]
        only = t["failing_only_in_mixed_pair"]
        lines.append(
            {
                "question": DATA_SAFETY_CHECKLIST[1],
                "answer": (
                    f"no: the base release's tests fail on the new schema: {', '.join(only)}"
                    if only
                    else f"yes: the base release's tests pass on the migrated copy{_count(mixed)}"
                )
                + lock_note,
                "ok": not only and not blocking,
            }
        )
        failing = t["failing_with_new_code"]
        lines.append(
            {
                "question": DATA_SAFETY_CHECKLIST[2],
                "answer": f"no: {', '.join(failing)} fail on the migrated copy"
                if failing
                else f"yes: this code's tests pass on the migrated copy{_count(new)}",
                "ok": not failing,
            }
        )
    backfills = [m for m in report.migrations if m.backfill]
    if backfills:
        parts = []
        for m in backfills:
            b = m.backfill or {}
            parts.append(
                f"{m.revision}: {b['rows']:,} rows of {b['table']} in {b['statements']} "
                f"statement(s), {b['seconds']:.2f} s, "
                f"{b['rows_locked_in_one_transaction']:,} locked at once — "
                + ("bounded" if b["bounded"] else "not bounded")
            )
        lines.append(
            {
                "question": DATA_SAFETY_CHECKLIST[3],
                "answer": "; ".join(parts),
                "ok": all((m.backfill or {}).get("bounded") for m in backfills),
            }
        )
    else:
        lines.append({"question": DATA_SAFETY_CHECKLIST[3], "answer": "no backfill", "ok": True})
    d = report.downgrade
    if d is None:
        lines.append(
            {
                "question": DATA_SAFETY_CHECKLIST[4],
                "answer": "not rehearsed (--no-downgrade)",
                "ok": None,
            }
        )
    else:
        answer = f"downgrade to base rehearsed: {d['seconds']:.2f} s, " + (
            "loses " + ", ".join(d["lost"]) if d["lost"] else "loses nothing"
        )
        answer += (
            ", base schema restored"
            if d["restores_base_schema"]
            else f", {len(d['not_restored'])} difference(s) from the base schema"
        )
        lines.append(
            {
                "question": DATA_SAFETY_CHECKLIST[4],
                "answer": answer,
                "ok": d["restores_base_schema"] and not d["loses_data"],
            }
        )
    return lines


def _count(run: dict[str, Any]) -> str:
    return f" ({run['tests']} tests)" if run.get("tests") is not None else ""


def format_text(report: Report) -> str:
    out = [
        f"devdb rehearse: {report.project} — base {report.base.get('ref') or 'working database'} "
        f"({', '.join(report.base.get('heads') or []) or 'base'})",
        f"copy: {report.copy.get('template')} ({'reused' if report.copy.get('reused') else 'built'}), "
        + ", ".join(f"{t}={n:,}" for t, n in (report.copy.get("rows") or {}).items()),
    ]
    if report.checklist:
        out.append("")
        out.append("Data Safety Checklist")
        marks = {True: "✓", False: "✗", None: "?"}
        for line in report.checklist:
            out.append(f"  {marks[line['ok']]} {line['question']}")
            out.append(f"      {line['answer']}")
    for m in report.migrations:
        out.append("")
        out.append(f"{m.revision} {m.doc} — {m.verdict}")
        for line in m.checklist:
            out.append(f"  · {line['item']}: {line['answer']}")
        for f in m.lint:
            tail = f" — {f['status']}" + (f", {f['measured']}" if f["measured"] else "")
            out.append(f"  · lint {f['code']} ({f['severity']}) {f['message']}{tail}")
        for problem in m.problems:
            out.append(f"  ! {problem}")
    if report.downgrade:
        d = report.downgrade
        out.append("")
        out.append(
            f"downgrade to base: {d['seconds']:.2f} s; lost: "
            + (", ".join(d["lost"]) if d["lost"] else "nothing")
            + ("; base schema restored" if d["restores_base_schema"] else "")
        )
        for line in d["not_restored"]:
            out.append(f"  ! not as the base had it: {line}")
        again = d["upgrade_again"]
        out.append(
            f"  · upgrade again: {again['seconds']:.2f} s"
            if again["ran"]
            else f"  · upgrade again: not needed ({again['why']})"
        )
    if report.tests:
        t = report.tests
        out.append("")
        out.append(f"tests ({t['command']}):")
        for run in t["runs"]:
            count = f"{run['tests']} tests, " if run["tests"] is not None else ""
            state = "passed" if run["exit_code"] == 0 else f"{len(run['failed'])} failed"
            out.append(
                f"  · {run['code']} code on the {run['schema']} schema: {count}{state}, "
                f"{run['seconds']:.1f} s"
            )
        for name in t["failing_only_in_mixed_pair"]:
            out.append(f"  ! fails only with old code on the new schema: {name}")
        for name in t["failing_with_new_code"]:
            out.append(f"  ! fails with the new code on the migrated copy: {name}")
    if report.tracer_overhead is not None:
        out.append(f"tracer overhead: {report.tracer_overhead * 100:.1f}% of the migrations' time")
    if report.lint_problem:
        out.append(f"note: {report.lint_problem}")
    out.append("")
    out.append("verdict: " + ("ok" if report.ok else "; ".join(report.problems)))
    return "\n".join(out)


def format_github(report: Report) -> str:
    lines = []
    for m in report.migrations:
        level = "error" if m.verdict == "blocks writes" else "warning"
        for problem in m.problems:
            lines.append(f"::{level} title=devdb rehearse {m.revision}::{problem}")
    for problem in report.problems:
        if not any(problem in line for line in lines):
            lines.append(f"::error title=devdb rehearse::{problem}")
    return "\n".join(lines)

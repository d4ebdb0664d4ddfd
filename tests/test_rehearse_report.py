"""The rehearsal's report from a trace (no database): locks merged per relation at their
strongest mode, the tables a statement names, lint's findings judged, the formats."""

from __future__ import annotations

from typing import Any

from devdb.lint.model import Finding
from devdb.rehearse.report import (
    Report,
    build_migration,
    data_safety_checklist,
    format_github,
    format_text,
    judge_lint,
    target_table,
)
from devdb.rehearse.trace import Trace, blocks, strength


def statement(sql: str, locks: list[tuple[str, str, str]], **extra: Any) -> dict[str, Any]:
    return {
        "revision": "0100",
        "sql": sql,
        "seconds": 2.0,
        "rows": None,
        "wal_bytes": 100,
        "locks": [
            {"relation": r, "mode": m, "relkind": k, "blocks": blocks(m)} for r, m, k in locks
        ],
        "rewritten": [],
        "created": [],
        "in_transaction": bool(locks),
        "held_seconds": 2.0,
        **extra,
    }


def hold(relation: str, mode: str, seconds: float, relkind: str = "r") -> dict[str, Any]:
    return {
        "relation": relation,
        "mode": mode,
        "relkind": relkind,
        "revision": "0100",
        "seconds": seconds,
        "blocks": blocks(mode),
    }


def rewrite_trace() -> Trace:
    """ADD COLUMN … NOT NULL DEFAULT random(): PostgreSQL holds SHARE (the index rebuilds)
    and ACCESS EXCLUSIVE on the table, equally long; SHARE comes first in pg_locks."""
    sql = "ALTER TABLE documents ADD COLUMN token TEXT DEFAULT md5(random()::text) NOT NULL"
    locks = [
        ("documents", "ShareLock", "r"),
        ("documents", "AccessExclusiveLock", "r"),
        ("pk_documents", "AccessExclusiveLock", "i"),
        ("users", "ShareRowExclusiveLock", "r"),
    ]
    return Trace(
        applied=["0100"],
        current=["0100"],
        seconds=2.0,
        probe_seconds=0.01,
        statements=[statement(sql, locks, rewritten=["documents", "pk_documents"])],
        holds=[
            hold("documents", "ShareLock", 2.5),
            hold("documents", "AccessExclusiveLock", 2.5),
            hold("pk_documents", "AccessExclusiveLock", 2.5, "i"),
            hold("users", "ShareRowExclusiveLock", 3.0),
        ],
    )


def test_locks_are_one_per_relation_at_the_strongest_mode_strongest_first() -> None:
    m = build_migration("0100", "token", rewrite_trace(), {"documents": 1000}, max_lock=1.0)
    assert [(h["relation"], h["mode"]) for h in m.locks] == [
        ("documents", "AccessExclusiveLock"),
        ("users", "ShareRowExclusiveLock"),
    ]  # the index is left out; documents first though users was held longer
    assert m.strongest_lock == m.locks[0]
    assert m.locks[0]["modes"] == ["AccessExclusiveLock", "ShareLock"]
    assert m.locks[0]["blocks"] == "reads and writes"
    assert m.max_write_block_seconds == 3.0 and m.verdict == "blocks writes"
    assert m.problems[0].startswith("SHARE ROW EXCLUSIVE on users blocks writes for 3.00 s")
    assert m.touched_tables == ["documents", "users"]
    assert strength("AccessExclusiveLock") > strength("ShareLock") > strength("RowExclusiveLock")


def test_target_table_of_ddl_and_dml() -> None:
    cases = {
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON ONLY public.documents (x)": "documents",
        'ALTER TABLE IF EXISTS "users" ADD COLUMN x int': "users",
        "UPDATE documents SET body = title": "documents",
        "DELETE FROM ONLY notifications WHERE true": "notifications",
        "INSERT INTO audit SELECT id FROM documents": "audit",
        "UPDATE alembic_version SET version_num='0100'": None,
        "CREATE EXTENSION IF NOT EXISTS pg_trgm": None,
        "SELECT 1": None,
    }
    assert {sql: target_table(sql) for sql in cases} == cases


def finding(code: str, message: str) -> Finding:
    return Finding(code, "error", "0100_x.py", "0100", 3, message, "why", "safer")


def test_lint_findings_are_confirmed_cleared_or_not_measured() -> None:
    m = build_migration("0100", "token", rewrite_trace(), {}, max_lock=1.0)
    judge_lint(
        m,
        [
            finding("DD202", "adds documents.token with default random(): rewrites documents"),
            finding("DD110", "touches documents"),
            finding("DD102", "drops a column"),
        ],
        max_lock=1.0,
    )
    dd202, dd110, dd102 = m.lint
    assert dd202["status"] == "confirmed"
    assert dd202["measured"] == (
        "measured: 2.50 s under ACCESS EXCLUSIVE on documents, rewrote documents"
    )
    assert dd110["status"] == "answered" and dd102["status"] == "not measured"
    quiet = build_migration("0100", "token", rewrite_trace(), {}, max_lock=10.0)
    judge_lint(quiet, [finding("DD204", "builds index ix on users in place")], max_lock=10.0)
    assert quiet.lint[0]["status"] == "cleared"
    assert "3.00 s under SHARE ROW EXCLUSIVE on users" in quiet.lint[0]["measured"]


def test_text_github_and_checklist() -> None:
    m = build_migration("0100", "token", rewrite_trace(), {}, max_lock=1.0)
    report = Report(
        project="demo",
        base={"ref": "HEAD", "commit": "abc", "heads": ["0007"]},
        copy={"template": "t", "reused": True, "rows": {"documents": 1000}},
        migrations=[m],
        seconds={"total": 5.0, "migrations": 2.0, "tracer_probes": 0.01},
        tracer_overhead=None,
        downgrade=None,
        tests=None,
        max_lock_seconds=1.0,
        ok=False,
        problems=["0100: " + m.problems[0]],
    )
    report.checklist = data_safety_checklist(report, lambda table: "document" in table)
    sensitive, old_code, new_code, backfill, rollback = report.checklist
    assert sensitive["ok"] is False and sensitive["answer"] == "yes: documents (changed by 0100)"
    assert old_code["ok"] is False and "longer than --max-lock 1 s" in old_code["answer"]
    assert new_code["ok"] is None and backfill["ok"] is True
    assert rollback == {
        "question": "Is rollback documented?",
        "answer": "not rehearsed (--no-downgrade)",
        "ok": None,
    }
    text = format_text(report)
    assert "0100 token — blocks writes" in text and "✗ Does the migration affect" in text
    assert format_github(report).startswith("::error title=devdb rehearse 0100::SHARE ROW")

"""`devdb rehearse` end to end on both engines: one demo project per engine (a git repository
whose HEAD is the base release), migration files added per case, the JSON report read.

One test per engine runs the cases in order, each a subtest: they share the server and the
filled copy (the second case asserts it is reused), and the two engines run on the two xdist
workers (`xdist_group` marks do not group with pytest 9.2: pytest-xdist issue 1386)."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e_util import db_url, destroy, devdb, make_demo_project, server_of, versions

ROWS = "documents=4000,users=300,document_permissions=500,notifications=500,action_points=500"
ENGINES = [pytest.param("embedded"), pytest.param("docker", marks=pytest.mark.docker)]


@contextlib.contextmanager
def demo_project(engine: str, request: pytest.FixtureRequest, tmp: Path) -> Iterator[Path]:
    settings = {"engine": engine}
    if engine == "docker":
        settings["image"] = request.getfixturevalue("offline_image")
    root = make_demo_project(tmp, **settings)
    try:
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "base")
        devdb(root, "up", "--no-app", check=True, timeout=300)
        yield root
    finally:
        destroy(root)


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.email=t@t", "-c", "user.name=t", *args],
        check=True,
        capture_output=True,
    )


def migration(root: Path, rev: str, body: str, downgrade: str = "pass") -> Path:
    """versions/<rev>_case.py after the demo's head (0007) or the case revision before it."""
    path = versions(root) / f"{rev}_case.py"
    down = "0007" if rev == "0100" else f"{int(rev) - 1:04d}"

    def block(code: str) -> str:
        return textwrap.indent(textwrap.dedent(code).strip(), "    ")

    path.write_text(
        f'''"""rehearse case {rev}"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
{block(body)}


def downgrade() -> None:
{block(downgrade)}
'''
    )
    return path


def rehearse(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = devdb(
        root, "rehearse", "--base", "HEAD", "--rows", ROWS, "--format", "json", *args, timeout=300
    )
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout)


def copies_of(root: Path) -> list[str]:
    import psycopg

    with psycopg.connect(server_of(root).conninfo("postgres")) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE '%%\\_\\_rhs\\_%%'"
            )
        ]


def by_revision(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["revision"]: m for m in report["migrations"]}


def case_rewrite_under_access_exclusive_concurrent_index_and_lossy_downgrade(
    demo: Path, tmp: Path
) -> None:
    paths = [
        migration(
            demo,
            "0100",
            'op.add_column("documents", sa.Column("token", sa.Text(), nullable=False, server_default=sa.text("md5(random()::text)")))',
            'op.drop_column("documents", "token")',
        ),
        migration(
            demo,
            "0101",
            """
            with op.get_context().autocommit_block():
                op.execute("CREATE INDEX CONCURRENTLY ix_documents_created_at ON documents (created_at)")
            """,
            'op.execute("DROP INDEX IF EXISTS ix_documents_created_at")',
        ),
        migration(
            demo,
            "0102",
            """
            op.create_table("audit", sa.Column("id", sa.BigInteger(), primary_key=True))
            op.execute("INSERT INTO audit SELECT id FROM documents")
            """,
            'op.drop_table("audit")',
        ),
    ]
    try:
        code, report = rehearse(demo, "--max-lock", "0.000001")
    finally:
        for path in paths:
            path.unlink()
    rewrite, index, audit = (by_revision(report)[r] for r in ("0100", "0101", "0102"))
    # NOT NULL with a volatile default: the table and its indexes rewritten under ACCESS
    # EXCLUSIVE (the SHARE the index rebuilds take is listed under the same relation).
    assert "documents" in rewrite["rewrites"] and "pk_documents" in rewrite["rewrites"]
    strongest = rewrite["strongest_lock"]
    assert strongest == rewrite["locks"][0]
    assert (strongest["relation"], strongest["mode"], strongest["blocks"]) == (
        "documents",
        "AccessExclusiveLock",
        "reads and writes",
    )
    assert "ShareLock" in strongest["modes"] and strongest["seconds"] > 0
    assert rewrite["verdict"] == "blocks writes"
    # lint's guess (DD202: the volatile default rewrites the table) confirmed by the trace
    (dd202,) = [f for f in rewrite["lint"] if f["code"] == "DD202"]
    assert dd202["status"] == "confirmed" and "ACCESS EXCLUSIVE on documents" in dd202["measured"]
    assert "rewrote documents" in dd202["measured"]
    # CREATE INDEX CONCURRENTLY in an autocommit block: no lock that blocks writes.
    create = next(s for s in index["statements"] if "CONCURRENTLY" in s["sql"])
    assert create["in_transaction"] is False and create["created"] == ["ix_documents_created_at"]
    assert index["locks"] == [] and index["max_write_block_seconds"] == 0
    assert index["strongest_lock"] is None and index["verdict"] == "ok"
    assert audit["rewrites"] == []
    # The downgrade loses the new column and the new table's rows.
    down = report["downgrade"]
    assert down["lost_columns"] == [{"table": "documents", "column": "token"}]
    assert down["lost_tables"] == [{"table": "audit", "rows": 4000}]
    assert down["loses_data"] and sorted(down["reverted"]) == ["0100", "0101", "0102"]
    assert down["restores_base_schema"] and down["not_restored"] == []
    assert down["upgrade_again"]["ran"]  # data was lost: the upgrade again is rehearsed too
    assert code == 1 and not report["ok"] and report["tracer_overhead"] is None  # not asked
    checklist = {line["question"].split("?")[0]: line for line in report["checklist"]}
    assert len(checklist) == 5 and checklist[next(iter(checklist))]["ok"] is False
    assert "yes: documents (changed by 0100, 0101)" in checklist[next(iter(checklist))]["answer"]
    rollback = checklist["Is rollback documented"]
    assert rollback["ok"] is False and "column documents.token" in rollback["answer"]
    assert report["problems"][0].startswith("0100: ACCESS EXCLUSIVE on documents")


def case_catalog_only_add_column_and_unbounded_vs_batched_backfill(demo: Path, tmp: Path) -> None:
    built_before = copies_of(demo)
    paths = [
        migration(
            demo,
            "0100",
            """
            op.add_column("documents", sa.Column("summary", sa.Text(), nullable=True))
            op.create_index("ix_users_display_name", "users", ["display_name"])
            """,
            """
            op.drop_index("ix_users_display_name", table_name="users")
            op.drop_column("documents", "summary")
            """,
        ),
        migration(demo, "0101", 'op.execute("UPDATE documents SET body = title")'),
        migration(
            demo,
            "0102",
            """
            with op.get_context().autocommit_block():
                for low in range(0, 5000, 400):
                    op.execute(f"UPDATE documents SET body = title WHERE id > {low} AND id <= {low + 400}")
            """,
        ),
    ]
    try:
        code, report = rehearse(demo, "--no-downgrade", "--overhead")
    finally:
        for path in paths:
            path.unlink()
    add, unbounded, batched = (by_revision(report)[r] for r in ("0100", "0101", "0102"))
    assert add["rewrites"] == [] and add["strongest_lock"]["mode"] == "AccessExclusiveLock"
    assert add["max_write_block_seconds"] < 1.0 and add["verdict"] == "ok"
    assert not [f for f in add["lint"] if f["status"] == "confirmed"]
    # lint's DD204 (index built in place) cleared: a brief SHARE on a small table
    (dd204,) = [f for f in add["lint"] if f["code"] == "DD204"]
    assert dd204["status"] == "cleared" and "under SHARE on users" in dd204["measured"]
    one = unbounded["backfill"]
    assert (one["table"], one["statements"], one["rows"], one["bounded"]) == (
        "documents",
        1,
        4000,
        False,
    )
    assert one["rows_locked_in_one_transaction"] == 4000 and unbounded["verdict"] == "review"
    many = batched["backfill"]
    assert (many["statements"], many["rows"], many["bounded"]) == (10, 4000, True)
    assert many["rows_locked_in_one_transaction"] == 400
    backfills = next(c for c in report["checklist"] if c["question"].startswith("Are backfills"))
    assert backfills["ok"] is False and "0101: 4,000 rows of documents" in backfills["answer"]
    assert code == 0 and report["ok"] and report["downgrade"] is None
    assert report["tracer_overhead"] is not None  # --overhead
    # The first case's filled copy (same base migrations, same rows) is cloned again.
    assert report["copy"]["reused"] and copies_of(demo) == built_before
    assert report["copy"]["rows"]["documents"] == 4000


OLD_TEST = """
import os

import sqlalchemy as sa


def _rows(sql):
    engine = sa.create_engine(os.environ["DB_URL"])
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).all()
    finally:
        engine.dispose()


def test_document_bodies():
    assert _rows("SELECT id, {column} FROM documents LIMIT 3")


def test_counts_documents():
    assert _rows("SELECT count(*) FROM documents")[0][0] == 4000
"""


def case_old_tests_fail_on_a_dropped_column_they_read(demo: Path, tmp: Path) -> None:
    tests = demo / "tests"
    tests.mkdir()
    test_file = tests / "test_reads.py"
    test_file.write_text(OLD_TEST.format(column="body"))
    git(demo, "add", "tests")
    git(demo, "commit", "-qm", "base release reads documents.body")
    path = None
    try:
        # The new code stops reading the column and drops it.
        test_file.write_text(OLD_TEST.format(column="title"))
        path = migration(
            demo,
            "0100",
            'op.drop_column("documents", "body")',
            'op.add_column("documents", sa.Column("body", sa.Text(), server_default="", nullable=False))',
        )
        code, report = rehearse(
            demo, "--no-downgrade", "--old-tests", f"{sys.executable} -m pytest -q tests"
        )
    finally:
        if path is not None:
            path.unlink()
        git(demo, "reset", "-q", "--hard", "HEAD~1")  # the fixture's base again
        shutil.rmtree(tests, ignore_errors=True)
    t = report["tests"]
    assert t["failing_only_in_mixed_pair"] == ["tests/test_reads.py::test_document_bodies"]
    assert t["failing_with_new_code"] == [] and t["failing_on_base_too"] == []
    mixed, new, baseline = t["runs"]
    assert (mixed["code"], mixed["schema"], mixed["tests"], mixed["exit_code"] != 0) == (
        "old",
        "migrated",
        2,
        True,
    )
    assert (new["code"], new["schema"], new["exit_code"]) == ("new", "migrated", 0)
    assert (baseline["code"], baseline["schema"], baseline["exit_code"]) == ("old", "base", 0)
    assert not t["ok"] and not report["ok"] and code == 1
    assert "test_document_bodies" in report["problems"][-1]
    old_code = next(c for c in report["checklist"] if c["question"].startswith("Can old app"))
    assert old_code["ok"] is False and "test_reads.py::test_document_bodies" in old_code["answer"]
    new_code = next(c for c in report["checklist"] if c["question"].startswith("Can new app"))
    assert new_code["ok"] is True and "(2 tests)" in new_code["answer"]
    listed = subprocess.run(
        ["git", "-C", str(demo), "worktree", "list"], capture_output=True, text=True, check=True
    )
    assert len(listed.stdout.strip().splitlines()) == 1  # the base checkout is gone


def case_ctrl_c_during_the_tests_leaves_no_worktree_or_database(demo: Path, tmp: Path) -> None:
    import os
    import signal

    import psycopg

    fifo = tmp / "started"
    os.mkfifo(fifo)
    path = migration(demo, "0100", 'op.add_column("documents", sa.Column("n", sa.Integer()))')
    tests = f"echo started > {fifo} && exec sleep 120"
    argv = ["rehearse", "--base", "HEAD", "--rows", ROWS, "--no-downgrade", "--old-tests", tests]
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "devdb", *argv],
            cwd=demo,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            with fifo.open() as started:  # blocks until the old tests have begun
                assert started.read().strip() == "started"
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    finally:
        path.unlink()
    assert process.returncode != 0, stderr
    listed = subprocess.run(
        ["git", "-C", str(demo), "worktree", "list"], capture_output=True, text=True, check=True
    )
    assert len(listed.stdout.strip().splitlines()) == 1, listed.stdout
    server = server_of(demo)
    with psycopg.connect(server.conninfo("postgres")) as conn:
        left = [
            r[0]
            for r in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE '%%rhsrun%%' "
                "OR datname LIKE '%%rhstest%%' OR datname LIKE '%%rhsbuild%%'"
            )
        ]
    assert left == []


def case_seed_synthetic_adds_rows_to_the_working_database(demo: Path, tmp: Path) -> None:
    import psycopg

    def count() -> int:
        with psycopg.connect(db_url(demo)) as conn:
            row = conn.execute("SELECT count(*) FROM documents").fetchone()
        assert row is not None
        return int(row[0])

    before = count()
    result = devdb(
        demo, "seed", "--synthetic", "--rows", "documents=2000,users=100", "--scale", "20", "--json"
    )
    assert result.returncode == 0, result.stderr
    fill = json.loads(result.stdout)
    tables = {t["table"]: t["rows"] for t in fill["tables"]}
    assert tables["documents"] == 2000 and tables["users"] == 100  # no unique key in the way
    assert count() == before + 2000  # added to the fixtures' rows
    # composite unique keys the fixtures already use are skipped, not a failed fill
    assert 0 < tables["document_permissions"] <= 20
    again = devdb(demo, "seed", "--synthetic", "--rows", "nope=1")
    assert again.returncode == 1
    assert again.stderr.startswith("error: --rows names 'nope', which is not a table here")


CASES = [
    case_rewrite_under_access_exclusive_concurrent_index_and_lossy_downgrade,
    case_catalog_only_add_column_and_unbounded_vs_batched_backfill,
    case_old_tests_fail_on_a_dropped_column_they_read,
    case_ctrl_c_during_the_tests_leaves_no_worktree_or_database,
    case_seed_synthetic_adds_rows_to_the_working_database,
]


@pytest.mark.parametrize("engine", ENGINES)
def test_rehearse(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path, subtests: Any
) -> None:
    with demo_project(engine, request, tmp_path) as root:
        for case in CASES:
            with subtests.test(case.__name__.removeprefix("case_")):
                scratch = tmp_path / case.__name__
                scratch.mkdir()
                case(root, scratch)

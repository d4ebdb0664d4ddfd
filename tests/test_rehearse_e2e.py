"""`devdb rehearse` end to end on the embedded engine: one demo project (a git repository
whose HEAD is the base release), one migration file added per case, the JSON report read."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e_util import destroy, devdb, make_demo_project, versions

ROWS = "documents=4000,users=300,document_permissions=500,notifications=500,action_points=500"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = make_demo_project(tmp_path_factory.mktemp("rehearse"), engine="embedded")
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "base"],
    ):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)
    devdb(root, "up", "--no-app", check=True, timeout=300)
    try:
        yield root
    finally:
        destroy(root)


def migration(root: Path, body: str, downgrade: str = "pass", rev: str = "0100") -> Path:
    path = versions(root) / f"{rev}_case.py"

    def block(code: str) -> str:
        return textwrap.indent(textwrap.dedent(code).strip(), "    ")

    path.write_text(
        f'''"""rehearse case"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "0007"
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


def test_not_null_volatile_default_rewrites_under_access_exclusive(demo: Path) -> None:
    path = migration(
        demo,
        'op.add_column("documents", sa.Column("token", sa.Text(), nullable=False, server_default=sa.text("md5(random()::text)")))',
        'op.drop_column("documents", "token")',
    )
    try:
        code, report = rehearse(demo, "--max-lock", "0.000001")
    finally:
        path.unlink()
    (m,) = report["migrations"]
    assert "documents" in m["rewrites"]
    assert (
        m["locks"][0]["mode"] == "AccessExclusiveLock" and m["locks"][0]["relation"] == "documents"
    )
    assert m["locks"][0]["blocks"] == "reads and writes"
    assert m["verdict"] == "blocks writes" and code == 1 and not report["ok"]
    assert report["downgrade"]["lost_columns"] == [{"table": "documents", "column": "token"}]
    assert report["downgrade"]["loses_data"]


def test_nullable_add_column_is_catalog_only(demo: Path) -> None:
    path = migration(
        demo,
        'op.add_column("documents", sa.Column("summary", sa.Text(), nullable=True))',
        'op.drop_column("documents", "summary")',
    )
    try:
        code, report = rehearse(demo)
    finally:
        path.unlink()
    (m,) = report["migrations"]
    assert m["rewrites"] == []
    assert m["locks"][0]["mode"] == "AccessExclusiveLock"
    assert m["max_write_block_seconds"] < 1.0 and m["verdict"] == "ok" and code == 0
    assert report["copy"]["reused"]  # the filled copy of the first case
    assert report["tracer_overhead"] is not None


def test_create_index_concurrently_blocks_no_writes(demo: Path) -> None:
    path = migration(
        demo,
        """
        with op.get_context().autocommit_block():
            op.execute("CREATE INDEX CONCURRENTLY ix_documents_created_at ON documents (created_at)")
        """,
        'op.execute("DROP INDEX IF EXISTS ix_documents_created_at")',
    )
    try:
        code, report = rehearse(demo, "--max-lock", "0.000001")
    finally:
        path.unlink()
    (m,) = report["migrations"]
    create = next(s for s in m["statements"] if "CONCURRENTLY" in s["sql"])
    assert create["in_transaction"] is False and create["created"] == ["ix_documents_created_at"]
    assert m["locks"] == [] and m["max_write_block_seconds"] == 0 and code == 0


def test_unbounded_backfill_vs_batched(demo: Path) -> None:
    path = migration(demo, 'op.execute("UPDATE documents SET body = title")', "pass")
    try:
        _, unbounded = rehearse(demo, "--no-downgrade")
    finally:
        path.unlink()
    path = migration(
        demo,
        """
        with op.get_context().autocommit_block():
            for low in range(0, 5000, 400):
                op.execute(f"UPDATE documents SET body = title WHERE id > {low} AND id <= {low + 400}")
        """,
        "pass",
    )
    try:
        _, batched = rehearse(demo, "--no-downgrade")
    finally:
        path.unlink()
    one = unbounded["migrations"][0]["backfill"]
    assert one["statements"] == 1 and one["rows"] == 4000 and one["bounded"] is False
    many = batched["migrations"][0]["backfill"]
    assert many["statements"] == 10 and many["rows"] == 4000 and many["bounded"] is True
    assert many["rows_locked_in_one_transaction"] == 400


def test_downgrade_that_loses_data(demo: Path) -> None:
    path = migration(
        demo,
        """
        op.create_table("audit", sa.Column("id", sa.BigInteger(), primary_key=True))
        op.execute("INSERT INTO audit SELECT id FROM documents")
        """,
        'op.drop_table("audit")',
    )
    try:
        _, report = rehearse(demo)
    finally:
        path.unlink()
    down = report["downgrade"]
    assert down["lost_tables"] == [{"table": "audit", "rows": 4000}]
    assert down["loses_data"] and down["reverted"] == ["0100"]


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


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.email=t@t", "-c", "user.name=t", *args],
        check=True,
        capture_output=True,
    )


def test_old_tests_fail_on_a_dropped_column_they_read(demo: Path) -> None:
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
    listed = subprocess.run(
        ["git", "-C", str(demo), "worktree", "list"], capture_output=True, text=True, check=True
    )
    assert len(listed.stdout.strip().splitlines()) == 1  # the base checkout is gone


def test_ctrl_c_during_the_tests_leaves_no_worktree_or_database(demo: Path, tmp_path: Path) -> None:
    import os
    import signal

    import psycopg

    from e2e_util import server_of

    fifo = tmp_path / "started"
    os.mkfifo(fifo)
    path = migration(demo, 'op.add_column("documents", sa.Column("n", sa.Integer()))')
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

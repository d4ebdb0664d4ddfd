"""Migrations offline rendering cannot handle are run on a scratch database (real server)."""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devdb.lint import LintConfig, lint_files
from devdb.lint.engine import LiveRunner
from devdb.lint.live import run_on_database
from devdb.lint.sqlrender import Rendered
from devdb.server.engines.base import Server

HEAD = """
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {down}


def upgrade():
{body}


def downgrade():
    raise NotImplementedError("test")
"""

BASE = """
op.create_table("plans", sa.Column("id", sa.Integer(), primary_key=True))
op.create_table("accounts", sa.Column("id", sa.Integer(), primary_key=True))
op.execute("INSERT INTO plans (id) VALUES (7)")
"""

READS_ROWS = """
plans = op.get_bind().execute(sa.text("SELECT id FROM plans ORDER BY id")).fetchall()
default_plan = plans[0].id
op.add_column("accounts", sa.Column("plan_id", sa.Integer(), nullable=False))
op.execute(f"UPDATE accounts SET plan_id = {default_plan}")
"""


def write(folder: Path, rev: str, down: str | None, body: str) -> Path:
    path = folder / f"{rev}.py"
    text = HEAD.format(rev=rev, down=repr(down), body=textwrap.indent(body.strip(), "    "))
    path.write_text(text)
    return path


@pytest.fixture
def live(pg_server: Server) -> Iterator[tuple[LiveRunner, list[str]]]:
    import psycopg

    made: list[str] = []

    def run(path: Path, ancestors: list[Path]) -> Rendered:
        name = f"lint_{uuid.uuid4().hex[:10]}"
        made.append(name)
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            return run_on_database(pg_server.url(name, "postgresql+psycopg"), ancestors, path)
        finally:
            with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    yield run, made


def test_a_migration_reading_rows_is_run_and_its_sql_linted(
    tmp_path: Path, live: tuple[LiveRunner, list[str]]
) -> None:
    runner, made = live
    base = write(tmp_path, "r1", None, BASE)
    reads = write(tmp_path, "r2", "r1", READS_ROWS)
    offline = lint_files([reads], LintConfig(), all_revision_files=[base, reads])
    assert [(f.code, f.severity) for f in offline.findings] == [("DD004", "info")]
    assert "devdb up" in offline.findings[0].message

    report = lint_files([reads], LintConfig(), all_revision_files=[base, reads], live=runner)
    codes = sorted(f.code for f in report.findings)
    assert codes == ["DD111", "DD201"]  # NOT NULL without default, UPDATE without WHERE
    line = next(f.line for f in report.findings if f.code == "DD201")
    assert reads.read_text().splitlines()[line - 1].strip().startswith("op.add_column(")
    assert len(made) == 1  # one scratch database, dropped


def test_a_migration_that_fails_on_the_database_too_says_so(
    tmp_path: Path, live: tuple[LiveRunner, list[str]]
) -> None:
    runner, _ = live
    base = write(tmp_path, "r1", None, BASE)
    broken = write(
        tmp_path,
        "r2",
        "r1",
        'row = op.get_bind().execute(sa.text("SELECT id FROM plans WHERE id = 99")).first()\n'
        'op.execute(f"DROP TABLE plans_{row.id}")',
    )
    report = lint_files([broken], LintConfig(), all_revision_files=[base, broken], live=runner)
    (finding,) = report.findings
    assert finding.code == "DD004" and "failed on the scratch database too" in finding.message
    assert "AttributeError" in finding.message

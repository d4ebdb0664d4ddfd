"""`devdb check` on copies of the demo backend (embedded engine)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from e2e_util import destroy, devdb, make_demo_project

pytestmark = pytest.mark.xdist_group("check")

LEAKY = '''
"""add documents.summary; the downgrade forgets it"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("summary", sa.Text(), nullable=True))
    op.create_index("ix_documents_summary", "documents", ["summary"])


def downgrade() -> None:
    op.drop_index("ix_documents_summary", table_name="documents")
'''


@pytest.fixture
def demo(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = make_demo_project(tmp_path, engine="embedded")
    try:
        yield root
    finally:
        destroy(root)


def test_check_passes_on_the_demo_and_catches_a_leaky_downgrade(demo: Path) -> None:
    ok = devdb(demo, "check", "--format", "json")
    report = json.loads(ok.stdout)
    assert ok.returncode == 0, ok.stderr
    assert report["ok"] is True and report["revisions"] == 7
    assert {step["name"] for step in report["steps"]} >= {
        "single head",
        "stairway up → down → up",
        "downgrade leaves no trace",
        "models match schema",
    }

    versions = demo / "backend" / "py" / "migrations" / "versions"
    (versions / "0008_leaky.py").write_text(textwrap.dedent(LEAKY))
    bad = devdb(demo, "check")
    assert bad.returncode == 1
    assert "✗ downgrade leaves no trace at 0008" in bad.stdout
    assert "summary" in bad.stdout  # names what was left behind

    # the working database was never touched by check
    status = json.loads(devdb(demo, "status", "--json", check=True).stdout)
    assert status["revision"] in ([], ["0007"])


def test_check_reports_models_out_of_step(demo: Path) -> None:
    versions = demo / "backend" / "py" / "migrations" / "versions"
    text = textwrap.dedent(LEAKY).replace(
        '    op.drop_index("ix_documents_summary", table_name="documents")',
        '    op.drop_index("ix_documents_summary", table_name="documents")\n'
        '    op.drop_column("documents", "summary")',
    )
    (versions / "0008_summary.py").write_text(text)
    result = devdb(demo, "check", "--format", "json")
    report = json.loads(result.stdout)
    assert result.returncode == 1
    failed = [step for step in report["steps"] if not step["ok"]]
    assert failed[0]["name"] == "models match schema"
    assert any("summary" in line for line in failed[0]["detail"])


def test_revision_autogenerates_lints_and_writes_the_checklist(demo: Path) -> None:
    devdb(demo, "up", "--no-app", check=True)
    models = demo / "backend" / "py" / "models.py"
    anchor = "    title: Mapped[str] = mapped_column(Text, nullable=False)\n"
    text = models.read_text()
    assert anchor in text
    models.write_text(
        text.replace(
            anchor,
            anchor + "    word_count: Mapped[int] = mapped_column(BigInteger, nullable=False)\n",
            1,
        )
    )
    result = devdb(demo, "revision", "-m", "add word count", check=True)
    path = demo / result.stdout.strip()
    source = path.read_text()
    assert "# --- devdb review checklist" in source
    assert "add column documents.word_count" in source
    assert "NOT NULL with no default: existing rows need a backfill" in source
    assert "DD201" in source and "DD201" in result.stderr
    line = next(
        i
        for i, text in enumerate(source.splitlines(), 1)
        if "word_count" in text and "op.add_column" in text
    )
    assert f"DD201 error line {line}:" in result.stderr  # line numbers point into the final file

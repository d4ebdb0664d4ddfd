"""`devdb lint` through the CLI on a copy of the demo backend (no database needed)."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

from e2e_util import devdb, make_demo_project

DROP_COLUMN = '''
"""drop users.display_name"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.drop_column("users", "display_name")


def downgrade() -> None:
    op.add_column("users", sa.Column("display_name", sa.Text(), nullable=True))
'''


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_lint_all_on_the_demo_has_no_errors(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    result = devdb(root, "lint", "--all", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    by_code = {finding["code"]: finding for finding in report["findings"]}
    # review items on sensitive tables (info), and once for the project: env.py has no timeout
    assert set(by_code) <= {"DD110", "DD116", "DD210"}
    assert {f["severity"] for f in report["findings"] if f["code"] != "DD210"} == {"info"}
    lock = by_code["DD210"]
    assert lock["severity"] == "warning" and lock["path"].endswith("env.py")
    assert sum(f["code"] == "DD210" for f in report["findings"]) == 1

    strict = devdb(root, "lint", "--all", "--fail-on", "warning")
    assert strict.returncode == 1 and "env.py" in strict.stdout
    assert "DD110" not in strict.stdout and "--verbose shows them" in strict.stdout
    assert "DD110 info" in devdb(root, "lint", "--all", "--verbose").stdout

    sarif = json.loads(devdb(root, "lint", "--all", "--format", "sarif").stdout)
    levels = {r["ruleId"]: r["level"] for r in sarif["runs"][0]["results"]}
    assert levels["DD210"] == "warning" and levels.get("DD110") == "note"
    assert devdb(root, "lint", "--all", "--fail-on", "loud").returncode == 2


def test_lint_selects_branch_changes_and_fails_on_a_destructive_migration(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A")
    git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    quiet = devdb(root, "lint")
    assert quiet.returncode == 0 and "nothing to lint" in quiet.stderr

    versions = root / "backend" / "py" / "migrations" / "versions"
    (versions / "0008_drop_display_name.py").write_text(textwrap.dedent(DROP_COLUMN))
    text = devdb(root, "lint")
    assert text.returncode == 1
    assert "DD102" in text.stdout and "0008_drop_display_name.py:11" in text.stdout
    assert "1 migration(s) linted" in text.stderr

    github = devdb(root, "lint", "--format", "github")
    assert github.returncode == 1
    assert any(
        line.startswith("::error file=") and "DD102" in line for line in github.stdout.splitlines()
    )

    # an inline suppression needs a reason; with one, the finding is gone
    path = versions / "0008_drop_display_name.py"
    path.write_text(
        path.read_text().replace(
            'op.drop_column("users", "display_name")',
            'op.drop_column("users", "display_name")  # devdb: ignore[DD102] unused since v2, backed up',
        )
    )
    suppressed = devdb(root, "lint", "0008", "--format", "json")
    assert "DD102" not in {f["code"] for f in json.loads(suppressed.stdout)["findings"]}

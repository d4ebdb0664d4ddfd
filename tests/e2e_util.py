"""Throwaway copies of backends for end-to-end tests, and a way to run the real CLI on them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

    from devdb.server.engines.base import Server

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "backend"


def toml_value(value: Any) -> str:
    import json

    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Files (dedented) under root, folders made as needed; returns root."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def make_demo_project(tmp_path: Path, **devdb: Any) -> Path:
    """A copy of the demo backend with its own [tool.devdb] (unique name, so unique Docker names)."""
    root = tmp_path / f"demo-{uuid.uuid4().hex[:8]}"
    shutil.copytree(DEMO, root / "backend", ignore=shutil.ignore_patterns("__pycache__", ".env"))
    table = {
        "alembic_ini": "backend/py/alembic.ini",
        "env_example": "backend/py/env.example",
        "fixtures_dir": "backend/py/fixtures",
        "app_dir": "backend/py",
        "app_command": "python main.py",
        "python": sys.executable,
        **devdb,
    }
    lines = ["[project]", f'name = "{root.name}"', "", "[tool.devdb]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in table.items()]
    (root / "pyproject.toml").write_text("\n".join(lines) + "\n")
    return root


def devdb(
    root: Path,
    *args: str,
    timeout: float = 180,
    env: dict[str, str] | None = None,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "devdb", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"devdb {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def destroy(root: Path) -> None:
    devdb(root, "destroy", "--yes", "--no-backup", timeout=120)  # teardown: no gate backup


def run_inner(
    pytester: pytest.Pytester, root: Path, *args: str, timeout: float = 300
) -> pytest.RunResult:
    """pytest in a child process, rooted at the project (entry-point plugins, real xdist)."""
    return pytester.runpytest_subprocess(
        str(root), "--rootdir", str(root), "-p", "no:cacheprovider", *args, timeout=timeout
    )


def server_of(root: Path) -> Server:
    """The project's running server (started by an inner run)."""
    from devdb.commands.reset import live_server
    from devdb.project.config import load_config
    from devdb.server.checkout import open_project

    server = live_server(open_project(load_config(root), create=False))
    assert server is not None
    return server


PROJECTS = Path(__file__).resolve().parent / "projects"


def copy_project(tmp_path: Path, name: str) -> Path:
    """A copy of tests/projects/<name> under a unique folder, with a bare pyproject.toml."""
    root = tmp_path / f"{name.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
    shutil.copytree(PROJECTS / name, root, ignore=shutil.ignore_patterns("__pycache__", ".env"))
    (root / "pyproject.toml").write_text(f'[project]\nname = "{root.name}"\n')
    return root


# -- the demo backend's files and database, in a copy made by make_demo_project ------------
ADD_COLUMN_MIGRATION = '''
"""add documents.summary"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("{column}", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("documents", "{column}")
'''


def versions(root: Path) -> Path:
    return root / "backend" / "py" / "migrations" / "versions"


def add_migration(root: Path, rev: str, down: str, column: str) -> Path:
    """A revision adding the text column `column` to documents."""
    path = versions(root) / f"{rev}_add_{column}.py"
    path.write_text(textwrap.dedent(ADD_COLUMN_MIGRATION.format(rev=rev, down=down, column=column)))
    return path


def db_url(root: Path) -> str:
    """The app database's URL from the written .env, for psycopg."""
    from dotenv import dotenv_values

    return str(dotenv_values(root / "backend" / "py" / ".env")["DB_URL"]).replace("+psycopg", "")

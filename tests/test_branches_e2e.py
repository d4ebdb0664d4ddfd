"""A database per git branch, end to end: a real git repository, the real hook, real PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from e2e_util import add_migration, db_url, destroy, devdb, make_demo_project, versions

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}
NO_HOOKS = ("-c", "core.hooksPath=/dev/null/none")


def git(root: Path, *args: str, hooks: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["git", *([] if hooks else NO_HOOKS), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **GIT_ENV},
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done


def hook_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.startswith("devdb:")]


def sql(root: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(db_url(root), autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def admin(root: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    url = db_url(root).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def databases(root: Path) -> set[str]:
    return {row[0] for row in admin(root, "SELECT datname FROM pg_database")}


def emails(root: Path) -> set[str]:
    return {row[0] for row in sql(root, "SELECT email FROM users")}


def add_user(root: Path, email: str) -> None:
    sql(root, "INSERT INTO users (email, display_name) VALUES (%s, %s)", email, email)


def columns(root: Path, table: str) -> set[str]:
    rows = sql(
        root, "SELECT column_name FROM information_schema.columns WHERE table_name = %s", table
    )
    return {row[0] for row in rows}


def tables(root: Path) -> set[str]:
    rows = sql(root, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {row[0] for row in rows}


CREATE_TABLE = '''
"""create {table}"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("{table}", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("{table}")
'''


def branch_with(root: Path, name: str, write: Any) -> None:
    """A branch from main with one more commit (`write(root)`), made without running hooks."""
    git(root, "switch", "-q", "-c", name, "main", hooks=False)
    write(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"{name}: a migration", hooks=False)
    git(root, "switch", "-q", "main", hooks=False)


def migration_adding_table(rev: str, table: str) -> Any:
    def write(root: Path) -> None:
        text = CREATE_TABLE.format(rev=rev, down="0007", table=table)
        (versions(root) / f"{rev}_create_{table}.py").write_text(textwrap.dedent(text))

    return write


@pytest.fixture(scope="module", params=["embedded", "docker"])
def repo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """The demo backend in a git repository on main, up (each engine), branch databases on."""
    settings = {"engine": request.param}
    if request.param == "docker":
        settings["image"] = request.getfixturevalue("offline_image")
    root = make_demo_project(tmp_path_factory.mktemp("branches"), **settings)
    try:
        yield on_main_with_branches(root)
    finally:
        destroy(root)


def on_main_with_branches(root: Path) -> Path:
    """`root` as a git repository on main, up, with branch databases on."""
    (root / ".gitignore").write_text(".env\n__pycache__/\n")  # as a real repository has
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the demo")
    devdb(root, "up", "--no-app", check=True)
    devdb(root, "branches", "on", check=True)
    return root


@pytest.fixture
def on_main(repo: Path) -> Iterator[Path]:
    yield repo
    if git(repo, "branch", "--show-current").stdout.strip() != "main":
        git(repo, "switch", "-q", "main")


def test_rows_on_main_survive_a_round_trip_to_a_branch_that_adds_a_column(on_main: Path) -> None:
    root = on_main
    add_user(root, "kept-on-main@example.com")
    branch_with(root, "feature-col", lambda r: add_migration(r, "0008", "0007", "summary"))

    switched = git(root, "switch", "feature-col")
    (line,) = hook_lines(switched)
    assert "database for feature-col (cloned from main at 0007, +1 migration)" in line
    assert line.endswith("a running app must reconnect")
    assert "summary" in columns(root, "documents")
    assert "kept-on-main@example.com" in emails(root)  # the rows came along
    add_user(root, "made-on-feature@example.com")
    status = devdb(root, "status", "--json")
    assert json.loads(status.stdout)["needs"] == "nothing", status.stdout

    (line,) = hook_lines(git(root, "switch", "main"))
    assert "database for main (its own, at 0007" in line
    assert "summary" not in columns(root, "documents")
    assert "kept-on-main@example.com" in emails(root)
    assert "made-on-feature@example.com" not in emails(root)
    assert json.loads(devdb(root, "status", "--json").stdout)["needs"] == "nothing"
    up = devdb(root, "up", "--no-app")
    assert up.returncode == 0, up.stderr

    git(root, "switch", "feature-col")
    assert "made-on-feature@example.com" in emails(root)
    assert "summary" in columns(root, "documents")


def test_diverged_branches_each_keep_their_own_table_and_rows(on_main: Path) -> None:
    root = on_main
    branch_with(root, "left", migration_adding_table("0008a", "left_only"))
    branch_with(root, "right", migration_adding_table("0008b", "right_only"))

    git(root, "switch", "left")
    sql(root, "INSERT INTO left_only (id) VALUES (1)")
    (line,) = hook_lines(git(root, "switch", "right"))
    assert "database for right (fresh from its template at 0008b" in line
    assert "left_only" not in tables(root) and "right_only" in tables(root)
    sql(root, "INSERT INTO right_only (id) VALUES (2)")
    assert json.loads(devdb(root, "status", "--json").stdout)["needs"] == "nothing"

    git(root, "switch", "left")
    assert "right_only" not in tables(root)
    assert sql(root, "SELECT id FROM left_only") == [(1,)]
    git(root, "switch", "right")
    assert "left_only" not in tables(root)
    assert sql(root, "SELECT id FROM right_only") == [(2,)]


def test_a_deleted_branch_is_pruned(on_main: Path) -> None:
    root = on_main
    git(root, "switch", "-q", "-c", "short-lived")
    git(root, "commit", "-q", "--allow-empty", "-m", "work")
    git(root, "switch", "-q", "main")
    listed = json.loads(devdb(root, "branches", "--json", check=True).stdout)
    (row,) = [r for r in listed["branches"] if r["branch"] == "short-lived"]
    assert row["database"] in databases(root) and not row["gone"]
    git(root, "branch", "-q", "-D", "short-lived")
    listed = json.loads(devdb(root, "branches", "--json", check=True).stdout)
    assert [r["gone"] for r in listed["branches"] if r["branch"] == "short-lived"] == [True]

    pruned = devdb(root, "branches", "prune", check=True)
    assert f"dropped {row['database']} (short-lived: gone)" in pruned.stdout
    assert row["database"] not in databases(root)
    assert "app" in databases(root)
    listed = json.loads(devdb(root, "branches", "--json", check=True).stdout)
    assert "short-lived" not in [r["branch"] for r in listed["branches"]]


def test_an_existing_hook_still_runs_and_off_removes_exactly_what_on_added(on_main: Path) -> None:
    root = on_main
    hook = root / ".git" / "hooks" / "post-checkout"
    devdb(root, "branches", "off", check=True)
    assert not hook.exists()  # devdb had made it
    mine = '#!/bin/sh\necho "$3" >> "$(git rev-parse --show-toplevel)/.git/checkouts.log"\n'
    hook.write_text(mine)
    hook.chmod(0o755)
    devdb(root, "branches", "on", check=True)
    assert hook.read_text() != mine and hook.read_text().endswith(mine.split("\n", 1)[1])

    switched = git(root, "switch", "-c", "with-my-hook")
    assert len(hook_lines(switched)) == 1
    git(root, "switch", "main")
    assert (root / ".git" / "checkouts.log").read_text().split() == ["1", "1"]

    devdb(root, "branches", "off", check=True)
    assert hook.read_text() == mine
    hook.unlink()
    devdb(root, "branches", "on", check=True)  # for the tests that follow


def test_a_file_checkout_is_not_a_switch(on_main: Path) -> None:
    root = on_main
    done = git(root, "checkout", "HEAD", "--", "pyproject.toml")
    assert hook_lines(done) == []


def test_two_switches_at_once_lose_no_database(on_main: Path) -> None:
    root = on_main
    add_user(root, "main-during-race@example.com")
    branch_with(root, "racing", lambda r: add_migration(r, "0009", "0007", "racing_note"))
    git(root, "switch", "-q", "racing", hooks=False)  # the files are the branch's; no hook yet
    switches = [
        subprocess.Popen(
            [sys.executable, "-m", "devdb", "branches", "_switch", "0" * 40, "0" * 40, "1"],
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in switches]
    assert [process.returncode for process in switches] == [0, 0]
    lines = [line for _, stderr in outputs for line in stderr.splitlines()]
    assert len(lines) == 1 and "database for racing (cloned from main" in lines[0], lines
    assert "racing_note" in columns(root, "documents")
    git(root, "switch", "main")
    assert "main-during-race@example.com" in emails(root)
    assert "racing_note" not in columns(root, "documents")


def test_a_stopped_server_does_not_fail_the_checkout(on_main: Path) -> None:
    root = on_main
    devdb(root, "down", check=True)
    try:
        switched = git(root, "switch", "-c", "while-stopped")
        (line,) = hook_lines(switched)
        assert line.startswith("devdb: branch database not switched: the database server is not")
        assert len(switched.stderr.strip().splitlines()) == 2  # git's own line and ours
        assert "`devdb up` makes the switch to while-stopped's once the server runs" in line
        notes = json.loads(devdb(root, "status", "--json").stdout)["notes"]
        assert any("still holds branch main's data, but while-stopped" in n for n in notes)
        assert hook_lines(git(root, "switch", "main")) == []  # back where the data is
    finally:
        devdb(root, "up", "--no-app", check=True)
    assert "app" in databases(root)


def test_up_makes_the_switch_a_stopped_server_missed_before_migrating(on_main: Path) -> None:
    """Switched while the server was down to a branch that adds a migration: `up` brings the
    branch its own database first, so main's keeps main's schema and rows."""
    root = on_main
    add_user(root, "main-before-down@example.com")
    branch_with(root, "missed", lambda r: add_migration(r, "0011", "0007", "missed_note"))
    devdb(root, "down", check=True)
    (line,) = hook_lines(git(root, "switch", "missed"))
    assert "not switched: the database server is not running" in line
    up = devdb(root, "up", "--no-app", "--json", check=True)
    notes = json.loads(up.stdout)["notes"]
    assert any("database for missed (cloned from main at 0007, +1 migration)" in n for n in notes)
    assert "missed_note" in columns(root, "documents")
    assert "main-before-down@example.com" in emails(root)
    add_user(root, "made-on-missed@example.com")

    (line,) = hook_lines(git(root, "switch", "main"))
    assert "database for main (its own, at 0007" in line
    assert "missed_note" not in columns(root, "documents")  # main never got missed's migration
    assert "main-before-down@example.com" in emails(root)
    assert "made-on-missed@example.com" not in emails(root)
    assert json.loads(devdb(root, "status", "--json").stdout)["needs"] == "nothing"


def test_branches_true_in_the_config_turns_the_hook_on_at_up(on_main: Path) -> None:
    root = on_main
    hook = root / ".git" / "hooks" / "post-checkout"
    pyproject = root / "pyproject.toml"
    original = pyproject.read_text()
    devdb(root, "branches", "off", check=True)
    assert not hook.exists()
    pyproject.write_text(original + "branches = true\n")
    try:
        devdb(root, "up", "--no-app", check=True)
        assert hook.exists() and "branches _switch" in hook.read_text()
        listing = devdb(root, "branches", check=True)
        assert "main (checked out)" in listing.stdout
    finally:
        pyproject.write_text(original)
    devdb(root, "branches", "on", check=True)


def test_two_worktrees_switch_at_once_each_on_its_own_server(on_main: Path) -> None:
    root = on_main
    other = root.parent / f"{root.name}-worktree"
    created = git(root, "worktree", "add", "-q", "-b", "wt-base", str(other), "main")
    assert hook_lines(created) == []  # devdb never ran in the new worktree: nothing to do
    try:
        devdb(other, "up", "--no-app", check=True)
        add_user(other, "worktree-row@example.com")
        for name in ("wt-one", "wt-two"):
            git(root, "branch", name, "main")
        env = {**os.environ, **GIT_ENV}
        racing = [
            subprocess.Popen(
                ["git", "switch", "-q", branch],
                cwd=where,
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            )
            for where, branch in ((root, "wt-one"), (other, "wt-two"))
        ]
        outputs = [process.communicate(timeout=120)[1] for process in racing]
        assert [process.returncode for process in racing] == [0, 0], outputs
        assert all("database for wt-" in out for out in outputs), outputs
        assert "worktree-row@example.com" in emails(other)
        assert "worktree-row@example.com" not in emails(root)
        assert db_url(root) != db_url(other)  # its own server
    finally:
        destroy(other)
        git(root, "worktree", "remove", "--force", str(other))


def test_reset_and_its_collection_leave_other_branches_databases(on_main: Path) -> None:
    from devdb.copies.snapshots import collect

    from e2e_util import server_of

    root = on_main
    git(root, "switch", "-q", "-c", "kept-through-reset")
    git(root, "switch", "-q", "main")
    kept = {name for name in databases(root) if "__branch_" in name}
    assert kept
    reset = devdb(root, "reset", "--yes")
    assert reset.returncode == 0, reset.stderr
    collect(server_of(root), "app", keep_key="none", keep_templates=1, keep_prev=0)
    assert kept <= databases(root)


def test_a_detached_head_is_ignored_unless_asked(on_main: Path) -> None:
    root = on_main
    assert hook_lines(git(root, "switch", "--detach", "main")) == []
    git(root, "switch", "-q", "main")
    devdb(root, "branches", "on", "--detached", check=True)
    try:
        commit = git(root, "rev-parse", "HEAD").stdout.strip()
        (line,) = hook_lines(git(root, "switch", "--detach", "main"))
        assert f"database for HEAD@{commit[:12]} (cloned from main at 0007)" in line
        (line,) = hook_lines(git(root, "switch", "main"))
        assert "database for main (its own" in line
        git(root, "switch", "-q", "-c", "to-rebase")
        git(root, "commit", "-q", "--allow-empty", "-m", "on the branch")
        git(root, "switch", "-q", "main")
        git(root, "commit", "-q", "--allow-empty", "-m", "main moves on")
        git(root, "switch", "-q", "to-rebase")
        assert hook_lines(git(root, "rebase", "main")) == []  # its detached steps are ignored
    finally:
        devdb(root, "branches", "on", check=True)
    assert "--detached" not in (root / ".git" / "hooks" / "post-checkout").read_text()

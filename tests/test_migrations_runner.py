"""The Alembic child-process runner and the alembic-free warm-path helpers, on real PostgreSQL."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from devdb.errors import DevdbError
from devdb.migrations.runner import (
    AlembicTarget,
    MigrationError,
    MigrationSession,
    _secrets,
    downgrade,
    script_heads,
    upgrade,
)
from devdb.migrations.scripts import (
    db_revisions,
    find_heads,
    migration_files,
    migrations_hash,
    parse_revision_ids,
    read_alembic_ini,
    revision_hashes,
    script_location,
    unknown_revisions,
)
from devdb.server import bookkeeping as dbmeta


def current(target: AlembicTarget) -> list[str]:
    with MigrationSession(target) as session:
        return session.current()


PROJECTS = Path(__file__).parent / "projects"
ASYNC = PROJECTS / "runner_async"
FAILING = PROJECTS / "runner_failing"
OFFLINE_URL = "postgresql+psycopg://nobody@localhost/offline"


def sa_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def async_target(db_url: str, **extra: str) -> AlembicTarget:
    return AlembicTarget(ASYNC / "alembic.ini", env={"APP_DB_URL": sa_url(db_url), **extra})


def failing_target(db_url: str, per_migration: bool) -> AlembicTarget:
    env = {"DB_URL": sa_url(db_url), "RUNNER_TXN_PER_MIGRATION": "1" if per_migration else "0"}
    return AlembicTarget(FAILING / "alembic.ini", env=env)


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {r[0] for r in rows}


def stamped(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return db_revisions(conn)


# -- the child: upgrade / downgrade / current -------------------------------------------------
def test_upgrade_runs_async_env_py_in_a_child(scratch_db: str) -> None:
    """env.py ignores alembic.ini's URL, reads APP_DB_URL, uses asyncio.run + fileConfig."""
    lines: list[str] = []
    result = upgrade(async_target(scratch_db), progress=lines.append)
    assert result.applied == ["0001", "0002", "0003", "0004", "0005"]
    assert result.current == ["0005"]
    assert lines[0] == "Applying 0001 (create users)"
    assert len(lines) == 5
    assert {"users", "items", "alembic_version"} <= tables(scratch_db)
    assert stamped(scratch_db) == ["0005"]
    # a second upgrade is a no-op
    again = upgrade(async_target(scratch_db))
    assert again.applied == [] and again.current == ["0005"]


def test_runner_modules_never_import_alembic_in_devdb() -> None:
    code = (
        "import sys, devdb.migrations, devdb.copies.fixtures, devdb.server.bookkeeping\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('alembic', 'sqlalchemy')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_step_by_step_upgrade_downgrade_and_current(scratch_db: str) -> None:
    target = async_target(scratch_db)
    with MigrationSession(target) as session:
        assert session.upgrade("0002").applied == ["0001", "0002"]
        assert session.current() == ["0002"]
        assert session.upgrade().applied == ["0003", "0004", "0005"]
        down = session.downgrade("0003")
        assert down.applied == ["0005", "0004"] and down.current == ["0003"]
    assert current(target) == ["0003"]
    assert downgrade(target, "base").current == []
    assert tables(scratch_db) == {"alembic_version"}


def test_failing_migration_names_revision_and_db_is_left_at_last_good(scratch_db: str) -> None:
    with pytest.raises(MigrationError) as info:
        upgrade(failing_target(scratch_db, per_migration=True))
    err = info.value
    assert err.revision == "a3"
    assert err.message == (
        'Migration a3 failed: relation "no_such_table" does not exist '
        "(migrations/versions/a3_broken.py:11)"
    )
    assert "\n" not in str(err)
    assert err.db_revision == ["a2"]
    assert err.applied == ["a1", "a2"]
    assert err.kind == "database"
    assert err.statement == "ALTER TABLE no_such_table ADD COLUMN x int"
    assert "a3: about to fail" in err.output_tail
    assert "The database is at a2" in err.hint
    assert stamped(scratch_db) == ["a2"]
    assert {"first_table", "second_table"} <= tables(scratch_db)


def test_failing_migration_in_one_transaction_rolls_back_everything(scratch_db: str) -> None:
    with pytest.raises(MigrationError) as info:
        upgrade(failing_target(scratch_db, per_migration=False))
    err = info.value
    assert err.revision == "a3"
    assert err.db_revision == []  # the whole upgrade was one transaction
    assert err.applied == []  # a1, a2 ran but were rolled back with it
    assert "base (no revision)" in err.hint
    assert "first_table" not in tables(scratch_db)


def test_env_import_error_is_one_line_naming_the_module(tmp_path: Path) -> None:
    target = AlembicTarget(PROJECTS / "runner_broken_import" / "alembic.ini")
    with pytest.raises(MigrationError) as info:
        upgrade(target)
    err = info.value
    assert err.kind == "import"
    assert err.message == (
        "Migrations could not start: module 'nonexistent_app_module' is not installed "
        "(migrations/env.py:4)"
    )
    assert "\n" not in str(err)
    assert sys.executable in err.hint


def test_missing_setting_names_the_key_and_where(scratch_db: str) -> None:
    target = AlembicTarget(
        PROJECTS / "runner_missing_key" / "alembic.ini", env={"DB_URL": sa_url(scratch_db)}
    )
    with pytest.raises(MigrationError) as info:
        current(target)
    assert info.value.kind == "missing_key"
    assert info.value.message == (
        "Migrations could not start: setting APP_SECRET_KEY is not set (app/settings.py:4)"
    )


def test_settings_validation_error_is_one_line(scratch_db: str) -> None:
    env = {"DB_URL": sa_url(scratch_db), "STYLE": "pydantic"}
    target = AlembicTarget(PROJECTS / "runner_missing_key" / "alembic.ini", env=env)
    with pytest.raises(MigrationError) as info:
        current(target)
    assert info.value.kind == "settings"
    assert info.value.message == (
        "Migrations could not start: Settings: app_secret_key: Field required (app/settings.py:21)"
    )


def test_interpreter_that_does_not_exist() -> None:
    target = AlembicTarget(ASYNC / "alembic.ini", python="/nonexistent/bin/python")
    with pytest.raises(DevdbError, match="Cannot start the app's Python"):
        script_heads(target)


def test_interpreter_without_alembic(tmp_path: Path) -> None:
    """The app's python may lack alembic (or devdb): the child says so in one line."""
    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None or subprocess.run([python, "-c", "import alembic"]).returncode == 0:
        pytest.skip("no system python without alembic here")
    with pytest.raises(DevdbError, match="Alembic is not importable by"):
        script_heads(AlembicTarget(ASYNC / "alembic.ini", python=python))


def test_session_started_early_waits_for_the_go(scratch_db: str) -> None:
    session = MigrationSession(async_target(scratch_db)).start()
    try:
        time.sleep(0)  # the caller would start the server here
        ready = session.wait_ready(timeout=30)
        assert ready.import_seconds > 0 and ready.alembic
        assert "sqlalchemy.dialects.postgresql.psycopg" in ready.preloaded
        assert stamped(scratch_db) == []  # nothing happens before the request
        assert session.upgrade().current == ["0005"]
    finally:
        session.close()


def tiny_project(root: Path, env_py: str) -> Path:
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(env_py)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    return root / "alembic.ini"


def test_child_that_dies_is_reported_with_its_output(tmp_path: Path) -> None:
    ini = tiny_project(tmp_path, "import os\nprint('about to exit')\nos._exit(3)\n")
    with pytest.raises(MigrationError) as info:
        current(AlembicTarget(ini))
    assert info.value.message == "The migration process exited with code 3 during current"
    assert info.value.hint == "about to exit"


def test_request_timeout_stops_the_child(tmp_path: Path) -> None:
    ini = tiny_project(tmp_path, "import time\ntime.sleep(120)\n")
    with MigrationSession(AlembicTarget(ini)) as session:
        started = time.monotonic()
        with pytest.raises(DevdbError, match="did not finish in time"):
            session.run("current", timeout=5)
        assert time.monotonic() - started < 60


def test_child_script_is_standalone_and_py38_syntax() -> None:
    """It runs in the app's interpreter: no devdb imports, nothing newer than 3.8 grammar."""
    import ast

    from devdb.migrations.runner import CHILD_SCRIPT

    tree = ast.parse(CHILD_SCRIPT.read_text(), feature_version=(3, 8))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    # flask only for a Flask-Migrate env.py (which imports it itself)
    allowed = set(sys.stdlib_module_names) | {"__future__", "alembic", "sqlalchemy", "flask"}
    assert {m.split(".")[0] for m in imported} <= allowed


def test_secrets_are_scrubbed_from_messages() -> None:
    env = {"DATABASE_URL": "postgresql://u:s3cr3tpw@h/db", "DB_PASSWORD": "hunter22", "X": "1"}
    assert set(_secrets(env)) == {"s3cr3tpw", "hunter22"}
    session = MigrationSession(AlembicTarget(ASYNC / "alembic.ini", env=env))
    assert session._scrub("at postgresql://u:s3cr3tpw@h/db") == "at postgresql://u:***@h/db"


# -- heads, render_sql, compare -----------------------------------------------------------------
def test_heads_without_a_database() -> None:
    info = script_heads(AlembicTarget(ASYNC / "alembic.ini", env={"APP_DB_URL": OFFLINE_URL}))
    assert info.heads == ["0005"] and not info.multiple_heads
    assert [r.revision for r in info.revisions] == ["0001", "0002", "0003", "0004", "0005"]
    assert info.revisions[1].down_revisions == ("0001",)
    assert info.revisions[1].path == ASYNC / "migrations/versions/0002_items.py"
    assert info.revisions[0].doc == "create users"


def test_multiple_heads_seen_by_alembic_and_by_ast() -> None:
    ini = PROJECTS / "runner_branches" / "alembic.ini"
    info = script_heads(AlembicTarget(ini))
    assert info.heads == ["b1", "b2"] and info.multiple_heads
    parsed = parse_revision_ids(migration_files(ini))
    assert find_heads(parsed) == ["b1", "b2"]
    assert parsed["b1"][0] == ("b0",)


def test_render_sql_offline() -> None:
    target = AlembicTarget(ASYNC / "alembic.ini", env={"APP_DB_URL": OFFLINE_URL})
    with MigrationSession(target) as session:
        first = session.render_sql(None, "0002")
    assert "CREATE TABLE users" in first and "CREATE TABLE items" in first
    assert "CREATE TABLE alembic_version" in first and "ix_items_name" not in first
    with MigrationSession(target) as session:  # one child for the rest
        tail = session.render_sql("0003", "0005")
        assert "CREATE INDEX ix_items_name ON items (name)" in tail
        assert "CREATE TABLE" not in tail
        down = session.render_sql("0005", "0003", downgrade=True)
        assert "DROP INDEX ix_items_name" in down
        each = session.render_sql_each()
    assert list(each) == ["0001", "0002", "0003", "0004", "0005"]
    assert each["0004"].strip() == "CREATE INDEX ix_items_name ON items (name);"
    assert "alembic_version" not in each["0003"]


def test_compare_models_against_database(scratch_db: str) -> None:
    target = async_target(scratch_db, RUNNER_INCLUDE_SCHEMAS="1")
    with MigrationSession(target) as session:
        session.upgrade()
        with psycopg.connect(scratch_db) as conn:
            dbmeta.set_meta(conn, "created_by", "devdb")  # its schema must never be a diff
        assert session.compare() == []
        session.downgrade("0003")
        assert sorted(session.compare()) == [
            "add_column items.created_at",
            "add_index ix_items_name on items (name)",
        ]


# -- warm path: no alembic ------------------------------------------------------------------------
def test_script_location_and_files() -> None:
    ini = ASYNC / "alembic.ini"
    assert script_location(ini) == ASYNC / "migrations"  # from %(here)s/migrations
    parsed = read_alembic_ini(ini)
    assert parsed.prepend_sys_path == (".",)
    files = migration_files(ini)
    assert [f.name for f in files] == [
        "0001_users.py",
        "0002_items.py",
        "0003_user_name.py",
        "0004_items_name_index.py",
        "0005_items_created_at.py",
    ]
    revs = parse_revision_ids(files)  # 0002 uses `revision: str = ...` annotations
    assert {r: d for r, (d, _) in revs.items()} == {
        "0001": (),
        "0002": ("0001",),
        "0003": ("0002",),
        "0004": ("0003",),
        "0005": ("0004",),
    }
    assert find_heads(revs) == ["0005"]
    assert unknown_revisions(["0005", "zz"], revs) == ["zz"]


def test_version_locations_and_separators(tmp_path: Path) -> None:
    for sub in ("env", "one", "two"):
        (tmp_path / sub).mkdir()
    (tmp_path / "one" / "r1.py").write_text('revision = "r1"\ndown_revision = None\n')
    (tmp_path / "two" / "r2.py").write_text(
        'revision = "r2"  # id\ndown_revision = (\n    "r1",\n)\n'
    )
    (tmp_path / "two" / "r3.py").write_text(
        '"""revision = "no"\n"""\nrevision = "r3"\ndown_revision = "r1"\n'
    )
    (tmp_path / "two" / "__init__.py").write_text("")
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = env\npath_separator = ;\n"
        "version_locations = %(here)s/one;two\n"
    )
    files = migration_files(tmp_path / "alembic.ini")
    assert [f.name for f in files] == ["r1.py", "r2.py", "r3.py"]
    parsed = parse_revision_ids(files)  # multi-line tuple and docstring lines: ast fallback
    assert {r: d for r, (d, _) in parsed.items()} == {"r1": (), "r2": ("r1",), "r3": ("r1",)}
    assert find_heads(parsed) == ["r2", "r3"]
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = env\nversion_locations = one two\n"
    )
    assert len(migration_files(tmp_path / "alembic.ini")) == 3  # legacy space splitting
    (tmp_path / "alembic.ini").write_text("[alembic]\nsqlalchemy.url = x\n")
    with pytest.raises(DevdbError, match=r"has no script_location in its \[alembic\] section"):
        script_location(tmp_path / "alembic.ini")


def test_script_location_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "mig" / "versions").mkdir(parents=True)
    (tmp_path / "alembic.ini").write_text("[alembic]\nsqlalchemy.url = x\n")
    (tmp_path / "pyproject.toml").write_text('[tool.alembic]\nscript_location = "%(here)s/mig"\n')
    assert script_location(tmp_path / "alembic.ini") == tmp_path / "mig"


def test_hashes_change_with_content(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(ASYNC, project, ignore=shutil.ignore_patterns("__pycache__"))
    ini = project / "alembic.ini"
    assert migrations_hash(ini) == migrations_hash(ASYNC / "alembic.ini")  # path-independent
    before = migrations_hash(ini)
    revs_before = revision_hashes(ini)
    assert sorted(revs_before) == ["0001", "0002", "0003", "0004", "0005"]
    edited = project / "migrations/versions/0003_user_name.py"
    edited.write_text(edited.read_text() + "\n# edited\n")
    assert migrations_hash(ini) != before
    assert {r for r, h in revision_hashes(ini).items() if revs_before[r] != h} == {"0003"}
    (project / "migrations/env.py").write_text("# changed env\n")
    assert migrations_hash(ini) != before


def test_db_revisions_reads_alembic_version_directly(scratch_db: str) -> None:
    assert stamped(scratch_db) == []  # no table yet: empty, no error
    with psycopg.connect(scratch_db) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('b2'), ('b1')")
        conn.commit()
        assert db_revisions(conn) == ["b1", "b2"]

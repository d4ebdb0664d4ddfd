"""`devdb reset` and drift detection end to end, on the embedded engine and on Docker."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from e2e_util import add_migration, db_url, destroy, devdb, make_demo_project, versions

pytestmark = pytest.mark.xdist_group("reset")


@pytest.fixture
def demo(tmp_path: Path, engine_settings: dict[str, str]):  # type: ignore[no-untyped-def]
    root = make_demo_project(tmp_path, **engine_settings)
    devdb(root, "up", "--no-app", check=True)
    try:
        yield root
    finally:
        destroy(root)


def snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every user table, sorted: a row-level picture of the database."""
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: sorted(
                (tuple(str(v) for v in row) for row in conn.execute(f'SELECT * FROM "{table}"')),
            )
            for table in tables
        }


def reset(root: Path, *args: str) -> dict[str, object]:
    return json.loads(devdb(root, "reset", "--yes", "--json", *args, check=True).stdout)


def test_reset_restores_the_seeded_state_and_can_be_undone(demo: Path) -> None:
    url = db_url(demo)
    pristine = snapshot(url)
    assert pristine["users"] and pristine["documents"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO users (email, display_name) VALUES ('mine@example.com', 'Mine')")
        conn.execute("DELETE FROM notifications")
    changed = snapshot(url)
    assert changed != pristine

    first = reset(demo)
    assert snapshot(url) == pristine
    assert first["kept_as"]

    second = reset(demo)
    assert second["template_built"] is False
    assert snapshot(url) == pristine

    # undo twice: back past the second reset to the data the first one replaced
    devdb(demo, "reset", "--undo", "--yes", check=True)
    devdb(demo, "reset", "--undo", "--yes", check=True)
    restored = snapshot(url)
    assert restored in (changed, pristine)
    with psycopg.connect(url) as conn:
        emails = {r[0] for r in conn.execute("SELECT email FROM users")}
    assert "mine@example.com" in emails or restored == pristine


def _add_summary_and_reset(demo: Path) -> dict[str, object]:
    add_migration(demo, "0008", "0007", "summary")
    return reset(demo)


def test_a_new_migration_builds_one_template_then_resets_clone_it(demo: Path) -> None:
    result = _add_summary_and_reset(demo)
    assert result["template_built"] is True  # one replay for the new state
    with psycopg.connect(db_url(demo)) as conn:
        assert conn.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name='documents' AND column_name='summary'"
        ).fetchone()
    again = reset(demo)
    assert again["template_built"] is False  # fast again: a clone, no replay


def test_an_applied_migration_edited_afterwards_stops_up_and_names_reset(demo: Path) -> None:
    _add_summary_and_reset(demo)
    path = versions(demo) / "0008_add_summary.py"
    path.write_text(path.read_text().replace('"summary"', '"abstract"'))
    edited = devdb(demo, "up", "--no-app")
    assert edited.returncode == 1
    assert "0008 was edited after it was applied" in edited.stderr
    assert "devdb reset" in edited.stderr
    assert "Traceback" not in edited.stderr
    status = json.loads(devdb(demo, "status", "--json", check=True).stdout)
    assert status["revision"] == ["0008"]


def test_a_revision_the_files_do_not_know_stops_up_until_reset_on_drift(demo: Path) -> None:
    _add_summary_and_reset(demo)
    (versions(demo) / "0008_add_summary.py").unlink()  # as after a branch switch
    switched = devdb(demo, "up", "--no-app")
    assert switched.returncode == 1
    assert "0008, which these migration files do not know" in switched.stderr
    fixed = devdb(demo, "up", "--no-app", "--reset-on-drift", "--json", check=True)
    assert json.loads(fixed.stdout)["revision"] == ["0007"]


def test_multiple_heads_stop_up_before_anything_starts(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    add_migration(root, "0008", "0007", "summary")
    add_migration(root, "0009", "0007", "abstract")
    result = devdb(root, "up", "--no-app")
    assert result.returncode == 1
    assert "2 heads (0008, 0009)" in result.stderr and "alembic merge" in result.stderr
    assert not (root / ".devdb" / "state.json").exists()  # no server was started


def test_refuses_unmanaged_and_external_databases(demo: Path) -> None:
    url = db_url(demo)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA _devdb CASCADE")  # as if someone else had made this database
        conn.execute("INSERT INTO users (email, display_name) VALUES ('keep@example.com', 'Keep')")
    refused = devdb(demo, "reset", "--yes")
    assert refused.returncode == 1 and "not created by devdb" in refused.stderr
    assert "--force-unmanaged" in refused.stderr and "Traceback" not in refused.stderr

    no_tty = devdb(demo, "reset")  # no TTY and no --yes: refuse rather than hang
    assert no_tty.returncode == 1 and "--yes" in no_tty.stderr

    other = make_demo_project(demo.parent, engine="external", url=url)
    external = devdb(other, "reset", "--yes")
    assert external.returncode == 1 and "external server" in external.stderr
    assert "--allow-external-reset" in external.stderr
    destroyed = devdb(other, "destroy", "--yes")
    assert destroyed.returncode == 1 and "never destroys an external" in destroyed.stderr

    with psycopg.connect(url) as conn:  # nothing was touched
        assert (
            conn.execute("SELECT count(*) FROM users WHERE email='keep@example.com'").fetchone()[0]
            == 1
        )


def test_concurrent_resets_and_interrupted_reset_leave_a_working_database(demo: Path) -> None:
    url = db_url(demo)
    pristine = snapshot(url)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "devdb", "reset", "--yes"],
            cwd=demo,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
    assert snapshot(url) == pristine

    # interrupt a reset that has to rebuild its template (a new migration), mid-way
    add_migration(demo, "0008", "0007", "summary")
    proc = subprocess.Popen(
        [sys.executable, "-m", "devdb", "reset", "--yes"],
        cwd=demo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "Applying 0003" in line or "building the template" in line:
            proc.send_signal(signal.SIGINT)
            break
    proc.communicate(timeout=60)
    assert proc.returncode != 0
    with psycopg.connect(url) as conn:  # the old database is still in place and answers
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] > 0
    reset(demo)  # and the next reset finishes the job
    with psycopg.connect(url) as conn:
        assert conn.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name='documents' AND column_name='summary'"
        ).fetchone()

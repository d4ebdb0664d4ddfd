"""Per-test databases in memory (the scratch tablespace on tmpfs), end to end: inner pytest runs
against copies of the demo backend, on the embedded engine and on Docker."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import psycopg
import pytest

from devdb.copies.scratch import TABLESPACE
from devdb.errors import DevdbError
from devdb.project.config import load_config
from devdb.server.checkout import open_project
from devdb.server.engines.base import Server
from devdb.server.engines.embedded import EmbeddedEngine

from e2e_util import destroy, devdb, make_demo_project, run_inner, server_of

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.xdist_group("plugin-scratch")

INNER = '''
import pytest

WHERE = """
    SELECT spcname, pg_tablespace_location(pg_tablespace.oid) FROM pg_database
    JOIN pg_tablespace ON pg_tablespace.oid = dattablespace WHERE datname = current_database()
"""


@pytest.mark.parametrize("n", range(2))
def test_where_it_lives(devdb_conn, n):
    tablespace, location = devdb_conn.execute(WHERE).fetchone()
    assert tablespace == "{tablespace}"
    assert location.startswith("{location}")


def test_breaks(devdb_conn):
    devdb_conn.execute("INSERT INTO users (email, display_name) VALUES ('broken@example.com', 'B')")
    devdb_conn.commit()
    assert False, "on purpose"
'''

IN_MEMORY = INNER.format(tablespace=TABLESPACE, location="/dev/shm/")
ON_DISK = INNER.format(tablespace="pg_default", location="")


def admin_query(server: Server, query: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        cursor = conn.execute(query, params or None)
        return cursor.fetchall() if cursor.description else []


def tablespace_of(server: Server, database: str) -> str:
    rows = admin_query(
        server,
        "SELECT spcname FROM pg_database JOIN pg_tablespace ON pg_tablespace.oid = dattablespace "
        "WHERE datname = %s",
        database,
    )
    return str(rows[0][0])


def scratch_oid(server: Server) -> int | None:
    rows = admin_query(server, "SELECT oid FROM pg_tablespace WHERE spcname = %s", TABLESPACE)
    return int(str(rows[0][0])) if rows else None


def restart_as_after_a_reboot(root: Path) -> None:
    """`devdb down`, and tmpfs emptied: Docker gives a container a new /dev/shm whenever it
    starts; for the embedded engine, the host's /dev/shm is emptied by hand."""
    devdb(root, "down", check=True)
    engine = open_project(load_config(root), create=False).engine
    if isinstance(engine, EmbeddedEngine):
        shutil.rmtree(engine.scratch)


def test_test_databases_live_in_memory_kept_ones_on_disk_and_a_restart_is_repaired(
    pytester: pytest.Pytester, plugin_demo: Path
) -> None:
    (plugin_demo / "test_inner.py").write_text(IN_MEMORY)
    first = run_inner(pytester, plugin_demo, "-n", "2", "--devdb-keep-failed")
    first.assert_outcomes(passed=2, failed=1)
    assert "UserWarning: devdb" not in first.stdout.str()  # nothing fell back to disk
    kept = re.findall(r"kept database (app__t_gw\d_[0-9a-f]{6}_\d+)", first.stdout.str())[0]
    server = server_of(plugin_demo)
    assert tablespace_of(server, kept) == "pg_default"  # survives the restart below
    oid = scratch_oid(server)
    assert oid is not None
    template = admin_query(
        server, "SELECT datname FROM pg_database WHERE starts_with(datname, 'app__tpl_')"
    )
    stale = "stale_in_memory"  # its files go with the restart; the catalog keeps it
    admin_query(
        server, f'CREATE DATABASE {stale} TEMPLATE "{template[0][0]}" TABLESPACE {TABLESPACE}'
    )

    restart_as_after_a_reboot(plugin_demo)
    again = run_inner(pytester, plugin_demo, "-n", "2", "-k", "where_it_lives")
    again.assert_outcomes(passed=2)
    assert "UserWarning: devdb" not in again.stdout.str()
    server = server_of(plugin_demo)
    assert scratch_oid(server) not in (None, oid)  # made anew
    assert admin_query(server, "SELECT 1 FROM pg_database WHERE datname = %s", stale) == []
    with psycopg.connect(server.conninfo(kept)) as conn:
        assert conn.execute("SELECT 1 FROM users WHERE email = 'broken@example.com'").fetchone()

    engine = open_project(load_config(plugin_demo), create=False).engine
    destroy(plugin_demo)
    if isinstance(engine, EmbeddedEngine):
        assert not engine.scratch.exists()


def test_per_test_databases_on_disk_when_configured(pytester: pytest.Pytester) -> None:
    root = make_demo_project(pytester.path, engine="embedded", per_test_databases="disk")
    try:
        (root / "test_inner.py").write_text(ON_DISK)
        result = run_inner(pytester, root, "--devdb-keep-failed")
        result.assert_outcomes(passed=2, failed=1)
        kept = re.findall(r"kept database (app__t_main_[0-9a-f]{6}_\d+)", result.stdout.str())[0]
        server = server_of(root)
        assert tablespace_of(server, kept) == "pg_default"
        assert scratch_oid(server) is None
        engine = open_project(load_config(root), create=False).engine
        assert isinstance(engine, EmbeddedEngine) and not engine.scratch.exists()
    finally:
        destroy(root)


def test_an_unknown_per_test_databases_value_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.devdb]\nper_test_databases = "ram"\n')
    with pytest.raises(DevdbError) as raised:
        load_config(tmp_path)
    assert "per_test_databases = 'ram'" in raised.value.message
    assert "'memory', 'disk'" in raised.value.hint

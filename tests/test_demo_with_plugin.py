"""The demo backend's own tests, written the way a team using devdb would: with the pytest
plugin, each test on a database of its own, cloned from the migrated + seeded template.

The plugin is pointed at a throwaway copy of the demo (embedded engine) by overriding its
`devdb_config` fixture, so this never touches the developer's `make up` database.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from test_demo_backend import TABLES, App, get_json, head_revision, row_counts

from devdb.project.config import Config, load_config
from devdb.pytest_plugin import DevdbDatabase

from e2e_util import destroy, make_demo_project

pytestmark = pytest.mark.xdist_group("demo-with-plugin")  # one worker, one server


@pytest.fixture(scope="session")
def devdb_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Config]:
    root = make_demo_project(tmp_path_factory.mktemp("plugin-demo"), engine="embedded")
    try:
        yield load_config(root)
    finally:
        destroy(root)


@pytest.fixture(scope="module")
def seeded_counts(devdb_config: Config, devdb_template: str, devdb_url: str) -> dict[str, int]:
    """Row counts of the template, read through a clone made here."""
    name = f"{devdb_template[:30]}_counts"
    with psycopg.connect(devdb_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{devdb_template}"')
    try:
        return row_counts(devdb_url.rsplit("/", 1)[0] + "/" + name)
    finally:
        with psycopg.connect(devdb_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.mark.parametrize("turn", [1, 2])
def test_every_test_starts_from_the_seeded_state(
    turn: int, devdb_database: DevdbDatabase, seeded_counts: dict[str, int]
) -> None:
    """Whichever turn runs second still finds the rows the other one deleted."""
    assert all(seeded_counts[table] > 0 for table in TABLES), seeded_counts
    assert row_counts(devdb_database.url) == seeded_counts
    with psycopg.connect(devdb_database.url) as conn:
        conn.execute("DELETE FROM document_permissions")
        conn.execute("DELETE FROM notifications")
    assert row_counts(devdb_database.url)["document_permissions"] == 0


def test_a_test_database_is_a_clone_not_the_working_database(
    devdb_database: DevdbDatabase, devdb_config: Config
) -> None:
    from dotenv import dotenv_values

    working = dotenv_values(devdb_config.env_file)["DB_NAME"]
    assert devdb_database.name != working
    assert devdb_database.env["DB_NAME"] == devdb_database.name
    assert devdb_database.name in devdb_database.app_url


def test_the_app_serves_its_own_database(
    devdb_conn: psycopg.Connection[Any], devdb_database: DevdbDatabase
) -> None:
    owner = devdb_conn.execute("SELECT min(id) FROM users").fetchone()[0]  # type: ignore[index]
    devdb_conn.execute("INSERT INTO documents (owner_id, title) VALUES (%s, 'only here')", [owner])
    devdb_conn.commit()
    app = App(devdb_database.url)
    try:
        base = app.wait_listening()
        assert get_json(f"{base}/health") == (
            200,
            {"status": "ok", "db": True, "revision": head_revision()},
        )
        assert app.stop(signal.SIGTERM) == 0
    finally:
        app.kill()


def test_the_plugin_points_at_the_copy(devdb_config: Config) -> None:
    assert devdb_config.project_root != Path(__file__).resolve().parent.parent

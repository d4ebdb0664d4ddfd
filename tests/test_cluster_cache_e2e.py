"""The embedded engine's pristine cluster: initdb once per server build, every new cluster a
copy of it whose password is devdb's from the first connection on."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from devdb.server.engines.base import Server

from e2e_util import destroy, devdb, make_demo_project, server_of


def _system_identifier(server: Server) -> int:
    with psycopg.connect(server.conninfo()) as conn:
        row = conn.execute("SELECT system_identifier FROM pg_control_system()").fetchone()
    assert row is not None
    return int(row[0])


def _home(root: Path) -> Path:
    from devdb.project.config import load_config
    from devdb.server.engines.embedded import embedded_home

    return embedded_home(load_config(root))


def test_new_clusters_are_copies_of_the_pristine_one_with_their_own_password(
    tmp_path: Path,
) -> None:
    from devdb.server.engines.embedded import cluster_cache_dir

    first = make_demo_project(tmp_path, engine="embedded")
    second = make_demo_project(tmp_path, engine="embedded")
    uncached = make_demo_project(tmp_path, engine="embedded")
    try:
        devdb(first, "up", "--no-app", check=True)
        devdb(second, "up", "--no-app", check=True)
        devdb(uncached, "up", "--no-app", env={"DEVDB_CLUSTER_CACHE": "0"}, check=True)
        servers = [server_of(root) for root in (first, second, uncached)]
        ids = [_system_identifier(server) for server in servers]
        assert ids[0] == ids[1], "the second cluster was not copied from the same pristine one"
        assert ids[2] != ids[0], "DEVDB_CLUSTER_CACHE=0 still copied"

        passwords = {
            (entry / "password").read_text().strip()
            for entry in cluster_cache_dir().iterdir()
            if (entry / "password").is_file()
        }
        assert passwords
        for root, server in zip((first, second), servers[:2], strict=True):
            assert not (_home(root) / "bootstrap-password").exists()
            for password in passwords:  # the pristine copy's password opens nothing
                bootstrap = Server(server.host, server.port, server.user, password)
                with pytest.raises(psycopg.OperationalError, match="password authentication"):
                    psycopg.connect(bootstrap.conninfo(), connect_timeout=3)
        assert servers[0].password != servers[1].password
    finally:
        for root in (first, second, uncached):
            destroy(root)


def test_killed_after_the_copy_the_next_up_sets_the_password(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    try:
        killed = devdb(root, "up", "--no-app", env={"DEVDB_FAULT": "up_server_created"})
        assert killed.returncode == -9, killed.stderr
        assert (_home(root) / "bootstrap-password").is_file()
        devdb(root, "up", "--no-app", check=True)
        assert not (_home(root) / "bootstrap-password").exists()
        with psycopg.connect(server_of(root).conninfo()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        destroy(root)

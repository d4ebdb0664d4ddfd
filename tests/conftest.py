"""Shared fixtures: a real PostgreSQL 18 + pgvector for the whole session (embedded engine)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devdb.project.config import Config
from devdb.project.state import new_password
from devdb.server.engines.base import EngineSpec, Server
from devdb.server.engines.embedded import EmbeddedEngine

from e2e_util import destroy, make_demo_project

IN_CI = os.environ.get("DEVDB_REQUIRE_DOCKER") == "1"


@pytest.fixture(scope="session")
def pg_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedEngine]:
    """A throwaway embedded server, running; superuser `postgres` with a random password."""
    root = tmp_path_factory.mktemp("pgserver")
    engine = EmbeddedEngine(
        Config(project_root=root, project_name="tests"), EngineSpec("postgres", new_password())
    )
    server = engine.start()
    try:
        engine.wait_ready(server, timeout=60)  # start + wait_ready: the engine's contract
        yield engine
    finally:
        engine.destroy()


@pytest.fixture(scope="session")
def pg_server(pg_engine: EmbeddedEngine) -> Server:
    """The throwaway embedded server's connection details."""
    server = pg_engine.server()
    assert server is not None
    return server


@pytest.fixture(scope="session")
def pg_dsn(pg_server: Server) -> str:
    """Superuser URL: postgresql://postgres:PW@127.0.0.1:PORT/postgres."""
    return pg_server.url()


@pytest.fixture
def scratch_db(pg_server: Server) -> Iterator[str]:
    """A fresh, uniquely named database on the session server; yields its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_server.url(name)
    finally:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def docker_or_skip() -> None:
    """Docker tests fail in CI (DEVDB_REQUIRE_DOCKER=1) and skip elsewhere when no daemon."""
    from devdb.server.engines import docker_available

    if docker_available():
        return
    if IN_CI:
        pytest.fail("Docker daemon not reachable, and DEVDB_REQUIRE_DOCKER=1")
    pytest.skip("no Docker daemon (set DEVDB_REQUIRE_DOCKER=1 to make this a failure)")


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def offline_image() -> str:
    """The locally built pgvector image (built once if missing: no registry here)."""
    docker_or_skip()
    import docker
    from docker.errors import ImageNotFound

    from devdb.project.config import OFFLINE_IMAGE

    client = docker.from_env()
    try:
        client.images.get(OFFLINE_IMAGE)
    except ImageNotFound:
        from devdb.server.image.build import build_image

        build_image(OFFLINE_IMAGE)
    return OFFLINE_IMAGE


@pytest.fixture(params=["embedded", "docker"])
def engine_settings(request: pytest.FixtureRequest) -> dict[str, str]:
    """[tool.devdb] settings selecting each engine in turn."""
    if request.param == "docker":
        return {"engine": "docker", "image": request.getfixturevalue("offline_image")}
    return {"engine": "embedded"}


@pytest.fixture
def plugin_demo(pytester: pytest.Pytester, engine_settings: dict[str, str]) -> Iterator[Path]:
    """A copy of the demo backend at the root of a pytester folder, on each engine: inner
    pytest runs there find its devdb config, as a project's own test suite would."""
    root = make_demo_project(pytester.path, **engine_settings)
    try:
        yield root
    finally:
        destroy(root)

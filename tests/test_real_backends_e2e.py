"""Backends that never heard of devdb: discovered layout, their key names, their env.py habits."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import psycopg
import pytest
from dotenv import dotenv_values

from e2e_util import copy_project, destroy, devdb

pytestmark = pytest.mark.xdist_group("real")


@pytest.fixture
def fastapi_style(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = copy_project(tmp_path, "fastapi_style")
    try:
        yield root
    finally:
        destroy(root)


@pytest.fixture
def compose_style(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = copy_project(tmp_path, "compose_style")
    try:
        yield root
    finally:
        destroy(root)


def test_init_discovers_subfolders_and_key_names(fastapi_style: Path) -> None:
    result = devdb(fastapi_style, "init", "--dry-run", check=True)
    assert 'alembic_ini = "backend/alembic.ini"' in result.stdout
    assert 'env_example = "infra/.env.example"' in result.stdout
    assert 'host = "POSTGRES_SERVER"' in result.stdout
    assert "[tool.devdb]" not in (fastapi_style / "pyproject.toml").read_text()
    devdb(fastapi_style, "init", check=True)
    assert "[tool.devdb]" in (fastapi_style / "pyproject.toml").read_text()
    again = devdb(fastapi_style, "init")
    assert again.returncode == 1 and "already configured" in again.stderr


def test_up_with_parts_keys_async_env_py_and_required_secrets(fastapi_style: Path) -> None:
    devdb(fastapi_style, "up", "--no-app", "--engine", "embedded", check=True)
    env_path = fastapi_style / "infra" / ".env"
    env = {k: v or "" for k, v in dotenv_values(env_path).items()}
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
    host, port = env["POSTGRES_SERVER"].split(":")  # no port key: host:port in the host key
    assert host == "127.0.0.1" and int(port) > 0
    assert env["SECRET_KEY"] == "changethis" and env["DOMAIN"] == "localhost"
    assert env["POSTGRES_PASSWORD"] != "changethis"
    assert env["POSTGRES_DB"] == "app" and env["POSTGRES_USER"] == "postgres"
    assert list(env)[:3] == ["DOMAIN", "SECRET_KEY", "FIRST_SUPERUSER"]  # order kept
    assert "# Postgres (the compose service" in env_path.read_text()  # comments kept
    url = f"postgresql://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@{env['POSTGRES_SERVER']}/{env['POSTGRES_DB']}"
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (0,)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            "a1b2c3d4e5f6",
        )


def test_no_example_writes_only_the_keys_the_app_declares(compose_style: Path) -> None:
    result = devdb(compose_style, "up", "--no-app", "--engine", "embedded", "--json", check=True)
    assert json.loads(result.stdout)["revision"] == ["0001"]
    env = {k: v or "" for k, v in dotenv_values(compose_style / ".env").items()}
    assert set(env) <= {"DATABASE_URL", "SENTRY_DSN", "LOG_LEVEL"}
    assert "DB_USER" not in env and "POSTGRES_PASSWORD" not in env
    assert (
        env["DATABASE_URL"].startswith("postgresql+psycopg://")
        and "@127.0.0.1:" in env["DATABASE_URL"]
    )
    with psycopg.connect(env["DATABASE_URL"].replace("+psycopg", "")) as conn:
        assert conn.execute("SELECT extversion FROM pg_extension WHERE extname='vector'").fetchone()

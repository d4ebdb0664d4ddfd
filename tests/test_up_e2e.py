"""`devdb up` end to end through the real CLI, on the embedded engine and on Docker."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import psycopg
import pytest

from e2e_util import destroy, devdb, make_demo_project

pytestmark = pytest.mark.xdist_group("up")


@pytest.fixture
def demo(tmp_path: Path, engine_settings: dict[str, str]):  # type: ignore[no-untyped-def]
    root = make_demo_project(tmp_path, **engine_settings)
    try:
        yield root
    finally:
        destroy(root)


def env_file(root: Path) -> Path:
    return root / "backend" / "py" / ".env"


def read_env(root: Path) -> dict[str, str]:
    from dotenv import dotenv_values

    return {k: v or "" for k, v in dotenv_values(env_file(root)).items()}


class Upped(NamedTuple):
    root: Path
    first: subprocess.CompletedProcess[str]
    env: dict[str, str]


@pytest.fixture(scope="module", params=["embedded", "docker"])
def upped(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Upped]:
    """One cold `up --no-app` per engine, shared by the tests that only read what it made."""
    settings = {"engine": request.param}
    if request.param == "docker":
        settings["image"] = request.getfixturevalue("offline_image")
    root = make_demo_project(tmp_path_factory.mktemp("up"), **settings)
    try:
        first = devdb(root, "up", "--no-app", check=True)
        yield Upped(root, first, read_env(root))
    finally:
        destroy(root)


def test_up_writes_a_fresh_password_and_the_url_into_the_env_file(upped: Upped) -> None:
    env = upped.env
    assert len(env["DB_PASSWORD"]) == 32 and env["DB_PASSWORD"] != "change-me"
    assert env["DB_URL"].startswith("postgresql+psycopg://")
    assert "@127.0.0.1:" in env["DB_URL"] and env["DB_URL"].endswith(f"/{env['DB_NAME']}")


def test_up_keeps_the_examples_other_values_in_a_private_file(upped: Upped) -> None:
    assert upped.env["SECRET_KEY"] == "dev-secret-change-me"
    assert stat.S_IMODE(env_file(upped.root).stat().st_mode) == 0o600


def test_up_and_status_never_print_the_password(upped: Upped) -> None:
    password = upped.env["DB_PASSWORD"]
    status = devdb(upped.root, "status", "--json", check=True)
    assert password not in upped.first.stdout + upped.first.stderr
    assert password not in status.stdout + status.stderr


def test_up_migrates_seeds_and_installs_pgvector(upped: Upped) -> None:
    with psycopg.connect(upped.env["DB_URL"].replace("+psycopg", "")) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] > 0
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] > 0
        version = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname='vector'"
        ).fetchone()
        assert version is not None
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_a_second_up_is_warm_and_leaves_the_env_file_alone(upped: Upped) -> None:
    mtime = env_file(upped.root).stat().st_mtime_ns
    result = json.loads(devdb(upped.root, "up", "--no-app", "--json", check=True).stdout)
    assert result["warm"] is True
    assert result["applied"] == []
    assert result["timings"]["total"] < 1.0
    assert env_file(upped.root).stat().st_mtime_ns == mtime


def test_env_psql_and_logs_reach_the_running_server(upped: Upped) -> None:
    env_json = json.loads(devdb(upped.root, "env", "--format", "json", check=True).stdout)
    assert env_json["DB_URL"] == upped.env["DB_URL"]
    psql = devdb(upped.root, "psql", "--", "-tAc", "SELECT count(*) > 0 FROM documents", check=True)
    assert psql.stdout.strip() == "t"
    assert devdb(upped.root, "logs", "-n", "5", check=True).stdout.strip()


def test_status_json_names_the_revision_and_nothing_pending(upped: Upped) -> None:
    with psycopg.connect(upped.env["DB_URL"].replace("+psycopg", "")) as conn:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    data = json.loads(devdb(upped.root, "status", "--json", check=True).stdout)  # only JSON
    assert data["revision"] == [revision]
    assert data["pending"] == []
    assert data["extensions"]["vector"]


def test_user_values_in_env_are_kept(demo: Path) -> None:
    devdb(demo, "up", "--no-app", check=True)
    path = env_file(demo)
    path.write_text(path.read_text().replace("LOG_LEVEL=info", "LOG_LEVEL=debug") + "MY_KEY=mine\n")
    devdb(demo, "up", "--no-app", check=True)
    env = read_env(demo)
    assert env["LOG_LEVEL"] == "debug" and env["MY_KEY"] == "mine"


def test_down_keeps_data_and_up_reuses_the_port(demo: Path) -> None:
    devdb(demo, "up", "--no-app", check=True)
    url = read_env(demo)["DB_URL"].replace("+psycopg", "")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO users (email, display_name) VALUES ('kept@example.com', 'Kept')")
    port = json.loads(devdb(demo, "status", "--json", check=True).stdout)["port"]
    assert devdb(demo, "down", check=True).returncode == 0
    assert json.loads(devdb(demo, "status", "--json", check=True).stdout)["running"] is False
    devdb(demo, "up", "--no-app", check=True)
    assert json.loads(devdb(demo, "status", "--json", check=True).stdout)["port"] == port
    with psycopg.connect(url) as conn:
        assert (
            conn.execute("SELECT count(*) FROM users WHERE email='kept@example.com'").fetchone()[0]
            == 1
        )


def test_up_runs_the_app_and_forwards_sigterm(demo: Path) -> None:
    devdb(demo, "up", "--no-app", check=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "devdb", "up"],
        cwd=demo,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "APP_PORT": "0"},
        stdin=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        said = []
        for line in proc.stdout:
            said.append(line)
            if "listening on" in line:
                address = line.split("listening on", 1)[1].strip()
                break
        else:
            raise AssertionError("the app never said it was listening")
        with urllib.request.urlopen(f"{address}/health", timeout=10) as response:
            health = json.loads(response.read())
        assert health["status"] == "ok" and health["db"] is True
        assert "is up to date" in said[0] and said[1].startswith("→ running python main.py")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()

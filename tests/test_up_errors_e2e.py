"""Every expected failure of `devdb up`: one clear line, exit 1, no traceback, nothing lost."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from e2e_util import db_url, destroy, devdb, make_demo_project

pytestmark = pytest.mark.xdist_group("errors")

BAD_MIGRATION = '''
"""a migration that fails"""
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.execute("UPDATE no_such_table SET x = 1")


def downgrade() -> None:
    pass
'''


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


@pytest.fixture
def demo(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = make_demo_project(tmp_path, engine="embedded")
    try:
        yield root
    finally:
        destroy(root)


def test_failing_migration_fixture_and_env_py_errors_lose_nothing(demo: Path) -> None:
    devdb(demo, "up", "--no-app", check=True)
    url = db_url(demo)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO users (email, display_name) VALUES ('precious@example.com', 'P')")
    env_before = (demo / "backend" / "py" / ".env").read_text()

    versions = demo / "backend" / "py" / "migrations" / "versions"
    (versions / "0008_broken.py").write_text(BAD_MIGRATION)
    failed = devdb(demo, "up", "--no-app")
    assert_one_line_error(failed, "0008", "no_such_table", "0007")
    (versions / "0008_broken.py").unlink()

    fixtures = demo / "backend" / "py" / "fixtures"
    (fixtures / "04_broken.sql").write_text(
        "INSERT INTO users (email, display_name) VALUES ('half@example.com', 'Half');\n"
        "INSERT INTO no_such_table VALUES (1);\n"
    )
    bad_fixture = devdb(demo, "up", "--no-app")
    assert_one_line_error(bad_fixture, "04_broken.sql", "no_such_table")
    (fixtures / "04_broken.sql").unlink()

    env_py = demo / "backend" / "py" / "migrations" / "env.py"
    original = env_py.read_text()
    env_py.write_text(
        original.replace(
            "from alembic import context",
            "import nonexistent_module_xyz\nfrom alembic import context",
        )
    )
    (versions / "0008_broken.py").write_text(BAD_MIGRATION)  # something pending, so env.py runs
    broken_import = devdb(demo, "up", "--no-app")
    assert_one_line_error(broken_import, "nonexistent_module_xyz")
    env_py.write_text(original)
    (versions / "0008_broken.py").unlink()

    with psycopg.connect(url) as conn:  # nothing lost, nothing half-done
        emails = {row[0] for row in conn.execute("SELECT email FROM users")}
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0007",)
    assert "precious@example.com" in emails and "half@example.com" not in emails
    assert (demo / "backend" / "py" / ".env").read_text() == env_before
    devdb(demo, "up", "--no-app", check=True)


def test_bad_env_example_and_missing_alembic_ini(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    example = root / "backend" / "py" / "env.example"
    example.write_text(example.read_text() + "THIS LINE IS NOT 'VALID\n")
    bad = devdb(root, "up", "--no-app")
    assert_one_line_error(bad, "env.example", "line")
    assert not (root / ".devdb" / "state.json").exists()  # caught before a server started

    bare = tmp_path / "no-alembic"
    bare.mkdir()
    (bare / "pyproject.toml").write_text('[project]\nname = "bare"\n')
    missing = devdb(bare, "up", "--no-app")
    assert_one_line_error(missing, "no alembic.ini")


def test_configured_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        root = make_demo_project(tmp_path, engine="embedded", port=port)
        try:
            result = devdb(root, "up", "--no-app")
            assert_one_line_error(result, f"port {port}", "in use")
        finally:
            destroy(root)


def test_two_ups_at_once_and_ctrl_c_during_up(demo: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "devdb", "up", "--no-app", "--json"],
            cwd=demo,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [proc.communicate(timeout=180) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], results
    warm = sorted(json.loads(out)["warm"] for out, _ in results)
    assert warm == [False, True]  # the second waited, then found nothing to do

    devdb(demo, "destroy", "--yes", check=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "devdb", "up", "--no-app"],
        cwd=demo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "Applying 0003" in line:
            proc.send_signal(signal.SIGINT)
            break
    _, rest = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "Traceback" not in rest
    again = devdb(demo, "up", "--no-app", "--json", check=True)
    assert json.loads(again.stdout)["revision"] == ["0007"]


def test_docker_unreachable(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path, engine="docker")
    result = devdb(root, "up", "--no-app", env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert_one_line_error(result, "Docker daemon is not reachable", "--engine embedded")


@pytest.mark.docker
def test_image_missing_offline_names_image_build(tmp_path: Path, offline_image: str) -> None:
    root = make_demo_project(tmp_path, engine="docker", image="devdb-test/not-here:0")
    try:
        result = devdb(root, "up", "--no-app", timeout=300)
        assert_one_line_error(result, "devdb-test/not-here:0", "devdb image build")
    finally:
        destroy(root)


def test_auto_engine_without_docker_uses_embedded_and_says_so(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path)  # engine not set: auto
    try:
        result = devdb(
            root, "up", "--no-app", env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"}
        )
        assert result.returncode == 0, result.stderr
        assert "engine: embedded (no Docker daemon answered" in result.stderr
        status = json.loads(devdb(root, "status", "--json", check=True).stdout)
        assert status["engine"] == "embedded" and status["revision"] == ["0007"]
    finally:
        destroy(root)

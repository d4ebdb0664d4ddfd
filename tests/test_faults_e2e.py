"""Fault injection: devdb killed (kill -9) or interrupted (Ctrl-C) at each named step of
up, reset, backup and restore, on both engines. After each fault the next plain command
succeeds on the same engine, the user's rows are there, and destroy leaves nothing behind."""

from __future__ import annotations

import json
import os
from pathlib import Path

import psycopg
import pytest

from devdb.faults import BACKUP_POINTS, RESET_POINTS, RESTORE_POINTS, UP_POINTS

from e2e_util import db_url, devdb, make_demo_project

QUIET = {"DEVDB_AGENT": "0"}  # every command in this process: a fault point is reached here
USER_ROW = "INSERT INTO users (email, display_name) VALUES ('mine@example.com', 'Mine')"
MINE = "SELECT count(*) FROM users WHERE email = 'mine@example.com'"


def faulted(root: Path, point: str, *args: str, how: str = "SIGKILL") -> None:
    result = devdb(root, *args, env={**QUIET, "DEVDB_FAULT": f"{point}:{how}"})
    expected = -9 if how == "SIGKILL" else 130
    assert result.returncode == expected, (point, result.returncode, result.stderr[-800:])
    if how == "SIGINT":
        assert "Traceback" not in result.stderr


def plain(root: Path, *args: str) -> str:
    result = devdb(root, *args, env=QUIET)
    assert result.returncode == 0, (args, result.stderr[-1500:])
    return result.stderr


def state_of(root: Path) -> dict[str, object]:
    return dict(json.loads((root / ".devdb" / "state.json").read_text()))


def databases(root: Path, marker: str) -> list[str]:
    state = state_of(root)  # the env file may not be written yet
    url = f"postgresql://{state['user']}:{state['password']}@127.0.0.1:{state['port']}/postgres"
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE strpos(datname, %s) > 0", (marker,)
        ).fetchall()
    return [row[0] for row in rows]


def count(root: Path, query: str) -> int:
    with psycopg.connect(db_url(root)) as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])


def leftovers(root: Path) -> dict[str, int]:
    """What devdb could have left of this checkout: containers, volumes, cluster dirs,
    server processes, shared-memory scratch dirs, state."""
    from devdb.project.config import load_config
    from devdb.server.engines.embedded import SHARED_MEMORY, embedded_home

    config = load_config(root)
    home = embedded_home(config)
    found = {
        "cluster_dirs": int(home.exists()),
        "scratch_dirs": int((SHARED_MEMORY / config.resource_name).exists()),
        "state": int((root / ".devdb" / "state.json").exists()),
        "postmasters": 0,
        "containers": 0,
        "volumes": 0,
    }
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if str(home) in cmdline and "postgres" in cmdline:
                found["postmasters"] += 1
    from devdb.server.engines import docker_available

    if docker_available():
        import docker

        client = docker.from_env()
        found["containers"] = len(
            client.containers.list(all=True, filters={"label": f"devdb.path={root}"})
        )
        found["volumes"] = len(
            [v for v in client.volumes.list() if v.name == f"{config.resource_name}-data"]
        )
    return found


def destroy_and_count(root: Path) -> dict[str, int]:
    plain(root, "destroy", "--yes", "--no-backup")
    left = leftovers(root)
    assert not any(left.values()), left
    return left


UP_CASES = [(point, "SIGKILL") for point in UP_POINTS] + [
    ("up_server_started", "SIGINT"),
    ("up_ready", "SIGINT"),
]


@pytest.mark.parametrize(("point", "how"), UP_CASES, ids=[f"{p}-{h}" for p, h in UP_CASES])
def test_first_up_recovers_from_a_fault(
    tmp_path: Path, engine_settings: dict[str, str], point: str, how: str
) -> None:
    root = make_demo_project(tmp_path, **engine_settings)
    try:
        faulted(root, point, "up", "--no-app", how=how)
        assert state_of(root)["engine"] == engine_settings["engine"]  # written ahead
        out = plain(root, "up", "--no-app")
        assert f"({engine_settings['engine']};" in out and "rejected" not in out
        assert count(root, "SELECT count(*) FROM users") > 0  # fixtures are there
        assert databases(root, "__build_") == []
        assert state_of(root)["extra"]["provisioned"] is True  # type: ignore[index]
    finally:
        destroy_and_count(root)


def assert_password_not_in_docker_inspect(root: Path) -> None:
    import docker

    password = str(state_of(root)["password"])
    (container,) = docker.from_env().containers.list(filters={"label": f"devdb.path={root}"})
    assert password not in json.dumps(container.attrs)
    secret = root / ".devdb" / "docker-postgres-password"
    assert secret.stat().st_mode & 0o777 == 0o600
    mounts = {m["Destination"]: m for m in container.attrs["Mounts"]}
    assert mounts["/run/secrets/devdb-postgres-password"]["RW"] is False


def test_reset_backup_restore_recover_from_faults(
    tmp_path: Path, engine_settings: dict[str, str]
) -> None:
    """One server per engine for every later step; each fault is followed by a plain command."""
    root = make_demo_project(tmp_path, **engine_settings)
    try:
        plain(root, "up", "--no-app")
        with psycopg.connect(db_url(root), autocommit=True) as conn:
            conn.execute(USER_ROW)
        if engine_settings["engine"] == "docker":
            assert_password_not_in_docker_inspect(root)

        assert RESET_POINTS == ("reset_template_ready", "reset_swapped")
        faulted(root, "reset_template_ready", "reset", "--yes")
        plain(root, "up", "--no-app")
        assert count(root, MINE) == 1  # not swapped yet: the rows are where they were
        faulted(root, "reset_swapped", "reset", "--yes")
        plain(root, "up", "--no-app")
        assert count(root, MINE) == 0  # the reset happened; the old database is kept for undo
        plain(root, "reset", "--undo", "--yes")
        assert count(root, MINE) == 1

        (point,) = BACKUP_POINTS
        faulted(root, point, "backup", "--name", "ctrl-c", how="SIGINT")
        assert not list((root / ".devdb" / "backups").glob("ctrl-c.*"))  # cleaned up at once
        faulted(root, point, "backup", "--name", "interrupted")
        plain(root, "backup", "--name", "kept")
        backups = root / ".devdb" / "backups"
        assert sorted(p.name for p in backups.glob("*.dump")) == ["kept.dump"]

        faulted(root, RESTORE_POINTS[0], "restore", "kept", "--yes", "--no-backup", how="SIGINT")
        assert databases(root, "__restore_") == []  # its scratch database dropped at once
        for point in RESTORE_POINTS:
            faulted(root, point, "restore", "kept", "--yes", "--no-backup")
            assert count(root, MINE) == 1  # before the swap the old one, after it the backup's
            plain(root, "restore", "kept", "--yes", "--no-backup")
            assert count(root, MINE) == 1
            assert databases(root, "__restore_") == []
        plain(root, "up", "--no-app")
        assert databases(root, "__build_") == []
    finally:
        destroy_and_count(root)


def test_a_first_embedded_up_on_a_taken_port_leaves_no_cluster(tmp_path: Path) -> None:
    """A first embedded up that fails on a taken port leaves no cluster behind."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        root = make_demo_project(tmp_path, engine="embedded", port=port)
        result = devdb(root, "up", "--no-app", env=QUIET)
        assert result.returncode == 1 and f"port {port}" in result.stderr
        assert leftovers(root)["cluster_dirs"] == 0
    destroy_and_count(root)


def test_the_engine_sticks_and_an_explicit_one_says_what_happens(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path)  # no engine in the config: auto
    try:
        plain(root, "up", "--no-app", "--engine", "embedded")
        assert "(embedded" in plain(root, "up", "--no-app")  # a plain up keeps it
        plain(root, "reset", "--yes")
        assert state_of(root)["engine"] == "embedded"
        url = db_url(root)
        external = make_demo_project(tmp_path)
        out = plain(external, "up", "--no-app", "--engine", "external", "--url", url, "--yes")
        assert "(external;" in out
        refused = devdb(external, "reset", "--yes", env=QUIET)  # the remembered external server
        assert refused.returncode == 1 and "external server" in refused.stderr
        assert state_of(external)["engine"] == "external"
        devdb(external, "destroy", "--yes", env=QUIET)
    finally:
        destroy_and_count(root)


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    bogus = devdb(root, "up", "--no-app", "--engine", "bogus", env=QUIET)
    assert bogus.returncode == 2 and "bogus" in bogus.stderr
    negative = devdb(root, "logs", "-n", "-5", env=QUIET)
    assert negative.returncode == 2
    assert not (root / ".devdb" / "state.json").exists()


def test_fault_point_is_inert_without_the_variable() -> None:
    from devdb import faults

    assert os.environ.get("DEVDB_FAULT") is None
    faults.fault_point("up_ready")  # returns: nothing happens


SLEEPY_MIGRATION = '''
"""add documents.slow after a long statement"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("slow", sa.Text(), nullable=True))
    op.execute("SELECT pg_sleep(20)")


def downgrade() -> None:
    op.drop_column("documents", "slow")
'''


def test_ctrl_c_during_a_long_migration_stops_now_and_rolls_back(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    from e2e_util import versions

    root = make_demo_project(tmp_path, engine="embedded")
    try:
        plain(root, "up", "--no-app")
        (versions(root) / "0008_slow.py").write_text(SLEEPY_MIGRATION)
        proc = subprocess.Popen(
            [sys.executable, "-m", "devdb", "up", "--no-app"],
            cwd=root,
            env={**os.environ, **QUIET, "COLUMNS": "200"},
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:  # the step line comes when 0008 has begun
            seen.append(line)
            if "Applying 0008" in line:
                break
        else:
            raise AssertionError("".join(seen))
        sleeping = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()"
        )
        while count(root, sleeping) == 0:  # the long statement is running now
            assert proc.poll() is None
        interrupted = time.monotonic()
        proc.send_signal(signal.SIGINT)
        rest = proc.stderr.read()
        code = proc.wait(timeout=10)
        took = time.monotonic() - interrupted
        assert code == 130, rest
        assert took < 1.5, took
        assert "the database is at 0007" in rest and "Traceback" not in rest
        assert count(root, sleeping) == 0  # rolled back on the server too, not left running
        assert (
            count(
                root, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'slow'"
            )
            == 0
        )
    finally:
        destroy_and_count(root)


def test_ctrl_c_during_a_slow_fixture_stops_now_and_seeds_nothing(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    root = make_demo_project(tmp_path, engine="embedded")
    try:
        plain(root, "up", "--no-app")
        fixtures = root / "backend" / "py" / "fixtures"
        (fixtures / "98_mine.sql").write_text(USER_ROW + ";\n")
        (fixtures / "99_slow.sql").write_text("SELECT pg_sleep(20);\n")
        proc = subprocess.Popen(
            [sys.executable, "-m", "devdb", "seed"],
            cwd=root, env={**os.environ, **QUIET}, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        sleeping = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()"
        )
        while count(root, sleeping) == 0:  # the slow fixture is running now
            assert proc.poll() is None, proc.communicate()
        interrupted = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=10)
        took = time.monotonic() - interrupted
        assert proc.returncode == 130, rest
        assert took < 1.5, took
        assert "Traceback" not in rest
        assert count(root, sleeping) == 0  # cancelled on the server, not left running
        assert count(root, MINE) == 0  # one transaction: the fixture before it is gone too
    finally:
        destroy_and_count(root)


def test_lost_state_is_repaired_through_the_local_socket_and_a_configured_port_moves(
    tmp_path: Path, engine_settings: dict[str, str]
) -> None:
    from devdb.server.engines.base import free_port

    root = make_demo_project(tmp_path, **engine_settings)
    try:
        plain(root, "up", "--no-app")
        with psycopg.connect(db_url(root), autocommit=True) as conn:
            conn.execute(USER_ROW)
        (root / ".devdb" / "state.json").unlink()  # a new password; the server keeps the old
        out = plain(root, "up", "--no-app")
        assert "rejected devdb's password" in out and "data kept" in out
        assert out.count("rejected") == 1
        assert count(root, MINE) == 1

        port = free_port()
        pyproject = root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + f"port = {port}\n")
        out = plain(root, "up", "--no-app")
        assert f"to the configured {port}" in out and f"127.0.0.1:{port}" in out
        assert count(root, MINE) == 1  # same data, new port
    finally:
        destroy_and_count(root)


@pytest.mark.parametrize(
    ("line", "wanted"),
    [
        ("port = 99999", "port = 99999 is not usable"),
        ('port = "abc"', "port = 'abc' is not usable"),
        ("ready_timeout = -5", "ready_timeout = -5 is not usable"),
    ],
)
def test_config_values_out_of_range_are_one_line(tmp_path: Path, line: str, wanted: str) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + line + "\n")
    number = len(pyproject.read_text().splitlines())
    result = devdb(root, "up", "--no-app", env=QUIET)
    assert result.returncode == 1, result.stderr
    assert f"pyproject.toml:{number}: {wanted}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / ".devdb" / "state.json").exists()


def test_an_interrupted_first_up_keeps_its_explicit_engine_and_a_switch_is_said(
    tmp_path: Path, offline_image: str
) -> None:
    root = make_demo_project(tmp_path, image=offline_image)  # no engine in the config: auto
    try:
        faulted(root, "up_server_created", "up", "--no-app", "--engine", "embedded")
        assert "(embedded;" in plain(root, "up", "--no-app")  # not docker, though it answers
        out = plain(root, "up", "--no-app", "--engine", "docker")
        assert "engine: docker now (was embedded" in out and "(docker;" in out
        assert leftovers(root)["cluster_dirs"] == 1  # the old server is left as it was said
        assert "(docker" in plain(root, "up", "--no-app")
    finally:
        destroy_and_count(root)  # both engines' servers


def test_external_never_touches_the_maintenance_database_and_asks_first(tmp_path: Path) -> None:
    owner = make_demo_project(tmp_path, engine="embedded")
    try:
        plain(owner, "up", "--no-app")
        base = db_url(owner).rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE someone_elses")
        app = make_demo_project(tmp_path)

        maintenance = devdb(app, "up", "--no-app", "--url", f"{base}/postgres", env=QUIET)
        assert maintenance.returncode == 1 and "maintenance database" in maintenance.stderr
        with psycopg.connect(f"{base}/postgres") as conn:
            assert conn.execute("SELECT to_regclass('alembic_version')").fetchone() == (None,)
            assert conn.execute("SELECT to_regnamespace('_devdb')").fetchone() == (None,)

        foreign = f"{base}/someone_elses"
        refused = devdb(app, "up", "--no-app", "--url", foreign, env=QUIET)
        assert refused.returncode == 1 and "devdb did not create it" in refused.stderr
        assert "--yes" in refused.stderr
        with psycopg.connect(foreign) as conn:
            assert conn.execute("SELECT to_regclass('alembic_version')").fetchone() == (None,)
        assert "(external;" in plain(app, "up", "--no-app", "--url", foreign, "--yes")

        created = make_demo_project(tmp_path)  # a database that does not exist: devdb's own
        assert "(external;" in plain(created, "up", "--no-app", "--url", f"{base}/fresh_one")
        assert "(external" in plain(created, "up", "--no-app")  # the URL is remembered
        assert state_of(created)["engine"] == "external"
        assert not leftovers(created)["containers"]  # a plain up made no container
    finally:
        destroy_and_count(owner)


def test_a_failing_fixture_leaves_a_build_database_that_the_next_up_drops(
    tmp_path: Path,
) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    broken = root / "backend" / "py" / "fixtures" / "99_broken.sql"
    try:
        broken.write_text("INSERT INTO no_such_table VALUES (1);\n")
        failed = devdb(root, "up", "--no-app", env=QUIET)
        assert failed.returncode == 1 and "no_such_table" in failed.stderr
        assert len(databases(root, "__build_")) == 1  # the half-built template of that try
        broken.write_text("SELECT 1;\n")  # fixed: another template key
        plain(root, "up", "--no-app")
        assert databases(root, "__build_") == []
    finally:
        destroy_and_count(root)

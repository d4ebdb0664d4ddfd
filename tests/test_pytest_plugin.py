"""The pytest plugin end to end: inner pytest runs (real entry point, real xdist) against
copies of the demo backend, on the embedded engine and on Docker."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest

from devdb.server.engines.base import Server

from e2e_util import make_demo_project, run_inner, server_of

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.xdist_group("plugin")

SEEDED_USERS = 6  # backend/py/fixtures/01_users.csv

ISOLATION = f'''
import re
from pathlib import Path

import psycopg
import pytest

SEEDED_USERS = {SEEDED_USERS}


@pytest.mark.parametrize("n", range(6))
def test_each_clone_is_its_own(devdb_conn, devdb_database, n):
    """Every test writes a row and commits; none sees another's (in any order, any worker)."""
    devdb_conn.execute(
        "INSERT INTO users (email, display_name) VALUES (%s, 'x')", (f"t{{n}}@example.com",)
    )
    devdb_conn.commit()
    emails = [r[0] for r in devdb_conn.execute("SELECT email FROM users WHERE email LIKE 't%@example.com'")]
    assert emails == [f"t{{n}}@example.com"]
    assert devdb_conn.execute("SELECT count(*) FROM users").fetchone()[0] == SEEDED_USERS + 1
    Path("names").mkdir(exist_ok=True)
    (Path("names") / devdb_database.name).touch()


def test_seeded_rows_and_extension(devdb_conn):
    assert devdb_conn.execute("SELECT count(*) FROM users").fetchone()[0] == SEEDED_USERS
    assert devdb_conn.execute("SELECT count(*) FROM documents WHERE embedding IS NOT NULL").fetchone()[0] > 0
    assert devdb_conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone()


def test_database_object(devdb_database, devdb_template):
    db = devdb_database
    assert re.fullmatch(r"app__t_(main|gw\\d+)_[0-9a-f]{{6}}_\\d+", db.name), db.name
    assert db.url.startswith("postgresql://") and db.url.endswith("/" + db.name)
    assert db.app_url.startswith("postgresql+psycopg://") and db.app_url.endswith("/" + db.name)
    assert db.env["DB_URL"] == db.app_url and db.env["DB_NAME"] == db.name
    assert db.env["DB_PASSWORD"] not in repr(db)
    assert devdb_template.startswith("app__tpl_")
    with psycopg.connect(db.url) as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0] == db.name


def test_server_url_is_superuser(devdb_url):
    assert devdb_url.startswith("postgresql://") and devdb_url.endswith("/postgres")
    with psycopg.connect(devdb_url) as conn:
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]


def test_without_devdb():
    pass
'''

FAILING = """
def test_passes(devdb_conn):
    devdb_conn.execute("SELECT 1")


def test_breaks(devdb_conn):
    devdb_conn.execute("INSERT INTO users (email, display_name) VALUES ('broken@example.com', 'B')")
    devdb_conn.commit()
    assert False, "on purpose"
"""


def readme_example() -> str:
    """The Python example of the README's pytest section, which must pass as it is."""
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = text.split("\n## pytest", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def databases(server: Server, like: str) -> list[str]:
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY 1", (like,)
        )
        return [row[0] for row in rows]


def test_clone_per_test_is_isolated_and_seeded_alone_and_under_xdist(
    pytester: pytest.Pytester, plugin_demo: Path
) -> None:
    (plugin_demo / "test_inner.py").write_text(ISOLATION)
    (plugin_demo / "test_readme.py").write_text(readme_example())
    plain = run_inner(pytester, plugin_demo, "-p", "no:xdist")
    plain.assert_outcomes(passed=13)
    server = server_of(plugin_demo)
    assert databases(server, r"app\_\_t\_%") == []  # every clone dropped
    assert len(databases(server, r"app\_\_tpl\_%")) == 1

    parallel = run_inner(pytester, plugin_demo, "-n", "2")
    parallel.assert_outcomes(passed=13)
    names = [path.name for path in (pytester.path / "names").iterdir()]
    assert len(names) == 12 and len(set(names)) == 12
    assert {re.sub(r"_[0-9a-f]{6}_\d+$", "", name) for name in names} >= {
        "app__t_gw0",
        "app__t_gw1",
    }
    assert databases(server, r"app\_\_t\_%") == []
    assert len(databases(server, r"app\_\_tpl\_%")) == 1  # built once, shared by both workers


def test_keep_failed_keeps_the_database_and_names_it(
    pytester: pytest.Pytester, plugin_demo: Path
) -> None:
    (plugin_demo / "test_inner.py").write_text(FAILING)
    result = run_inner(pytester, plugin_demo, "-n", "2", "--devdb-keep-failed")
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    kept = re.findall(r"kept database (app__t_gw\d_[0-9a-f]{6}_\d+)", output)
    assert len(set(kept)) == 1, output
    name = kept[0]
    assert "databases kept for failed tests" in output
    assert f"{name}  (test_inner.py::test_breaks)" in output

    server = server_of(plugin_demo)
    assert databases(server, r"app\_\_t\_%") == [name]  # the passing test's clone is gone
    with psycopg.connect(server.conninfo(name)) as conn:
        assert conn.execute("SELECT 1 FROM users WHERE email = 'broken@example.com'").fetchone()
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')

    again = run_inner(pytester, plugin_demo)  # without the option, a failed test's clone goes too
    again.assert_outcomes(passed=1, failed=1)
    assert "kept database" not in again.stdout.str()
    assert databases(server, r"app\_\_t\_%") == []


def test_no_engine_is_a_clear_one_line_failure_not_a_hang(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_demo_project(pytester.path)
    (root / "test_inner.py").write_text(
        "def test_one(devdb_conn):\n    pass\n\n\ndef test_two(devdb_database):\n    pass\n\n\n"
        "def test_plain():\n    pass\n"
    )
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")  # nothing listens there
    started = time.monotonic()
    result = run_inner(pytester, root, "--devdb-engine", "docker", timeout=60)
    assert time.monotonic() - started < 30
    result.assert_outcomes(passed=1, errors=2)
    output = result.stdout.str()
    assert "devdb: the Docker daemon is not reachable" in output
    assert "--devdb-engine embedded" in output
    assert "Traceback" not in output
    assert output.count("devdb: the Docker daemon is not reachable") >= 2  # each test says why

    monkeypatch.setenv("DEVDB_ENGINE", "docker")  # the environment variable works the same way
    by_env = run_inner(pytester, root, "-k", "one", timeout=60)
    by_env.assert_outcomes(errors=1, deselected=2)
    assert "devdb: the Docker daemon is not reachable" in by_env.stdout.str()

    monkeypatch.setenv("DEVDB_ENGINE", "dockr")
    typo = run_inner(pytester, root, "-k", "one", timeout=60)
    assert "DEVDB_ENGINE='dockr' is not an engine" in typo.stdout.str()
    assert not (root / ".devdb" / "embedded").exists()


def test_external_engine_and_a_config_given_by_a_conftest(
    pytester: pytest.Pytester, pg_server: Server, scratch_db: str
) -> None:
    """Tests outside the project point `devdb_config` at it; the server is a given URL."""
    database = scratch_db.rsplit("/", 1)[1]
    root = make_demo_project(pytester.path, url=scratch_db)  # url: the external engine
    tests = pytester.path / "elsewhere"
    tests.mkdir()
    (tests / "conftest.py").write_text(
        textwrap.dedent(
            f"""
            from pathlib import Path

            import pytest
            from devdb.project.config import load_config

            @pytest.fixture(scope="session")
            def devdb_config():
                return load_config(Path({str(root)!r}))
            """
        )
    )
    (tests / "test_inner.py").write_text(
        textwrap.dedent(
            f"""
            def test_clone(devdb_database, devdb_conn):
                assert devdb_database.name.startswith("{database}__t_main_")
                assert devdb_conn.execute("SELECT count(*) FROM users").fetchone()[0] == {SEEDED_USERS}
            """
        )
    )
    try:
        run_inner(pytester, tests).assert_outcomes(passed=1)
        assert databases(pg_server, f"{database}\\_\\_t\\_%") == []
    finally:
        from devdb.copies.snapshots import drop

        for name in databases(pg_server, f"{database}\\_\\_%"):
            drop(pg_server, name)


def test_plugin_is_inert_when_no_devdb_fixture_is_used(pytester: pytest.Pytester) -> None:
    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, devdb.pytest_plugin; print(sorted(m for m in sys.modules if m.startswith('devdb')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.strip() == "['devdb', 'devdb.pytest_plugin']"

    root = make_demo_project(pytester.path, engine="docker")
    (root / "test_inner.py").write_text("def test_plain():\n    assert 1\n")
    result = run_inner(pytester, root, "--devdb-keep-failed")
    result.assert_outcomes(passed=1)
    assert "devdb" in run_inner(pytester, root, "--help").stdout.str()
    assert not (root / ".devdb").exists()  # no lock, no state, no server

"""`devdb status` reports everything `devdb up` would act on; `--check` exits 1 when anything
does; status changes nothing; bad alembic.ini / env.py input is one line for status, up, migrate.

One demo copy per engine walks through every finding in turn (one cold up per engine)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devdb.migrations.drift import pending_revisions

from e2e_util import add_migration, db_url, destroy, devdb, make_demo_project, versions

pytestmark = pytest.mark.xdist_group("status")


def status(root: Path) -> dict[str, Any]:
    """`devdb status --json --check`: its data, with the exit code under "exit"."""
    result = devdb(root, "status", "--json", "--check")
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    data["exit"] = result.returncode
    return data


def kinds(data: dict[str, Any]) -> list[str]:
    return [finding["kind"] for finding in data["findings"]]


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 1, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


def set_db_revision(root: Path, revision: str) -> None:
    with psycopg.connect(db_url(root), autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = %s", (revision,))


def test_status_reports_what_up_would_do_and_changes_nothing(
    tmp_path: Path, engine_settings: dict[str, str]
) -> None:
    root = make_demo_project(tmp_path, **engine_settings)
    app = root / "backend" / "py"
    env_file = app / ".env"
    try:
        before = status(root)
        assert before["exit"] == 1 and before["needs"] == "up"
        assert kinds(before) == ["no_server"]
        assert before["findings"][0]["fix"] == "devdb up"
        assert not (root / ".devdb").exists() and not env_file.exists()  # read-only

        devdb(root, "up", "--no-app", check=True)
        clean = status(root)
        assert clean["exit"] == 0 and clean["needs"] == "nothing" and clean["findings"] == []
        assert clean["revision"] == ["0007"] and clean["heads"] == ["0007"] and clean["answering"]
        text = devdb(root, "status")
        assert text.returncode == 0 and "nothing to do" in text.stdout
        state_before = (root / ".devdb" / "state.json").read_bytes()
        password = json.loads(state_before)["password"]
        assert password not in text.stdout + text.stderr + json.dumps(clean)
        env_before = env_file.read_bytes()

        # new migrations: pending, in the order up applies them
        add_migration(root, "0008", "0007", "summary")
        add_migration(root, "0009", "0008", "abstract")
        pending = status(root)
        assert pending["exit"] == 1 and pending["needs"] == "up"
        assert pending["pending"] == ["0008", "0009"] and kinds(pending) == ["pending_migrations"]
        assert "0008, 0009" in pending["findings"][0]["message"]
        text = devdb(root, "status", "--check")
        assert text.returncode == 1 and "pending_migrations" in text.stdout
        assert "devdb up" in text.stdout
        for path in versions(root).glob("000[89]_*.py"):
            path.unlink()

        # an applied migration edited: only a reset helps
        applied = versions(root) / "0003_create_document_permissions.py"
        original = applied.read_text()
        applied.write_text(original + "\n# edited after it was applied\n")
        edited = status(root)
        assert edited["needs"] == "reset" and kinds(edited) == ["edited_migration"]
        assert "0003" in edited["findings"][0]["message"]
        assert edited["findings"][0]["fix"] == "devdb reset"
        applied.write_text(original)
        assert status(root)["needs"] == "nothing"

        # the database at a revision these files do not know (another branch)
        set_db_revision(root, "feedbeef0001")
        other_branch = status(root)
        assert other_branch["needs"] == "reset" and kinds(other_branch) == ["unknown_revision"]
        assert other_branch["unknown_revisions"] == ["feedbeef0001"]
        assert other_branch["pending"] == []
        set_db_revision(root, "0007")

        # two heads: a code change, which status names and up refuses before acting
        add_migration(root, "0008a", "0007", "summary")
        add_migration(root, "0008b", "0007", "abstract")
        heads = status(root)
        assert heads["needs"] == "fix" and heads["exit"] == 1
        assert heads["heads"] == ["0008a", "0008b"]
        assert kinds(heads) == ["multiple_heads", "pending_migrations"]
        assert "alembic merge" in heads["findings"][0]["fix"]
        assert_one_line_error(devdb(root, "up", "--no-app"), "2 heads")
        assert_one_line_error(devdb(root, "migrate"), "2 heads")
        for path in versions(root).glob("0008?_*.py"):
            path.unlink()

        # the env file: a DB key gone, then the whole file
        lines = env_file.read_text().splitlines(keepends=True)
        env_file.write_text("".join(line for line in lines if not line.startswith("DB_NAME=")))
        stale = status(root)
        assert kinds(stale) == ["env_file_stale"] and "DB_NAME missing" in str(stale["findings"])
        env_file.write_text(
            "".join(
                "DB_URL=postgresql+psycopg://me:secret@127.0.0.1:1/mine\n"
                if line.startswith("DB_URL=")
                else line
                for line in lines
            )
        )
        own = status(root)
        assert own["needs"] == "nothing" and own["exit"] == 0  # up keeps a user's value
        assert len(own["notes"]) == 1 and own["notes"][0].startswith("DB_URL in backend/py/.env")
        assert "secret" not in str(own)
        env_file.unlink()
        missing = status(root)
        assert kinds(missing) == ["env_file_missing"] and missing["needs"] == "up"
        assert not env_file.exists()  # status never writes it
        env_file.write_bytes(env_before)
        env_file.chmod(0o600)

        # fixtures changed since the database was seeded
        fixture = app / "fixtures" / "02_documents.sql"
        fixture_text = fixture.read_text()
        fixture.write_text(fixture_text + "\n-- one more comment\n")
        fixtures = status(root)
        assert kinds(fixtures) == ["fixtures_changed"] and fixtures["needs"] == "up"
        fixture.write_text(fixture_text)

        # env.py edited: up runs the migration environment again
        env_py = app / "migrations" / "env.py"
        env_py_text = env_py.read_text()
        env_py.write_text(env_py_text + "\n# tuned\n")
        changed = status(root)
        assert kinds(changed) == ["migrations_changed"] and changed["needs"] == "up"
        env_py.write_text(env_py_text)

        assert status(root)["needs"] == "nothing"
        assert (root / ".devdb" / "state.json").read_bytes() == state_before
        assert env_file.read_bytes() == env_before

        if engine_settings["engine"] == "embedded":  # a hung server (Docker would say paused)
            data_dir = Path(clean["engine_details"]["data_dir"])
            postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
            os.kill(postmaster, signal.SIGSTOP)
            try:
                hung = status(root)
            finally:
                os.kill(postmaster, signal.SIGCONT)
            assert kinds(hung) == ["server_not_answering"] and hung["needs"] == "up"
            assert "devdb logs" in hung["findings"][0]["fix"]

        # a stopped server: status says so and leaves it stopped
        devdb(root, "down", check=True)
        stopped = status(root)
        assert kinds(stopped) == ["server_stopped"] and stopped["needs"] == "up"
        assert not stopped["running"]
        add_migration(root, "0008", "0007", "summary")
        stopped_pending = status(root)
        assert kinds(stopped_pending) == ["server_stopped", "pending_migrations"]
        assert stopped_pending["pending"] == ["0008"] and not stopped_pending["running"]
        (versions(root) / "0008_add_summary.py").unlink()
        devdb(root, "up", "--no-app", check=True)
        assert status(root)["needs"] == "nothing"

        # the server runs but the app database is gone: up makes it again
        with psycopg.connect(db_url(root).rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE app WITH (FORCE)")
        gone = status(root)
        assert kinds(gone) == ["no_database"] and gone["needs"] == "up" and gone["running"]
        devdb(root, "up", "--no-app", check=True)
        assert status(root)["needs"] == "nothing"
    finally:
        destroy(root)


def test_pending_follows_parents_before_children_through_a_merge() -> None:
    here = Path("x.py")
    graph = {
        "a": ((), here),
        "b": (("a",), here),
        "c1": (("b",), here),
        "c2": (("b",), here),
        "m": (("c1", "c2"), here),
        "n": (("m",), here),
    }
    assert pending_revisions(graph, ["a"]) == ["b", "c1", "c2", "m", "n"]
    assert pending_revisions(graph, ["c2"]) == ["c1", "m", "n"]
    assert pending_revisions(graph, ["n"]) == []
    assert pending_revisions(graph, []) == ["a", "b", "c1", "c2", "m", "n"]
    long = {f"r{i}": ((f"r{i - 1}",) if i else (), here) for i in range(3000)}
    assert pending_revisions(long, ["r0"]) == [f"r{i}" for i in range(1, 3000)]


BAD_INI = {
    "no section header": ("script_location = migrations\n[alembic]\n", "alembic.ini:1"),
    "unparsable line": (
        "[alembic]\nscript_location = %(here)s/migrations\nthis line has no equals sign\n",
        "alembic.ini:3",
    ),
    "duplicate key": (
        "[alembic]\nscript_location = migrations\nscript_location = migrations\n",
        "alembic.ini:3",
    ),
    "bad interpolation": ("[alembic]\nscript_location = %(nowhere)s/migrations\n", "alembic.ini:2"),
    "no script_location": ("[alembic]\nprepend_sys_path = .\n", "no script_location"),
    "missing folder": (
        "[alembic]\n# where env.py lives\nscript_location = %(here)s/migratons\n",
        "alembic.ini:3: script_location points at",
    ),
}


def test_bad_alembic_ini_and_env_py_are_one_line_for_status_up_and_migrate(
    tmp_path: Path,
) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    app = root / "backend" / "py"
    ini = app / "alembic.ini"
    env_py = app / "migrations" / "env.py"
    try:
        devdb(root, "up", "--no-app", check=True)
        good_ini, good_env_py = ini.read_text(), env_py.read_text()
        env_before = (app / ".env").read_bytes()
        for name, (text, needle) in BAD_INI.items():
            ini.write_text(text)
            for command in (["status"], ["status", "--check"], ["up", "--no-app"], ["migrate"]):
                result = devdb(root, *command)
                assert_one_line_error(result, needle)
                assert "drift" not in result.stderr, (name, command)
        ini.write_text(good_ini)

        # env.py that cannot import: the missing module, or the name a module lacks
        add_migration(root, "0008", "0007", "summary")  # something to run env.py for
        for broken, needle, wording in (
            ("import no_such_module_xyz\n", "no_such_module_xyz", "is not installed"),
            ("from settings import no_such_name_xyz\n", "no_such_name_xyz", "cannot import name"),
            ("import os\nos.environ['NO_SUCH_KEY_XYZ']\n", "NO_SUCH_KEY_XYZ", "is not set"),
        ):
            env_py.write_text(
                good_env_py.replace("import settings\n", broken + "import settings\n")
            )
            for command in (["up", "--no-app"], ["migrate"]):
                assert_one_line_error(devdb(root, *command), needle, wording, "env.py:")
        env_py.write_text(good_env_py)
        assert (app / ".env").read_bytes() == env_before
        assert status(root)["pending"] == ["0008"]
        devdb(root, "up", "--no-app", check=True)
        assert status(root)["needs"] == "nothing"
    finally:
        destroy(root)


def test_status_without_alembic_ini_is_an_error_not_drift(tmp_path: Path) -> None:
    bare = tmp_path / "no-alembic"
    bare.mkdir()
    (bare / "pyproject.toml").write_text('[project]\nname = "bare-status"\n')
    result = devdb(bare, "status", "--check")
    assert_one_line_error(result, "no alembic.ini")
    assert "drift" not in result.stderr + result.stdout


IMPORT_PROBE = """
import atexit, runpy, sys
heavy = ("docker", "alembic", "sqlalchemy")
atexit.register(lambda: print("LOADED", [m for m in heavy if m in sys.modules], file=sys.stderr))
sys.argv = ["devdb", "status", "--json"]
runpy.run_module("devdb", run_name="__main__")
"""


def test_status_of_an_embedded_checkout_imports_neither_docker_nor_alembic(
    tmp_path: Path,
) -> None:
    root = make_demo_project(tmp_path, engine="auto")
    state_dir = root / ".devdb"
    state_dir.mkdir()
    (state_dir / "state.json").write_text(json.dumps({"engine": "embedded"}))
    probe = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert "LOADED []" in probe.stderr, probe.stderr
    data = json.loads(probe.stdout)
    assert data["engine"] == "embedded" and data["needs"] == "up"
    assert kinds(data) == ["no_server"]

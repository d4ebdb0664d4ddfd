"""What devdb says when the cause is not where a new user would look: an edited applied
migration while the server is stopped (reset fixes it, not up), and an env.py importing a
name its module does not define (a code error, not a missing package)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from e2e_util import destroy, devdb, make_demo_project, versions

pytestmark = [pytest.mark.xdist_group("stopped-hints"), pytest.mark.slow]


def test_a_stopped_server_and_an_edited_applied_migration_need_reset(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    try:
        assert devdb(root, "up", "--no-app").returncode == 0
        assert devdb(root, "down").returncode == 0
        quiet = devdb(root, "status", "--check")
        assert quiet.returncode == 1 and "reset" not in quiet.stdout  # stopped, nothing edited
        applied = sorted(versions(root).glob("*.py"))[0]
        applied.write_text(applied.read_text() + "\n# edited after it was applied\n")

        text = devdb(root, "status", "--check")
        assert text.returncode == 1, text.stdout + text.stderr
        assert "devdb reset" in text.stdout, text.stdout
        data = json.loads(devdb(root, "status", "--json").stdout)
        assert data["needs"] == "reset", data

        up = devdb(root, "up", "--no-app")  # what up then says: the same fix
        assert up.returncode == 1 and "devdb reset" in up.stderr, up.stderr
    finally:
        destroy(root)


def test_an_env_py_importing_a_name_its_module_lacks_is_a_code_error(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    env_py = root / "backend" / "py" / "migrations" / "env.py"
    text = env_py.read_text()
    assert "\nfrom alembic import context\n" in text
    env_py.write_text(
        text.replace(
            "\nfrom alembic import context\n",
            "\nfrom alembic import context\nfrom json import no_such_name  # noqa: F401\n",
            1,
        )
    )
    try:
        up = devdb(root, "up", "--no-app")
        assert up.returncode == 1, up.stdout + up.stderr
        assert "cannot import name 'no_such_name' from 'json'" in up.stderr, up.stderr
        assert "json defines no no_such_name" in up.stderr, up.stderr
        assert "Install the app's dependencies" not in up.stderr
        assert "Traceback" not in up.stderr
    finally:
        destroy(root)

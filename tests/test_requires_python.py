"""A workspace member's own requires-python counts (uv workspaces: the backend's
pyproject.toml, not the repository root's, says which Python the app needs)."""

from __future__ import annotations

from pathlib import Path

from devdb.project.interpreter import nearest_requires_python

from e2e_util import devdb, make_demo_project, write_tree


def test_the_nearest_pyproject_declaring_it_wins(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "root"\nrequires-python = ">=3.8"\n',
            "backend/pyproject.toml": '[project]\nname = "app"\nrequires-python = ">=3.14"\n',
            "backend/app/main.py": "",
            "tools/pyproject.toml": "[tool.ruff]\n",  # no [project]: not evidence
        },
    )
    assert nearest_requires_python([tmp_path / "backend" / "app"], tmp_path) == (
        ">=3.14",
        "backend/pyproject.toml",
    )
    assert nearest_requires_python([tmp_path / "tools"], tmp_path) == (">=3.8", "pyproject.toml")


def test_unreadable_pyprojects_are_passed_over(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"\xff[project")
    assert nearest_requires_python([tmp_path], tmp_path) is None


def test_a_workspace_member_needing_a_newer_python_stops_up_in_one_line(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    pyproject = root / "pyproject.toml"  # no configured python: devdb picks one, then checks it
    pyproject.write_text(
        "".join(
            line
            for line in pyproject.read_text().splitlines(True)
            if not line.startswith("python ")
        )
    )
    (root / "backend" / "pyproject.toml").write_text(
        '[project]\nname = "app"\nrequires-python = ">=3.99"\n'
    )
    result = devdb(root, "up", "--no-app")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(
        "error: this project requires Python >=3.99 (backend/pyproject.toml)"
    )
    assert len(lines) == 2 and "Traceback" not in result.stderr
    assert not (root / "backend" / "py" / ".env").exists()
    assert not (root / ".devdb" / "state.json").exists()

"""The CLI's one error boundary (devdb.cli.application): an expected failure is one line
and its exit code, an unexpected one a line naming it, a traceback only with --debug."""

from __future__ import annotations

from pathlib import Path

import pytest

from devdb.cli.application import INTERRUPTED, Application, Exit
from devdb.errors import DevdbError

from e2e_util import destroy, devdb, make_demo_project


def _raise(exc: BaseException) -> None:
    raise exc


def test_an_expected_failure_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(Exit) as exit_info:
        Application().guard(lambda: _raise(DevdbError("the port is taken", "pick another")))
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.splitlines() == ["error: the port is taken", "  → pick another"]


def test_an_error_carrying_its_own_exit_code_keeps_it() -> None:
    error = DevdbError("migration interrupted")
    error.exit_code = INTERRUPTED  # type: ignore[attr-defined]
    with pytest.raises(Exit) as exit_info:
        Application().guard(lambda: _raise(error))
    assert exit_info.value.code == INTERRUPTED


def test_ctrl_c_says_how_to_finish(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(Exit) as exit_info:
        Application().guard(lambda: _raise(KeyboardInterrupt()))
    assert exit_info.value.code == INTERRUPTED
    assert "run the same command again" in capsys.readouterr().err


def test_a_bug_is_named_in_one_line_and_its_traceback_needs_debug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = Application()
    with pytest.raises(Exit):
        app.guard(lambda: _raise(ValueError("bad\nsecond line")))
    quiet = capsys.readouterr().err
    assert quiet.splitlines()[0] == "error: internal error: ValueError: bad"
    assert "--debug" in quiet and "Traceback" not in quiet
    app.debug = True
    with pytest.raises(Exit):
        app.guard(lambda: _raise(ValueError("bad")))
    assert "Traceback" in capsys.readouterr().err


def test_a_value_passes_through() -> None:
    assert Application().guard(lambda: 42) == 42


def test_a_bug_inside_up_is_one_line_and_the_next_up_finishes(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    try:
        crashed = devdb(root, "up", "--no-app", env={"DEVDB_FAULT": "up_ready:BUG"})
        assert crashed.returncode == 1
        assert "error: internal error: RuntimeError: fault point up_ready" in crashed.stderr
        assert "Traceback" not in crashed.stderr + crashed.stdout
        debug = devdb(root, "--debug", "up", "--no-app", env={"DEVDB_FAULT": "up_ready:BUG"})
        assert debug.returncode == 1 and "Traceback" in debug.stderr
        devdb(root, "up", "--no-app", check=True)
    finally:
        destroy(root)

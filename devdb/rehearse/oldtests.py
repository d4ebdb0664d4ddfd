"""Old code against the new schema: the base release's tests run on the migrated copy (from
its own checkout), the new code's tests too, and the base's tests on the unmigrated copy as
the baseline, so a test that fails only in the mixed pair (old code, new schema) is named.

Each run gets its own clone (tests write). The app's DB variables, test keys included, point
at that clone. Test names come from pytest's JUnit XML (PYTEST_ADDOPTS reaches pytest however
the command starts it: `pytest`, `make test`, `tox`); another runner is judged by its exit code.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from devdb.copies.snapshots import throwaway_copy
from devdb.server.checkout import Project
from devdb.server.engines.base import Server
from devdb.server.envsync import app_environment, db_values

TAIL_LINES = 30


@dataclass
class TestRun:
    code: str  # "old" | "new"
    schema: str  # "base" | "migrated"
    command: str
    exit_code: int
    seconds: float
    tests: int | None  # None: not a pytest run (no JUnit XML)
    failed: list[str] = field(default_factory=list)
    output_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def _names(junit: Path, root: Path) -> tuple[int, list[str]] | None:
    try:
        tree = ET.parse(junit)
    except (OSError, ET.ParseError):
        return None
    total = 0
    failed: list[str] = []
    for case in tree.iter("testcase"):
        total += 1
        if case.find("failure") is None and case.find("error") is None:
            continue
        classname = case.get("classname") or ""
        name = case.get("name") or ""
        # pytest's classname is the dotted module (+ class); its file is the first part that
        # names a .py file under the root.
        parts = classname.split(".") if classname else []
        for cut in range(len(parts), 0, -1):
            candidate = Path(root, *parts[:cut]).with_suffix(".py")
            if candidate.is_file():
                nodeid = "/".join(parts[:cut]) + ".py"
                rest = parts[cut:]
                failed.append("::".join([nodeid, *rest, name]))
                break
        else:
            failed.append("::".join(filter(None, [classname, name])))
    return total, sorted(set(failed))


def run_tests(
    command: str,
    cwd: Path,
    env: dict[str, str],
    *,
    code: str,
    schema: str,
) -> TestRun:
    with tempfile.TemporaryDirectory(prefix="devdb-rehearse-tests-") as scratch:
        junit = Path(scratch) / "junit.xml"
        log = Path(scratch) / "output.log"
        env = dict(env)
        addopts = f"--junitxml={junit} -p no:cacheprovider"
        env["PYTEST_ADDOPTS"] = " ".join(filter(None, [env.get("PYTEST_ADDOPTS"), addopts]))
        env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
        started = time.perf_counter()
        with log.open("wb") as out:
            # A shell line, as the user writes it; on Ctrl-C subprocess.run ends it too.
            result = subprocess.run(
                command,
                shell=True,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        seconds = time.perf_counter() - started
        names = _names(junit, cwd)
        tail = log.read_text(errors="replace").splitlines()[-TAIL_LINES:]
    run = TestRun(
        code=code,
        schema=schema,
        command=command,
        exit_code=result.returncode,
        seconds=round(seconds, 3),
        tests=names[0] if names else None,
        failed=names[1] if names else [],
        output_tail="\n".join(tail),
    )
    if not run.ok and names is None:
        run.failed = [f"({command}: exit {run.exit_code})"]
    return run


def _env(project: Project, server: Server, database: str) -> dict[str, str]:
    values, _, _ = db_values(project, server, database, test_database=database)
    return app_environment(project, values)


def rehearse_tests(
    project: Project,
    server: Server,
    *,
    command: str,
    base_root: Path,
    copy_template: str,
    migrated: str,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """The three runs and what fails only in the mixed pair. `migrated`: a database at the new
    schema with no session on it (it is cloned)."""
    runs: list[TestRun] = []
    stem = f"{project.database[:30]}__rhstest_{os.getpid()}"
    plan = [
        ("old", "migrated", base_root, migrated),
        ("new", "migrated", project.config.project_root, migrated),
        ("old", "base", base_root, copy_template),
    ]
    for code, schema, cwd, source in plan:
        progress(f"tests: {code} code on the {schema} schema")
        with throwaway_copy(server, f"{stem}_{code}_{schema}", source) as database:
            runs.append(
                run_tests(command, cwd, _env(project, server, database), code=code, schema=schema)
            )
    mixed, new, baseline = runs
    mixed_only = [name for name in mixed.failed if name not in set(baseline.failed)]
    if not mixed.ok and baseline.ok and not mixed_only:
        mixed_only = mixed.failed or [f"({command}: exit {mixed.exit_code})"]
    new_fail = [name for name in new.failed if name not in set(baseline.failed)]
    return {
        "command": command,
        "runs": [asdict(run) for run in runs],
        "old_on_new_schema_ok": mixed.ok,
        "new_on_new_schema_ok": new.ok,
        "failing_only_in_mixed_pair": mixed_only,
        "failing_with_new_code": new_fail,
        "failing_on_base_too": baseline.failed,
        "ok": not mixed_only,
    }

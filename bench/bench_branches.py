"""A database per git branch: what the post-checkout hook costs, measured on the demo backend.

    .venv/bin/python -m bench branches
    .venv/bin/python -m bench.bench_branches --engine docker --switches 20

The demo backend is copied into a new git repository, brought up (`devdb up --no-app`) and
`devdb branches on` installs the hook. A branch `feature` adds one migration (made with hooks
off). Then, by wall clock of the real `git switch` (git + the hook + devdb):

  first    main -> feature: clone main's database, apply the one new migration, swap (goal < 1 s)
  own      feature -> main: swap in the branch's own database (goal < 0.3 s)
  20x      back and forth: time per switch, first half vs second half (no growth), and the
           databases left on the server (one per branch, nothing else of devdb's branches)

Results: a table on stdout and bench/results/branches.json. The project is destroyed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from e2e_util import add_migration, destroy, devdb, make_demo_project  # noqa: E402

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}
OWN_GOAL, FIRST_GOAL = 0.3, 1.0


def git(root: Path, *args: str, hooks: bool = True) -> tuple[float, str]:
    """(wall seconds, stderr) of one git command."""
    off = [] if hooks else ["-c", "core.hooksPath=/dev/null/none"]
    started = time.perf_counter()
    done = subprocess.run(
        ["git", *off, *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
        check=True,
    )
    return time.perf_counter() - started, done.stderr


def hook_line(stderr: str) -> str:
    return next((line for line in stderr.splitlines() if line.startswith("devdb:")), "(no line)")


def branch_databases(root: Path) -> list[str]:
    listed = json.loads(devdb(root, "branches", "--json", check=True).stdout)
    return sorted(row["database"] for row in listed["branches"])


def server_databases(root: Path, database: str) -> list[str]:
    import psycopg

    from e2e_util import db_url

    url = db_url(root).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY 1",
            (f"{database}__branch",),
        ).fetchall()
    return [row[0] for row in rows]


def bench(engine: str, switches: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="devdb-bench-branches-") as tmp:
        settings: dict[str, Any] = {"engine": engine}
        if engine == "docker":
            from devdb.project.config import OFFLINE_IMAGE

            settings["image"] = OFFLINE_IMAGE
        root = make_demo_project(Path(tmp), **settings)
        (root / ".gitignore").write_text(".env\n__pycache__/\n")
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "demo")
        try:
            devdb(root, "up", "--no-app", check=True)
            devdb(root, "branches", "on", check=True)
            git(root, "switch", "-q", "-c", "feature", hooks=False)
            add_migration(root, "0008", "0007", "summary")
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "feature: +1 migration", hooks=False)
            git(root, "switch", "-q", "main", hooks=False)

            first, first_err = git(root, "switch", "-q", "feature")
            own, own_err = git(root, "switch", "-q", "main")
            times = []
            for index in range(switches):
                seconds, _ = git(root, "switch", "-q", "feature" if index % 2 == 0 else "main")
                times.append(seconds)
            if switches % 2:
                git(root, "switch", "-q", "main")
            half = max(1, len(times) // 2)
            result = {
                "engine": engine,
                "first_switch_s": first,
                "first_line": hook_line(first_err),
                "own_switch_s": own,
                "own_line": hook_line(own_err),
                "switches": len(times),
                "median_s": statistics.median(times),
                "first_half_median_s": statistics.median(times[:half]),
                "second_half_median_s": statistics.median(times[half:] or times),
                "max_s": max(times),
                "branch_databases": branch_databases(root),
                "left_on_server": server_databases(root, "app"),
            }
        finally:
            destroy(root)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="embedded", help="embedded | docker")
    parser.add_argument("--switches", type=int, default=20)
    args = parser.parse_args()
    result = bench(args.engine, args.switches)
    print(f"engine {result['engine']}")
    print(
        f"  first switch, +1 migration  {result['first_switch_s']:.2f} s  (goal < {FIRST_GOAL} s)"
    )
    print(f"    {result['first_line']}")
    print(f"  switch to own database      {result['own_switch_s']:.2f} s  (goal < {OWN_GOAL} s)")
    print(f"    {result['own_line']}")
    print(
        f"  {result['switches']} switches back and forth: median {result['median_s']:.2f} s "
        f"(first half {result['first_half_median_s']:.2f} s, second half "
        f"{result['second_half_median_s']:.2f} s), max {result['max_s']:.2f} s"
    )
    print(f"  branch databases kept on the server: {', '.join(result['left_on_server']) or 'none'}")
    out = ROOT / "bench" / "results" / "branches.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""The newcomer clock: a fresh clone → `make up` → the demo app answering /health.

    .venv/bin/python -m bench newcomer
    .venv/bin/python -m bench.bench_newcomer --engines docker --installers uv --runs 3

Each run clones this repository's HEAD into a temporary folder (so uncommitted changes are
not measured), runs `make up` there as a newcomer does and stops the clock when the app's
/health answers 200. Installers: `uv` is what `make up` does by default (scripts/install-venv.sh
fetches uv when it is not on PATH); `pip` is the plain way: `python -m venv`, then pip
(`DEVDB_INSTALLER=pip`). `--cold` empties pip's and uv's caches for the run (what a machine
that never installed these packages pays). After each run the app is stopped with SIGINT and
the clone's database destroyed. Results: a table on stdout and bench/results/newcomer.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "newcomer.json"
GOAL_SECONDS = 15.0
DEADLINE = 180.0
LISTENING = re.compile(rb"listening on (http://127\.0\.0\.1:\d+)")


def log(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


def newcomer_run(engine: str, installer: str, cold: bool) -> float:
    """Seconds from `git clone` to the app answering, for one fresh clone."""
    with tempfile.TemporaryDirectory(prefix="devdb-newcomer-") as tmp:
        clone = Path(tmp) / "repo"
        env = dict(os.environ)
        for name in ("VIRTUAL_ENV", "PYTHONPATH"):
            env.pop(name, None)
        env["PATH"] = os.pathsep.join(
            p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT))
        )
        env["DEVDB_INSTALLER"] = installer
        if cold:
            env["PIP_NO_CACHE_DIR"] = "1"
            env["UV_CACHE_DIR"] = str(Path(tmp) / "uv-cache")
        started = time.perf_counter()
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        command = ["make", "up", f"UP_FLAGS=--engine {engine}"]
        make = subprocess.Popen(
            command, cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            url = _wait_listening(make)
            _wait_healthy(url + "/health", started + DEADLINE)
            seconds = time.perf_counter() - started
        finally:
            _stop(make)
            subprocess.run(
                [str(clone / ".venv/bin/devdb"), "destroy", "--yes", "--no-backup"],
                cwd=clone, capture_output=True, check=False,
            )  # fmt: skip
        return seconds


def _wait_listening(make: subprocess.Popen[bytes]) -> str:
    assert make.stdout is not None
    seen = b""
    for line in make.stdout:
        seen += line
        if found := LISTENING.search(line):
            return found.group(1).decode()
    tail = seen.decode(errors="replace")[-1500:]
    raise RuntimeError(f"make up ended (exit {make.wait()}) before the app listened:\n{tail}")


def _wait_healthy(url: str, deadline: float) -> None:
    while True:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{url} did not answer 200 within {DEADLINE:.0f} s")
        time.sleep(0.02)  # the poll of an HTTP readiness check, not a stand-in for one


def _stop(make: subprocess.Popen[bytes]) -> None:
    if make.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(make.pid, signal.SIGINT)
        try:
            make.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="docker,embedded")
    parser.add_argument("--installers", default="uv,pip")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--cold", action="store_true", help="empty pip's and uv's caches")
    args = parser.parse_args()
    if shutil.which("make") is None:
        sys.exit("make is not installed")
    results: dict[str, dict[str, list[float]]] = {}
    for engine in args.engines.split(","):
        for installer in args.installers.split(","):
            times = results.setdefault(engine, {}).setdefault(installer, [])
            for run in range(args.runs):
                log(f"{engine} / {installer}: run {run + 1} of {args.runs}")
                times.append(newcomer_run(engine, installer, args.cold))
    print(f"{'engine':<10}{'installer':<11}{'median s':>9}{'runs':>22}{'goal':>8}")
    failed = False
    for engine, by_installer in results.items():
        for installer, times in by_installer.items():
            median = statistics.median(times)
            ok = installer != "uv" or all(t <= GOAL_SECONDS for t in times)
            failed |= not ok
            runs = " ".join(f"{t:.1f}" for t in times)
            goal = ("ok" if ok else "MISS") if installer == "uv" else "-"
            print(f"{engine:<10}{installer:<11}{median:>9.1f}{runs:>22}{goal:>8}")
        if {"uv", "pip"} <= by_installer.keys():
            ratio = statistics.median(by_installer["pip"]) / statistics.median(by_installer["uv"])
            print(f"{engine:<10}pip / uv   {ratio:>8.1f}x")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"cold": args.cold, "seconds": results}, indent=2) + "\n")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()

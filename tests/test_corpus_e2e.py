"""The layout corpus end to end: for each real backend layout under tests/projects/corpus,
devdb init + up must leave the app's own settings and its own `alembic current` pointing at
devdb's database, start the app where it is a web app, and survive destroy → up.

The ground truth is each fixture's <name>.expect.toml, written from the fixture's own code
(where its settings read the env file, where it starts, how it runs Alembic), not from devdb.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import site
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from dotenv import dotenv_values

from e2e_util import devdb

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parent / "projects" / "corpus"
LAYOUTS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
# a layout devdb must refuse (one line, nothing written) rather than bring up
REFUSED = [
    name
    for name in LAYOUTS
    if "refused" in tomllib.loads((CORPUS / f"{name}.expect.toml").read_text())
]
ENTRIES = [name for name in LAYOUTS if name not in REFUSED]
TIMES_FILE = Path(os.environ.get("DEVDB_CORPUS_TIMES", "/tmp/devdb-corpus-times.json"))
# Each engine's cases run on their own xdist worker (`-n 2 --dist loadgroup`): the two share
# nothing but the fixtures' fixed app ports, which _port_lock serialises.
EMBEDDED = pytest.mark.xdist_group("corpus-embedded")
DOCKER = pytest.mark.xdist_group("corpus-docker")


def _cases() -> list[Any]:
    cases = [
        pytest.param((name, "embedded"), id=f"{name}-embedded", marks=EMBEDDED) for name in ENTRIES
    ]
    cases += [
        pytest.param((name, "docker"), id=f"{name}-docker", marks=[pytest.mark.docker, DOCKER])
        for name in ENTRIES
    ]
    return cases


def load_expect(name: str) -> dict[str, Any]:
    return tomllib.loads((CORPUS / f"{name}.expect.toml").read_text())


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=corpus", "-c", "user.email=corpus@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _installed_venv(root: Path, folder: str) -> Path:
    """The project "installed" in its own .venv: a .pth puts `folder` (and the test's own
    packages) on sys.path, as `pip install -e .` would."""
    venv = root / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site_packages = next(venv.glob("lib/python*/site-packages"))
    own = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (site_packages / "corpus_project.pth").write_text(
        "\n".join([*own, str((root / folder).resolve())]) + "\n"
    )
    return venv / "bin" / "python"


class Corpus:
    """One fixture copied into tmp_path as a git checkout, and what it claims."""

    def __init__(self, tmp_path: Path, name: str) -> None:
        self.name = name
        self.expect = load_expect(name)
        self.root = tmp_path / f"{name.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
        shutil.copytree(
            CORPUS / name, self.root, symlinks=True, ignore=shutil.ignore_patterns("__pycache__")
        )
        # a committed .env is stored as committed.env here, so this repository tracks no
        # file named .env; the copy is the layout the real templates commit
        for stored in self.root.rglob("committed.env"):
            stored.rename(stored.with_name(".env"))
        _git(self.root, "init", "-q")
        self.python = sys.executable  # the project's interpreter, as its developer has it
        installed = self.expect.get("alembic", {}).get("installed")
        if installed:
            (self.root / ".git" / "info" / "exclude").write_text(".venv/\n")
            self.python = str(_installed_venv(self.root, installed))
        _git(self.root, "add", "-A")
        _git(self.root, "commit", "-qm", "fixture")
        self.tracked = set(_git(self.root, "ls-files").splitlines())

    def path(self, rel: str) -> Path:
        return (self.root / rel).resolve()

    def clean_env(self, extra_path: list[str] | None = None) -> dict[str, str]:
        """What a developer's fresh shell has: no DB variables, no VIRTUAL_ENV of ours."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ["HOME"]}
        if extra_path:
            env["PYTHONPATH"] = os.pathsep.join(str(self.path(p)) for p in extra_path)
        return env

    def command(self, words: list[str]) -> list[str]:
        """`python` (also inside a wrapper: `dotenv run -- python -m alembic`) is the project's."""
        return [self.python if word == "python" else word for word in words]


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as libpq takes it (no +driver)."""
    scheme, sep, rest = url.partition("://")
    return "postgresql" + sep + rest if scheme.split("+")[0] in ("postgres", "postgresql") else url


def _reader_url(values: dict[str, str | None], expect: dict[str, Any]) -> str:
    if "url_key" in expect:
        return _libpq(values.get(expect["url_key"]) or "")
    host, port, user, password, name = (values.get(k) or "" for k in expect["parts"])
    return f"postgresql://{user}:{password}@{host}:{port}/{name}"


def _same_database(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    hosts = {"localhost", "127.0.0.1"}
    same_host = pa.hostname == pb.hostname or {pa.hostname, pb.hostname} <= hosts
    return (
        same_host
        and (pa.port or 5432) == (pb.port or 5432)
        and pa.username == pb.username
        and pa.password == pb.password
        and pa.path == pb.path
    )


def check_app_view(corpus: Corpus, when: str) -> None:
    """The app's own settings and its own `alembic current` see devdb's database at head."""
    expect = corpus.expect
    alembic = expect["alembic"]
    probe = expect["probe"]
    start_dir = corpus.path(expect["start_dir"])
    result = subprocess.run(
        [corpus.python, "-c", probe["code"]],
        cwd=start_dir,
        env=corpus.clean_env(probe.get("pythonpath")),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, (
        f"{when}: the app's settings do not import from {expect['start_dir']}/:\n"
        f"{result.stderr[-1500:]}"
    )
    url = _libpq(result.stdout.strip().splitlines()[-1])
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except psycopg.Error as exc:
        raise AssertionError(
            f"{when}: the app's own settings cannot reach the database: {exc}"
        ) from exc
    assert row is not None and row[0] == alembic["head"], f"{when}: alembic_version is {row}"

    for reader in expect.get("env_readers", []):
        path = corpus.path(reader)
        assert path.is_file(), f"{when}: {reader} (read by the stack) was not written"
        values = dotenv_values(path)
        assert _same_database(_reader_url(values, expect), url), (
            f"{when}: {reader} does not hold the same DB values as the app's env file"
        )

    if "test_url_key" in expect:  # the tests' own database: devdb's, never the app's one
        values = dotenv_values(corpus.path(expect["env_file"]))
        test_url = _libpq(values.get(expect["test_url_key"]) or "")
        assert urlsplit(test_url).path not in ("", urlsplit(url).path), (
            f"{when}: {expect['test_url_key']} is {urlsplit(test_url).path or 'empty'}"
        )
        with psycopg.connect(test_url, connect_timeout=10) as conn:
            conn.execute("SELECT 1")

    words = alembic.get("command") or ["python", "-m", "alembic", *alembic["args"]]
    current = subprocess.run(
        corpus.command(words),
        cwd=corpus.path(alembic["cwd"]),
        env=corpus.clean_env(probe.get("pythonpath")),
        capture_output=True,
        text=True,
        timeout=120,
    )
    shown = current.stdout + current.stderr
    assert current.returncode == 0 and alembic["head"] in current.stdout, (
        f"{when}: the app's own alembic current in {alembic['cwd']}/ says:\n{shown[-1500:]}"
    )
    if expect.get("tracked_env"):
        changed = _git(corpus.root, "status", "--porcelain", "--", expect["env_file"])
        assert not changed, f"{when}: devdb rewrote the tracked {expect['env_file']}"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def _port_lock(url: str) -> Iterator[None]:
    """One app at a time on a fixture's fixed port (the other engine's worker, another run)."""
    port = urlsplit(url).port
    with open(f"/tmp/devdb-corpus-port-{port}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_app_starts(corpus: Corpus, log: Path) -> None:
    """`devdb up` runs the app the way its repository starts it, and it answers /health."""
    url = corpus.expect["web"]
    with _port_lock(url):
        _check_app_starts(corpus, url, log)


def _check_app_starts(corpus: Corpus, url: str, log: Path) -> None:
    assert not _answers(url), f"something already answers {url}"
    with log.open("w") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "devdb", "up"],
            cwd=corpus.root,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "200"},
            start_new_session=True,  # its own group: a leftover app can be cleaned up here
        )
        answered = False
        stopped = ""
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and child.poll() is None:
                if _answers(url):
                    answered = True
                    break
                time.sleep(0.1)  # polling the app's own URL: this is the readiness check
        finally:
            sent = time.monotonic()
            signals = _signal_masks(child.pid)
            if child.poll() is None:
                child.send_signal(signal.SIGINT)  # to devdb alone, as a supervisor's signal
                try:
                    child.wait(timeout=30)
                    stopped = (
                        f"exited {child.returncode} {time.monotonic() - sent:.1f} s after SIGINT"
                    )
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
                    stopped = "did not exit within 30 s of SIGINT (killed)"
            port = urlsplit(url).port
            left_running = port is not None and not _port_free(port)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)  # whatever is left of its group
    assert answered, f"devdb up: the app never answered {url}:\n{log.read_text()[-2000:]}"
    assert not left_running, (
        f"devdb up {stopped} and left the app listening on port {port} ({signals}):\n"
        f"{log.read_text()[-2000:]}"
    )


def _signal_masks(pid: int) -> str:
    """devdb's and its children's blocked/ignored/caught signal masks (for a failure)."""
    shown = []
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for each in [str(pid), *children]:
        try:
            lines = Path(f"/proc/{each}/status").read_text().splitlines()
        except OSError:
            continue
        masks = [line.replace("\t", " ") for line in lines if line.startswith(("SigBlk", "SigIgn"))]
        shown.append(f"pid {each}: " + ", ".join(masks))
    return "; ".join(shown)


def _port_free(port: int) -> bool:
    """The app went with `devdb up` (a leftover would hold the port for the next case)."""
    deadline = time.monotonic() + 5
    while True:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
                return True
            except OSError:
                if time.monotonic() > deadline:
                    return False
        time.sleep(0.1)  # the app's own exit after SIGINT: polled, bounded


def _record_time(case: str, seconds: float) -> None:
    try:
        times = json.loads(TIMES_FILE.read_text())
    except (OSError, ValueError):
        times = {}
    times[case] = round(seconds, 2)
    TIMES_FILE.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")


@pytest.fixture
def corpus(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Corpus]:
    name, engine = request.param
    if engine == "docker":
        from conftest import docker_or_skip

        docker_or_skip()
    copy = Corpus(tmp_path, name)
    copy.engine = engine  # type: ignore[attr-defined]
    try:
        yield copy
    finally:
        devdb(copy.root, "destroy", "--yes", "--no-backup", timeout=120)


@pytest.mark.parametrize("corpus", _cases(), indirect=True)
def test_layout(corpus: Corpus, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    expect = corpus.expect
    engine = corpus.engine  # type: ignore[attr-defined]
    started = time.monotonic()
    plan = devdb(corpus.root, "init", "--dry-run", "--json")
    assert plan.returncode == 0, f"init --dry-run: {plan.stderr}"
    table = json.loads(plan.stdout)["config"]
    init = devdb(corpus.root, "init")
    assert init.returncode == 0, f"init: {init.stderr}"
    assert expect["env_file"] in init.stdout + init.stderr, (
        "init does not say where the env file goes"
    )
    allowed = [expect["env_file"], *expect.get("env_file_alternatives", [])]
    assert table.get("env_file") in allowed, (
        f"init puts the env file at {table.get('env_file')}; the app reads {expect['env_file']}"
    )
    written = json.loads(plan.stdout).get("written") or (
        "pyproject.toml" if (corpus.root / "pyproject.toml").is_file() else "devdb.toml"
    )
    config_file = corpus.root / written
    settings = [f'engine = "{engine}"']
    if engine == "docker":
        from devdb.project.config import OFFLINE_IMAGE

        request.getfixturevalue("offline_image")
        settings.append(f'image = "{OFFLINE_IMAGE}"')
    with config_file.open("a") as handle:  # [tool.devdb] is the file's last table
        handle.write("\n".join(settings) + "\n")
    up = devdb(corpus.root, "up", "--no-app")
    elapsed = time.monotonic() - started
    assert up.returncode == 0, f"up --no-app: {up.stderr[-2000:]}"
    _record_time(f"{corpus.name}-{engine}", elapsed)
    print(f"\n{corpus.name}-{engine}: init + up --no-app {elapsed:.2f} s")
    check_app_view(corpus, "after up")

    if expect.get("web"):
        check_app_starts(corpus, tmp_path / "app.log")

    gone = devdb(corpus.root, "destroy", "--yes", "--no-backup")
    assert gone.returncode == 0, f"destroy: {gone.stderr}"
    again = devdb(corpus.root, "up", "--no-app")
    assert again.returncode == 0, f"up after destroy: {again.stderr[-2000:]}"
    check_app_view(corpus, "after destroy and up")

    warm = devdb(corpus.root, "up", "--no-app", "--json")
    assert warm.returncode == 0, f"second up: {warm.stderr[-2000:]}"
    report = json.loads(warm.stdout)
    assert report.get("applied") == [] and report.get("env_written") is False, report


@EMBEDDED
def test_a_second_reader_keeps_the_users_own_value(tmp_path: Path) -> None:
    """The compose env_file: gets devdb's DB values like the app's file, but a value the
    user set there is theirs (the ownership rules hold per file)."""
    corpus = Corpus(tmp_path, "compose_workdir")
    own = "postgresql+psycopg://me:mine@10.9.8.7:5432/elsewhere"
    (corpus.root / ".env").write_text(f"DATABASE_URL={own}\nEMBED_MODEL=mine\n")
    try:
        up = devdb(corpus.root, "up", "--no-app", "--engine", "embedded")
        assert up.returncode == 0, up.stderr
        compose_env = dotenv_values(corpus.root / ".env")
        assert compose_env["DATABASE_URL"] == own and compose_env["EMBED_MODEL"] == "mine"
        app_env = dotenv_values(corpus.root / "api" / ".env")
        assert "@127.0.0.1:" in str(app_env["DATABASE_URL"])
        # named once, with what to do, like a value kept in the app's own env file
        said = [
            line for line in (up.stdout + up.stderr).splitlines() if "DATABASE_URL in .env" in line
        ]
        assert len(said) == 1 and "10.9.8.7:5432" in said[0] and "Remove that line" in said[0], (
            up.stdout + up.stderr
        )
        assert "password" not in said[0] and "mine" not in said[0]
        again = devdb(corpus.root, "up", "--no-app", "--engine", "embedded")
        assert again.returncode == 0 and "DATABASE_URL in .env" not in again.stdout + again.stderr
    finally:
        devdb(corpus.root, "destroy", "--yes", "--no-backup", timeout=120)


@EMBEDDED
@pytest.mark.parametrize("name", REFUSED)
def test_a_python_the_project_excludes_is_one_line(tmp_path: Path, name: str) -> None:
    """requires-python above the interpreter: init and up say so in one line, exit 1, and
    write nothing (no config, no env file, no server)."""
    corpus = Corpus(tmp_path, name)
    pyproject = corpus.root / "pyproject.toml"
    above = f">={sys.version_info.major}.{sys.version_info.minor + 1}"
    text = pyproject.read_text()
    if sys.version_info >= (3, 14):  # the fixture's >=3.14 is met here: ask for the next one
        pyproject.write_text(
            text.replace('requires-python = ">=3.14"', f'requires-python = "{above}"')
        )
        _git(corpus.root, "commit", "-qam", "a Python above this one")
    for args in (
        ["init"],
        ["init", "--dry-run", "--json"],
        ["up", "--no-app", "--engine", "embedded"],
    ):
        result = devdb(corpus.root, *args)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert lines[0].startswith(f"error: {corpus.expect['refused']}"), result.stderr
        assert "Traceback" not in result.stderr and len(lines) <= 4, result.stderr
        assert _git(corpus.root, "status", "--porcelain", "--untracked-files=all") == "", args

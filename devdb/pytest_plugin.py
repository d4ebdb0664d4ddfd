"""pytest plugin (entry point `pytest11`): each test gets its own database, cloned from devdb's
migrated + seeded template.

Fixtures: `devdb_url` (session, the server's superuser URL), `devdb_template` (session, the
template's name), `devdb_database` (a fresh clone per test), `devdb_conn` (a psycopg
connection to it), `devdb_config` (session, the project; override it to point elsewhere). Options: --devdb-engine (or DEVDB_ENGINE), --devdb-project,
--devdb-keep-failed.

pytest loads this module in every project where devdb is installed, so it stays cheap: no
devdb.commands import and no work at all until a test asks for a devdb fixture.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import psycopg
    from pluggy import Result

    from devdb.commands.testing import TestServer
    from devdb.copies.clonepool import ClonePool
    from devdb.project.config import Config
    from devdb.server.engines.base import Server

ENGINES = ("auto", "docker", "embedded", "external")
ENV_ENGINE = "DEVDB_ENGINE"
ENV_AHEAD = "DEVDB_CLONES_AHEAD"  # clones a worker may make ahead (0: each one when asked)
ENV_MAKERS = "DEVDB_CLONE_MAKERS"  # connections a worker makes and drops clones on

_failed_key = pytest.StashKey[bool]()
_clone_key = pytest.StashKey[str]()
KEPT_PROPERTY = "devdb_kept_database"


@dataclass(frozen=True)
class DevdbDatabase:
    """One test's database. `url` is plain postgresql://, `app_url` uses the app's own
    scheme/driver (postgresql+psycopg:// …) and `env` holds the app's DB keys, all pointing
    at this database. Reprs never show the password."""

    name: str
    url: str = field(repr=False)
    app_url: str = field(repr=False)
    conninfo: str = field(repr=False)
    env: dict[str, str] = field(repr=False, default_factory=dict)


# -- options and hooks: all cheap, and inert for tests that use no devdb fixture ---------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("devdb", "devdb: a database per test, cloned from the template")
    group.addoption(
        "--devdb-engine",
        choices=ENGINES,
        default=None,
        help=f"Server engine for devdb fixtures (default: ${ENV_ENGINE}, else the project's config).",
    )
    group.addoption(
        "--devdb-project",
        default=None,
        metavar="DIR",
        help="Folder of the devdb project (default: found from the rootdir, else the cwd).",
    )
    group.addoption(
        "--devdb-keep-failed",
        action="store_true",
        default=False,
        help="Keep the database of a failed test (its name is printed) instead of dropping it.",
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Result[pytest.TestReport], None]:
    outcome = yield
    clone = item.stash.get(_clone_key, None)
    if clone is None:
        return
    report = outcome.get_result()
    if not report.failed or report.when == "teardown":
        return
    item.stash[_failed_key] = True
    if item.config.getoption("devdb_keep_failed") and not _kept_in(report):
        report.sections.append(("devdb", f"kept database {clone}: devdb psql -- -d {clone}"))
        report.user_properties.append((KEPT_PROPERTY, clone))


def _kept_in(report: Any) -> list[str]:
    # collection reports (a test module that fails to import) carry no user properties
    properties = getattr(report, "user_properties", ())
    return [str(value) for key, value in properties if key == KEPT_PROPERTY]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """List the kept databases (xdist workers send their reports' properties here)."""
    stats = terminalreporter.stats
    kept = [
        (name, report.nodeid)
        for category in ("failed", "error")
        for report in stats.get(category, [])
        for name in _kept_in(report)
    ]
    if not kept:
        return
    terminalreporter.section("devdb: databases kept for failed tests", sep="-")
    for name, nodeid in kept:
        terminalreporter.line(f"{name}  ({nodeid})")
    terminalreporter.line(
        "open one with `devdb psql -- -d NAME`; drop it with "
        "`devdb psql -- -c 'DROP DATABASE \"NAME\"'` (`devdb destroy` removes them all)"
    )


# -- session plumbing ----------------------------------------------------------------------
def _worker(config: pytest.Config) -> tuple[str, str]:
    """(worker id, run id): the run id is shared by every xdist worker of one run."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput:
        return str(workerinput["workerid"]), str(workerinput["testrunuid"])[:6]
    return "main", uuid.uuid4().hex[:6]


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _one_line(exc: Exception) -> str:
    text = str(exc).replace("\n", " ")
    # core hints name CLI options; here the pytest option is the one to use
    return re.sub(r"(?<![\w-])--engine\b", "--devdb-engine", text)


@contextmanager
def _devdb_errors() -> Iterator[None]:
    """Expected failures (no engine, a broken migration) fail the fixture with one line."""
    from devdb.errors import DevdbError

    try:
        yield
    except DevdbError as exc:
        pytest.fail(f"devdb: {_one_line(exc)}", pytrace=False)


def _progress(config: pytest.Config) -> Any:
    """Progress lines on the terminal (not under xdist, whose workers have no terminal)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or hasattr(config, "workerinput") or config.option.verbose < 0:
        return lambda _message: None

    def show(message: str) -> None:
        if capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.ensure_newline()
                reporter.write_line(f"devdb: {message}")
        else:
            reporter.write_line(f"devdb: {message}")

    return show


def _load_config(config: pytest.Config) -> Config:
    from devdb.errors import DevdbError
    from devdb.project.config import ENGINES as CONFIG_ENGINES
    from devdb.project.config import load_config

    engine = config.getoption("devdb_engine") or os.environ.get(ENV_ENGINE) or None
    if engine is not None and engine not in CONFIG_ENGINES:
        raise DevdbError(
            f"{ENV_ENGINE}={engine!r} is not an engine", f"use one of: {', '.join(CONFIG_ENGINES)}"
        )
    project = config.getoption("devdb_project")
    if project:
        return load_config(Path(project).resolve(), engine=engine)
    found = load_config(config.rootpath, engine=engine)
    if found.source == "discovered" and Path.cwd() != config.rootpath:
        here = load_config(Path.cwd(), engine=engine)  # a project below the rootdir
        if here.source != "discovered":
            return here
    return found


@pytest.fixture(scope="session")
def devdb_config(pytestconfig: pytest.Config) -> Config:
    """The devdb project the fixtures use: --devdb-project, else found from the rootdir/cwd.
    Override it (session scope) in a conftest.py to point the fixtures somewhere else."""
    with _devdb_errors():
        return _load_config(pytestconfig)


@pytest.fixture(scope="session")
def _devdb_server(devdb_config: Config, pytestconfig: pytest.Config) -> TestServer:
    """The project's server, up and migrated as after `devdb up --no-app`."""
    with _devdb_errors():
        from devdb.commands.testing import prepare_server

        return prepare_server(devdb_config, progress=_progress(pytestconfig))


@pytest.fixture(scope="session")
def devdb_url(_devdb_server: TestServer) -> str:
    """Superuser URL of devdb's server, on its admin database (postgresql://…/postgres)."""
    return _devdb_server.server.url()


@pytest.fixture(scope="session")
def devdb_template(_devdb_server: TestServer, pytestconfig: pytest.Config) -> str:
    """Name of the template (migrated + seeded) for the migration files and fixtures on disk;
    built once, under a server-wide lock, when it does not exist yet."""
    with _devdb_errors():
        from devdb.commands.testing import ensure_current_template

        return ensure_current_template(_devdb_server, progress=_progress(pytestconfig))


@pytest.fixture(scope="session")
def _devdb_pool(
    _devdb_server: TestServer, devdb_template: str, pytestconfig: pytest.Config
) -> Iterator[ClonePool]:
    import warnings

    from devdb.commands.testing import scratch_tablespace
    from devdb.copies.clonepool import ClonePool

    def warn(message: str) -> None:
        warnings.warn(f"devdb: {message}", stacklevel=1)

    worker, run = _worker(pytestconfig)
    workers = _env_int("PYTEST_XDIST_WORKER_COUNT") or 1
    room = scratch_tablespace(_devdb_server, devdb_template, on_fallback=warn, processes=workers)
    pool = ClonePool(
        _devdb_server.server,
        devdb_template,
        _devdb_server.project.database,
        worker=worker,
        run=run,
        ahead=_env_int(ENV_AHEAD),
        makers=_env_int(ENV_MAKERS),
        workers=workers,
        scratch=room.tablespace if room else None,
        room=room.copies if room else None,
    )
    try:
        yield pool
    finally:
        failed = pool.close()
        if failed:
            warn(f"could not drop {len(failed)} test database(s): {', '.join(failed[:5])}")
        if pool.stats.on_disk_because:
            warn(f"per-test databases moved to disk: {pool.stats.on_disk_because}")


@pytest.fixture(scope="session")
def _devdb_env(_devdb_server: TestServer) -> Callable[[Server, str], dict[str, str]]:
    from devdb.commands.testing import clone_env

    return clone_env(_devdb_server.project)


@pytest.fixture
def devdb_database(
    request: pytest.FixtureRequest,
    _devdb_server: TestServer,
    _devdb_pool: ClonePool,
    _devdb_env: Callable[[Server, str], dict[str, str]],
) -> Iterator[DevdbDatabase]:
    """A database of this test's own, cloned from the template; dropped afterwards (kept when
    the test fails and --devdb-keep-failed is given)."""
    with _devdb_errors():
        name = _devdb_pool.take()
    request.node.stash[_clone_key] = name
    try:
        server = _devdb_server.server
        env = _devdb_env(server, name)
        url = server.url(name)
        app_url = next((value for value in env.values() if "://" in value), url)
        yield DevdbDatabase(name, url, app_url, server.conninfo(name), env)
    finally:
        if request.node.stash.get(_failed_key, False) and request.config.getoption(
            "devdb_keep_failed"
        ):
            _devdb_pool.keep(name)
        else:
            _devdb_pool.give_back(name)


@pytest.fixture
def devdb_conn(devdb_database: DevdbDatabase) -> Iterator[psycopg.Connection[Any]]:
    """An open psycopg connection to this test's database (transactions as usual: commit to
    make writes visible to other connections). Closed after the test."""
    import psycopg

    conn = psycopg.connect(devdb_database.conninfo)
    try:
        yield conn
    finally:
        conn.close()

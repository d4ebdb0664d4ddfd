"""What the pytest plugin needs from the core: a running server and the current template."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devdb.errors import DevdbError, first_line
from devdb.progress import Progress, silent
from devdb.project.config import Config
from devdb.server.checkout import Project, open_project
from devdb.server.engines.base import Server

if TYPE_CHECKING:
    from devdb.copies.scratch import ScratchRoom


@dataclass
class TestServer:
    project: Project
    server: Server
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _reachable(project: Project) -> Server | None:
    import psycopg

    from devdb.commands.reset import live_server

    if not project.engine.managed:
        server = project.engine.server()
        if server is None:
            return None
        try:
            with psycopg.connect(server.conninfo(project.database), connect_timeout=3):
                return server
        except psycopg.Error:
            return None
    return live_server(project)


def prepare_server(config: Config, progress: Progress = silent) -> TestServer:
    """`devdb up --no-app`, then the server's connection details.

    Concurrent callers (pytest-xdist workers) queue on the project lock inside `up`. When `up`
    stops on drift of the working database (branch switch, edited migration) the server still
    runs: tests use clones of the template, never the working database, so they carry on.
    """
    from devdb.commands.up import up

    started = time.monotonic()
    notes: list[str] = []
    try:
        result = up(config, progress=progress)
        notes += result.notes
    except DevdbError as exc:
        project = open_project(config, create=False)
        if _reachable(project) is None:
            raise
        notes.append(f"the working database is left as it is ({exc.message})")
    project = open_project(config, create=False)
    server = _reachable(project)
    if server is None:
        raise DevdbError(
            f"the {project.engine_name} server stopped answering right after `devdb up`",
            "see `devdb logs`, then run the tests again",
        )
    return TestServer(project, server, notes, {"up": time.monotonic() - started})


def ensure_current_template(test_server: TestServer, progress: Progress = silent) -> str:
    """The template for the migration files and fixtures on disk now (built once if missing)."""
    from devdb.copies.templates import current_hashes, ensure_template, template_key

    project = test_server.project
    migrations, fixtures = current_hashes(project)
    version_key = project.state.extra.get("version_key") or project.engine.version_key()
    key = template_key(project, migrations, fixtures, version_key)
    started = time.monotonic()
    name, built = ensure_template(project, test_server.server, key, progress)
    test_server.timings["template_build" if built else "template"] = time.monotonic() - started
    return name


def scratch_tablespace(
    test_server: TestServer, template: str, on_fallback: Progress = silent, processes: int = 1
) -> ScratchRoom | None:
    """The tablespace in memory for per-test databases, made or repaired, and the copies of
    the template each of `processes` test processes may keep there; None: on disk. By config,
    when the engine has no tmpfs, or when anything about it fails: `on_fallback` hears why,
    and tests run all the same, only slower."""
    project = test_server.project
    if project.config.per_test_databases != "memory":
        return None
    from devdb.copies.scratch import ensure_scratch_tablespace

    started = time.monotonic()
    try:
        space = project.engine.scratch_space()
        if space is None:
            return None
        return ensure_scratch_tablespace(test_server.server, space, template, processes)
    except Exception as exc:  # never fail a test run for the sake of speed
        first = first_line(exc)
        on_fallback(f"per-test databases are made on disk: {first}")
        return None
    finally:
        test_server.timings["scratch"] = time.monotonic() - started


def clone_env(project: Project) -> Callable[[Server, str], dict[str, str]]:
    """Renders the app's own DB keys (DB_URL, DB_NAME…) for a database, all pointing at it.

    Test keys (TEST_DATABASE_URL…) point at it too: inside a test the clone is the database.
    The keys are found once; rendering is then cheap enough for every test.
    """
    from devdb.project.envkeys import DbParams, detect_key_map, render_db_values
    from devdb.server.envsync import _template, url_scheme

    template, _, _ = _template(project)
    key_map = detect_key_map(template.keys(), project.config.env_keys)
    scheme = url_scheme(project.config, [*key_map.url, *key_map.test_url], template)
    extra = {role: list(keys) for role, keys in key_map.extra.items()}
    for role in ("user", "password", "database", "host", "port"):
        extra.setdefault(role, []).extend(key_map.keys_for(f"test_{role}"))
        extra.pop(f"test_{role}", None)
    merged = dataclasses.replace(
        key_map,
        url=[*key_map.url, *key_map.test_url],
        test_url=[],
        test_user=None,
        test_password=None,
        test_database=None,
        test_host=None,
        test_port=None,
        extra=extra,
    )
    promoted: dict[str, Any] = {
        role: extra[role].pop(0)
        for role in ("user", "password", "database", "host", "port")
        if getattr(merged, role) is None and extra.get(role)
    }
    merged = dataclasses.replace(merged, **promoted)

    def render(server: Server, database: str) -> dict[str, str]:
        params = DbParams(
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
            database=database,
            test_database=database,
        )
        return render_db_values(merged, params, template, scheme)

    return render

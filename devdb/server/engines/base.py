"""The one interface every engine offers. Engines know nothing of Alembic or env files."""

from __future__ import annotations

import abc
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from devdb.progress import Progress, silent

if TYPE_CHECKING:
    from devdb.errors import DevdbError


class ServerSite(Protocol):
    """All an engine reads of the project (the project Config has these): names and places,
    never Alembic, env files or discovery."""

    @property
    def project_name(self) -> str: ...
    @property
    def project_root(self) -> Path: ...
    @property
    def resource_name(self) -> str:
        """Container, volume and cluster names: unique per checkout."""

    @property
    def state_dir(self) -> Path: ...
    @property
    def image(self) -> str: ...
    @property
    def image_is_default(self) -> bool: ...
    @property
    def url(self) -> str | None: ...


@dataclass(frozen=True)
class EngineSpec:
    """What the caller wants: superuser credentials and a port (None = pick a free one)."""

    user: str
    password: str
    port: int | None = None
    url: str | None = None  # external engine: the server's URL
    port_configured: bool = False  # `port` comes from the config: a server elsewhere moves


@dataclass(frozen=True)
class ScratchSpace:
    """A directory on tmpfs, owned by the server's OS user (mode 0700), for throwaway data."""

    path: str  # as the server sees it (inside the container for docker)
    size: int  # bytes the tmpfs holds at most


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str
    admin_database: str = "postgres"

    def conninfo(self, database: str | None = None, **extra: Any) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=database or self.admin_database,
            **extra,
        )

    def libpq_env(self, database: str | None = None) -> dict[str, str]:
        """The PG* variables that point libpq tools (psql, pg_dump) at this server."""
        env = {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
        }
        if database is not None:
            env["PGDATABASE"] = database
        return env

    def url(self, database: str | None = None, scheme: str = "postgresql") -> str:
        from urllib.parse import quote

        db = database or self.admin_database
        return f"{scheme}://{quote(self.user, safe='')}:{quote(self.password, safe='')}@{self.host}:{self.port}/{quote(db, safe='')}"


class Engine(abc.ABC):
    """A PostgreSQL server and what devdb may do with it. Callers ask the capability flags
    (`managed`, `can_stop`) and the methods below, never the engine's name."""

    name: str = "?"
    #: devdb created this server and may wipe, reset, restore over or destroy what is in it;
    #: its address and credentials are the ones remembered in state
    managed: bool = True
    #: devdb may stop (and start) the server process
    can_stop: bool = True

    @property
    def named_database(self) -> str | None:
        """The database the engine's own address names (an external URL's path), if any."""
        return None

    def runs_from(self) -> str | None:
        """What the server runs from, recorded with a backup (image, wheel build)."""
        return None

    def wait_ready(
        self, server: Server, timeout: float, progress: Progress = silent
    ) -> tuple[Server, list[str]]:
        """Wait for an authenticated `SELECT 1`. A managed server that rejects devdb's password
        gets it set again through its local socket (data kept); returns the server and the
        databases it held when that happened (empty otherwise)."""
        from devdb.errors import DevdbError
        from devdb.server.readiness import REJECTED, wait_until_ready

        def ready(server: Server) -> None:
            wait_until_ready(
                server.conninfo(),
                timeout=timeout,
                check_alive=self.check_alive,
                log_tail=self.log_tail,
            )

        try:
            ready(server)
            return server, []
        except DevdbError as exc:
            if REJECTED not in exc.message or not self.managed:
                raise
        progress("setting devdb's password through the server's local socket")
        held = self.repair_password()
        server = self.start(progress)
        ready(server)
        return server, held

    @abc.abstractmethod
    def start(self, progress: Progress = silent) -> Server:
        """Make sure the server process runs (creating it if needed); do not wait for it."""

    @abc.abstractmethod
    def server(self) -> Server | None:
        """Connection details if the server exists (running or not), without starting it."""

    @abc.abstractmethod
    def is_running(self) -> bool: ...

    @abc.abstractmethod
    def stop(self) -> bool:
        """Stop, keep data. False when there was nothing to stop."""

    @abc.abstractmethod
    def destroy(self) -> list[str]:
        """Remove the server and its data. Returns what was removed."""

    @abc.abstractmethod
    def log_tail(self, lines: int = 20) -> str: ...

    def follow_logs(self) -> Iterator[str]:
        yield self.log_tail(200)

    @abc.abstractmethod
    def describe(self) -> dict[str, Any]:
        """Facts for `devdb status` (no secrets)."""

    def check_alive(self) -> None:
        """Raise DevdbError if the server has died (called while waiting for readiness)."""

    def repair_password(self) -> list[str]:
        """Set the superuser's password to the spec's through the server's local socket (no
        password needed there); returns the databases it holds besides the built-in ones."""
        from devdb.errors import DevdbError

        raise DevdbError(f"the {self.name} engine cannot reset a password")

    @abc.abstractmethod
    def version_key(self) -> str:
        """Identifies the server build (image id, wheel version): part of template hashes."""

    @abc.abstractmethod
    def tool_command(self, tool: str, args: list[str]) -> ToolRun:
        """How to run a server-side binary (pg_dump, pg_restore, psql) of this engine."""

    @abc.abstractmethod
    def scratch_space(self) -> ScratchSpace | None:
        """Make sure the server has a directory in memory (tmpfs) and say where; None when the
        engine cannot offer one. Its contents are lost when the server (or machine) restarts."""


@dataclass(frozen=True)
class ToolRun:
    """A server binary to run: either a local argv or a command inside a container."""

    argv: list[str]
    env: dict[str, str]
    container: str | None = None


#: run through the server's local socket: the password never appears on a command line
USER_DATABASES = "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres'"


def port_taken(port: int, current: int) -> DevdbError:
    from devdb.errors import DevdbError

    return DevdbError(
        f"the configured port {port} on 127.0.0.1 is taken, so the server stays on {current}",
        f"free port {port}, or change or remove `port` in the config",
    )


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])

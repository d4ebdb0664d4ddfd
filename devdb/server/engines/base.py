"""The one interface every engine offers. Engines know nothing of Alembic or env files."""

from __future__ import annotations

import abc
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devdb.errors import DevdbError

Progress = Callable[[str], None]


def _noop(_: str) -> None:
    return None


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

    def url(self, database: str | None = None, scheme: str = "postgresql") -> str:
        from urllib.parse import quote

        db = database or self.admin_database
        return f"{scheme}://{quote(self.user, safe='')}:{quote(self.password, safe='')}@{self.host}:{self.port}/{quote(db, safe='')}"


class Engine(abc.ABC):
    name: str = "?"
    #: devdb created this server and may wipe what is in it (with the usual confirmations)
    managed: bool = True

    @abc.abstractmethod
    def start(self, progress: Progress = _noop) -> Server:
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

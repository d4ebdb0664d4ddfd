"""A server devdb does not own: a URL the user gives. Never started, stopped or wiped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from devdb.errors import DevdbError
from devdb.progress import Progress, silent
from devdb.server.engines.base import (
    Engine,
    EngineSpec,
    ScratchSpace,
    Server,
    ToolRun,
)

if TYPE_CHECKING:
    from devdb.server.engines.base import ServerSite

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def parse_server_url(url: str) -> tuple[Server, str | None]:
    """postgresql[+driver]://user:pw@host:port/db → (Server, db)."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres") or not parts.hostname:
        raise DevdbError(
            "the external URL is not a PostgreSQL URL",
            "pass --url postgresql://user:password@host:5432/dbname",
        )
    database = unquote(parts.path.lstrip("/")) or None
    server = Server(
        parts.hostname,
        parts.port or 5432,
        unquote(parts.username or "postgres"),
        unquote(parts.password or ""),
        admin_database="postgres",
    )
    return server, database


class ExternalEngine(Engine):
    name = "external"
    managed = False
    can_stop = False

    def __init__(self, site: ServerSite, spec: EngineSpec) -> None:
        url = spec.url or site.url
        if not url:
            raise DevdbError("the external engine needs a URL", "pass --url postgresql://…")
        self._server, self.database = parse_server_url(url)

    @property
    def named_database(self) -> str | None:
        return self.database

    @property
    def is_local(self) -> bool:
        return self._server.host in LOCAL_HOSTS

    def start(self, progress: Progress = silent) -> Server:
        return self._server

    def server(self) -> Server | None:
        return self._server

    def is_running(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self._server.conninfo(self.database), connect_timeout=3):
                return True
        except psycopg.Error:
            return False

    def stop(self) -> bool:
        return False

    def destroy(self) -> list[str]:
        return []

    def log_tail(self, lines: int = 20) -> str:
        return ""

    def describe(self) -> dict[str, Any]:
        return {"host": self._server.host, "port": self._server.port, "local": self.is_local}

    def version_key(self) -> str:
        return f"external:{self._server.host}:{self._server.port}"

    def scratch_space(self) -> ScratchSpace | None:
        return None  # not ours to put directories on, and maybe on another machine

    def tool_command(self, tool: str, args: list[str]) -> ToolRun:
        """A local binary of the server's own major version (pg_dump refuses a newer server)."""
        from devdb.server.tools import external_tool, server_major

        binary = external_tool(tool, server_major(self._server))
        return ToolRun([binary, *args], self._server.libpq_env())

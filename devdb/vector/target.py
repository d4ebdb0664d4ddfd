"""Which database a vector command works on: the project's running dev database, a URL, or
a scratch clone of either for `fill`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from devdb.errors import DevdbError, first_line

if TYPE_CHECKING:
    from devdb.project.config import Config
    from devdb.server.engines.base import Server

SCRATCH_SUFFIX = "_vector_scratch"
_SCRATCH_KEY = "vector_scratch_of"  # in the clone's devdb meta: devdb made it, may replace it


@dataclass(frozen=True)
class Target:
    server: Server
    database: str

    def conninfo(self, **extra: object) -> str:
        return self.server.conninfo(self.database, **extra)


def dev_target(config: Config, database: str | None = None) -> Target:
    """The checkout's running dev database (or `database` on the same server)."""
    import psycopg

    from devdb.copies.databases import live_server
    from devdb.server.checkout import open_project

    project = open_project(config, create=False)
    server = live_server(project) if project.engine.managed else project.engine.server()
    if server is None:
        raise DevdbError(
            "the dev database is not running", "start it with `devdb up --no-app`, or pass --url"
        )
    target = Target(server, database or project.database)
    try:
        psycopg.connect(target.conninfo(connect_timeout=5)).close()
    except psycopg.Error as exc:
        raise DevdbError(
            f"cannot connect to the database {target.database}: {first_line(exc)}",
            "start it with `devdb up --no-app`, or check --database",
        ) from None
    return target


def url_target(url: str, database: str | None = None) -> Target:
    from devdb.server.engines.external import parse_server_url

    server, from_url = parse_server_url(url)
    return Target(server, database or from_url or "postgres")


def scratch_clone(source: Target) -> Target:
    """A fresh copy of `source` named <db>_vector_scratch (a previous one is replaced, only
    if devdb made it). The source must have no other sessions: CREATE DATABASE … TEMPLATE."""
    import psycopg
    from psycopg import sql

    from devdb.server.bookkeeping import get_meta, set_meta

    name = source.database[:40] + SCRATCH_SUFFIX
    with psycopg.connect(source.server.conninfo(), autocommit=True, connect_timeout=10) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            with psycopg.connect(source.server.conninfo(name), connect_timeout=10) as old:
                made_by_devdb = get_meta(old, _SCRATCH_KEY) is not None
            if not made_by_devdb:
                raise DevdbError(
                    f"a database named {name} exists and devdb did not make it",
                    "drop or rename it yourself; devdb only replaces its own scratch copies",
                )
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        try:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(source.database)
                )
            )
        except psycopg.errors.ObjectInUse:
            raise DevdbError(
                f"cannot copy {source.database}: other sessions are connected to it",
                "stop the app (and any psql) using it, or fill it directly with --in-place --yes",
            ) from None
        except psycopg.Error as exc:
            raise DevdbError(f"cannot copy {source.database}: {first_line(exc)}", "") from None
    clone = Target(source.server, name)
    with psycopg.connect(clone.conninfo()) as conn:
        set_meta(conn, _SCRATCH_KEY, source.database)
    return clone

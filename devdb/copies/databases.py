"""Database-level steps on a running server: create the app databases, extensions."""

from __future__ import annotations

from devdb.copies import snapshots
from devdb.errors import DevdbError
from devdb.server.checkout import Project
from devdb.server.engines.base import Server


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def database_exists(server: Server, name: str) -> bool:
    import psycopg

    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            is not None
        )


def create_database(server: Server, name: str, template: str | None = None) -> bool:
    """CREATE DATABASE unless it exists; marks it as devdb's. True when created."""
    import psycopg

    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        sql = f"CREATE DATABASE {_quote_ident(name)}"
        if template:
            sql += f" TEMPLATE {_quote_ident(template)}"
        try:
            conn.execute(sql)
        except psycopg.errors.DuplicateDatabase:
            return False
    from devdb.server.bookkeeping import ensure_meta, set_meta

    with psycopg.connect(server.conninfo(name)) as conn:
        ensure_meta(conn)
        set_meta(conn, "created_by", "devdb")
    return True


def ensure_extensions(
    server: Server, database: str, extensions: list[str], engine_hint: str
) -> dict[str, str]:
    """CREATE EXTENSION IF NOT EXISTS each; returns {name: version}."""
    import psycopg

    versions: dict[str, str] = {}
    with psycopg.connect(server.conninfo(database), autocommit=True) as conn:
        for name in extensions:
            row = conn.execute(
                "SELECT extversion FROM pg_extension WHERE extname = %s", (name,)
            ).fetchone()
            if row is None:
                available = conn.execute(
                    "SELECT 1 FROM pg_available_extensions WHERE name = %s", (name,)
                ).fetchone()
                if available is None:
                    raise DevdbError(
                        f"the server has no {name!r} extension ({engine_hint})",
                        "use a pgvector image (the default pgvector/pgvector, or `devdb image build`)",
                    )
                conn.execute(f"CREATE EXTENSION IF NOT EXISTS {_quote_ident(name)}")
                row = conn.execute(
                    "SELECT extversion FROM pg_extension WHERE extname = %s", (name,)
                ).fetchone()
            assert row is not None
            versions[name] = row[0]
    return versions


def database_revisions(server: Server, database: str) -> list[str]:
    """The Alembic revision(s) stamped in `database` (read directly, no alembic import)."""
    import psycopg

    from devdb.migrations.scripts import db_revisions

    with psycopg.connect(server.conninfo(database)) as conn:
        return db_revisions(conn)


def live_server(project: Project) -> Server | None:
    """The server from remembered state if it answers now (no engine SDK import). The probe's
    connection stays open as the admin connection of what follows."""
    import psycopg

    state = project.state
    if not project.engine.managed or not state.port or not state.user or not state.password:
        return None
    server = Server("127.0.0.1", state.port, state.user, state.password)
    try:
        snapshots.admin_connection(server, connect_timeout=1)
    except psycopg.Error:
        return None
    return server

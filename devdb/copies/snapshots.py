"""Template databases: the migrated + seeded state kept for instant clones.

Names, for a working database `app`:
  app__tpl_<hash>     the template (datistemplate, allow_connections = false)
  app__spare_<hash>   a ready clone; `reset` renames it into place in milliseconds
  app__prev_<stamp>   what a reset replaced, kept for undo (the last few)
All renames that replace the working database happen in one transaction, so an interrupt
leaves either the old or the new database in place, never none.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devdb.errors import DevdbError
from devdb.server.sessions import end_sessions

if TYPE_CHECKING:
    from devdb.server.engines.base import Server

TEMPLATE = "__tpl_"
SPARE = "__spare_"
PREV = "__prev_"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def snapshot_key(*parts: str | None) -> str:
    digest = hashlib.sha256("\0".join(p or "" for p in parts).encode()).hexdigest()
    return digest[:12]


def template_name(database: str, key: str) -> str:
    return f"{database[:40]}{TEMPLATE}{key}"


def spare_name(database: str, key: str) -> str:
    return f"{database[:40]}{SPARE}{key}"


_admin: dict[tuple[str, int, str], Any] = {}


def admin_connection(server: Server, connect_timeout: int = 10) -> Any:
    """One autocommit admin connection per server, reused for the life of the process:
    a reset is a handful of catalog statements, and each new connection costs an auth."""
    import psycopg

    key = (server.host, server.port, server.user)
    conn = _admin.get(key)
    if conn is None or conn.closed or conn.broken:
        conn = psycopg.connect(server.conninfo(), autocommit=True, connect_timeout=connect_timeout)
        _admin[key] = conn
    return conn


@contextmanager
def _connect(server: Server) -> Iterator[Any]:
    yield admin_connection(server)


def close_connections() -> None:
    while _admin:
        _admin.popitem()[1].close()


def database_names(server: Server, prefix: str) -> list[str]:
    with _connect(server) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY datname",
            (prefix,),
        ).fetchall()
    return [row[0] for row in rows]


def exists(server: Server, name: str) -> bool:
    with _connect(server) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            is not None
        )


def existing(server: Server, names: list[str]) -> set[str]:
    """Which of `names` exist, in one round trip."""
    with _connect(server) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname = ANY(%s)", (names,)
        ).fetchall()
    return {row[0] for row in rows}


@contextmanager
def advisory_lock(server: Server, key: str) -> Iterator[None]:
    """Server-wide lock: two processes never build the same template twice."""
    with _connect(server) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"devdb:{key}",))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"devdb:{key}",))


def create_from(server: Server, target: str, template: str) -> None:
    with _connect(server) as conn:
        conn.execute(f"CREATE DATABASE {ident(target)} TEMPLATE {ident(template)}")


@contextmanager
def throwaway_copy(server: Server, name: str, template: str) -> Iterator[str]:
    """`name`, made fresh from `template` (a leftover of that name is replaced), dropped
    when the block ends however it ends."""
    drop(server, name)
    create_from(server, name, template)
    try:
        yield name
    finally:
        drop(server, name)


def drop(server: Server, name: str) -> None:
    with _connect(server) as conn:
        conn.execute(f"ALTER DATABASE {ident(name)} IS_TEMPLATE false") if _is_template(
            conn, name
        ) else None
        conn.execute(f"DROP DATABASE IF EXISTS {ident(name)} WITH (FORCE)")


def _is_template(conn: Any, name: str) -> bool:
    row = conn.execute(
        "SELECT datistemplate FROM pg_database WHERE datname = %s", (name,)
    ).fetchone()
    return bool(row and row[0])


def seal_template(server: Server, built: str, name: str) -> None:
    """Turn a freshly built database into the read-only template `name`."""
    with _connect(server) as conn:
        end_sessions(conn, database=built)
        with conn.transaction():
            conn.execute(f"ALTER DATABASE {ident(built)} RENAME TO {ident(name)}")
            conn.execute(
                f"ALTER DATABASE {ident(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
            )


def swap_in(server: Server, database: str, replacement: str, keep_as: str | None) -> None:
    """Put `replacement` in place of `database` atomically; the old one becomes `keep_as`
    (or is dropped when None). Sessions on the working database are ended first."""
    import psycopg

    with _connect(server) as conn:
        present = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if present:
            conn.execute(f"ALTER DATABASE {ident(database)} ALLOW_CONNECTIONS false")
        try:
            for attempt in range(50):
                if present:
                    end_sessions(conn, database=database)
                try:
                    with conn.transaction():
                        if present:
                            old = keep_as or f"{database[:40]}__old_{int(time.time() * 1000)}"
                            conn.execute(f"ALTER DATABASE {ident(database)} RENAME TO {ident(old)}")
                        conn.execute(
                            f"ALTER DATABASE {ident(replacement)} RENAME TO {ident(database)}"
                        )
                        conn.execute(f"ALTER DATABASE {ident(database)} ALLOW_CONNECTIONS true")
                    break
                except psycopg.errors.ObjectInUse:
                    # a terminated backend has not exited yet; the server needs a moment
                    if attempt == 49:
                        raise
                    time.sleep(0.01)
        except BaseException:
            if present and exists(server, database):
                conn.execute(f"ALTER DATABASE {ident(database)} ALLOW_CONNECTIONS true")
            raise
    if present and keep_as is None:
        drop(server, old)


@dataclass
class Collected:
    dropped: list[str]


def collect(
    server: Server, database: str, *, keep_key: str, keep_templates: int, keep_prev: int
) -> Collected:
    """Drop old templates/spares (keeping the newest few templates) and old prev copies."""
    dropped: list[str] = []
    with _connect(server) as conn:
        rows = conn.execute(
            """SELECT datname, (pg_stat_file('base/' || oid || '/PG_VERSION')).modification
               FROM pg_database WHERE starts_with(datname, %s) ORDER BY 2 DESC""",
            (f"{database[:40]}__",),
        ).fetchall()
    templates = [name for name, _ in rows if TEMPLATE in name and not name.endswith(keep_key)]
    spares = [name for name, _ in rows if SPARE in name and not name.endswith(keep_key)]
    prevs = sorted((name for name, _ in rows if PREV in name), reverse=True)
    olds = [name for name, _ in rows if "__old_" in name]
    for name in templates[max(0, keep_templates - 1) :] + prevs[keep_prev:] + olds:
        drop(server, name)
        dropped.append(name)
    for name in spares:
        with advisory_lock(server, name):  # a reset may be swapping it in right now
            if exists(server, name):
                drop(server, name)
                dropped.append(name)
    return Collected(dropped)


def prev_name(database: str) -> str:
    return (
        f"{database[:40]}{PREV}{time.strftime('%Y%m%d%H%M%S')}{int(time.time() * 1000) % 1000:03d}"
    )


def prev_databases(server: Server, database: str) -> list[str]:
    """Copies replaced by resets, newest first."""
    return sorted(database_names(server, f"{database[:40]}{PREV}"), reverse=True)


def require_managed(server: Server, database: str) -> None:
    """Refuse to replace a database devdb did not create (no marker)."""
    import psycopg

    from devdb.server.bookkeeping import get_meta

    try:
        with psycopg.connect(server.conninfo(database)) as conn:
            marker = get_meta(conn, "created_by")
    except psycopg.OperationalError:
        return  # does not exist (or no connections allowed): nothing to protect
    if marker != "devdb":
        raise DevdbError(
            f"database {database} was not created by devdb (no devdb marker)",
            "devdb only replaces its own databases; pass --force-unmanaged to override",
        )

"""A tablespace in memory (tmpfs) for the pytest plugin's per-test databases.

A per-test database is a file-by-file copy of the template: a few files per table and index,
thousands for a big schema. On a disk creating and deleting a file can cost most of a
millisecond (ext4 mounted with `discard`); on tmpfs it costs next to nothing. Only per-test
databases go here: the working database, templates and spares stay on disk.

tmpfs is emptied when the server's machine or container restarts, while the catalog still
lists the tablespace and the databases in it. Then the tablespace's version directory
(PG_18_…) is missing: the databases in it are dropped (their files are gone, DROP DATABASE
copes) and the tablespace is made again. In that order: DROP TABLESPACE of a missing directory
succeeds without looking at pg_database, and would leave those databases pointing at nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devdb.errors import DevdbError

if TYPE_CHECKING:
    from devdb.engines.base import ScratchSpace, Server

TABLESPACE = "devdb_scratch"
# Several copies of the template live at once, up to five per test process (in use, made ahead,
# being made, being dropped; see devdb.clonepool), next to what tests write: a template may use
# at most this share of the space. A create that finds it full is retried on disk.
TEMPLATE_SHARE = 0.1
_LOCK = "devdb-scratch-tablespace"  # xdist workers all get here at once


def ensure_scratch_tablespace(server: Server, space: ScratchSpace, template: str) -> str:
    """The name of a working tablespace at `space.path`, made or repaired as needed.

    DevdbError when the template is too big for the space; psycopg errors pass through.
    """
    import psycopg

    with psycopg.connect(server.conninfo(), autocommit=True, connect_timeout=10) as conn:
        _check_room(conn, template, space)
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (_LOCK,))  # until disconnect
        state = _tablespace_state(conn, space.path)
        if state == "broken":
            _drop_tablespace(conn)
        if state != "ok":
            _create_tablespace(conn, space.path)
    return TABLESPACE


def _check_room(conn: Any, template: str, space: ScratchSpace) -> None:
    size = conn.execute("SELECT pg_database_size(%s)", (template,)).fetchone()[0]
    if size > space.size * TEMPLATE_SHARE:
        raise DevdbError(
            f"the template ({_mb(size)}) is too big for the {_mb(space.size)} in memory",
            'per-test databases are made on disk; set per_test_databases = "disk" to say so',
        )


def _tablespace_state(conn: Any, path: str) -> str:
    """Is the tablespace "ok", "missing", or "broken" (files gone, or somewhere else)?"""
    row = conn.execute(
        "WITH server AS (SELECT format('PG_%%s_%%s', "
        "    current_setting('server_version_num')::int / 10000, catalog_version_no) AS version_dir"
        "  FROM pg_control_system()), "
        "tablespace AS (SELECT pg_tablespace_location(oid) AS location FROM pg_tablespace "
        "  WHERE spcname = %s) "
        "SELECT location, (pg_stat_file(location || '/' || version_dir, true)).isdir "
        "FROM tablespace, server",
        (TABLESPACE,),
    ).fetchone()
    if row is None:
        return "missing"
    location, version_dir_is_there = row  # isdir is NULL when the directory is missing
    return "ok" if location == path and version_dir_is_there else "broken"


def _drop_tablespace(conn: Any) -> None:
    from psycopg import sql

    rows = conn.execute(
        "SELECT datname FROM pg_database JOIN pg_tablespace ON pg_tablespace.oid = dattablespace "
        "WHERE spcname = %s",
        (TABLESPACE,),
    ).fetchall()
    for (name,) in rows:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    conn.execute(sql.SQL("DROP TABLESPACE {}").format(sql.Identifier(TABLESPACE)))


def _create_tablespace(conn: Any, path: str) -> None:
    from psycopg import sql

    conn.execute(
        sql.SQL("CREATE TABLESPACE {} LOCATION {}").format(
            sql.Identifier(TABLESPACE), sql.Literal(path)
        )
    )


def _mb(size: int) -> str:
    return f"{size / 2**20:.0f} MB"

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

from typing import TYPE_CHECKING, Any, NamedTuple

from devdb.errors import DevdbError

if TYPE_CHECKING:
    from devdb.server.engines.base import ScratchSpace, Server

TABLESPACE = "devdb_scratch"
# Copies of the template live there at once (in use, ready, being made, being dropped; see
# devdb.copies.clonepool) next to what tests write: the copies may fill at most this share of it.
ROOM_SHARE = 0.5
MIN_COPIES = 3  # per test process: one in use, one being made, one being dropped
_LOCK = "devdb-scratch-tablespace"  # xdist workers all get here at once


class ScratchRoom(NamedTuple):
    tablespace: str
    copies: int  # of the template, per test process, that fit


def ensure_scratch_tablespace(
    server: Server, space: ScratchSpace, template: str, processes: int = 1
) -> ScratchRoom:
    """A working tablespace at `space.path`, made or repaired as needed, and how many copies
    of the template each of `processes` test processes may keep there.

    DevdbError when fewer than MIN_COPIES fit; psycopg errors pass through.
    """
    import psycopg

    with psycopg.connect(server.conninfo(), autocommit=True, connect_timeout=10) as conn:
        copies = _copies_that_fit(conn, template, space, max(1, processes))
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (_LOCK,))  # until disconnect
        state = _tablespace_state(conn, space.path)
        if state == "broken":
            _drop_tablespace(conn)
        if state != "ok":
            _create_tablespace(conn, space.path)
    return ScratchRoom(TABLESPACE, copies)


def _copies_that_fit(conn: Any, template: str, space: ScratchSpace, processes: int) -> int:
    size = max(1, conn.execute("SELECT pg_database_size(%s)", (template,)).fetchone()[0])
    copies = int(space.size * ROOM_SHARE // size) // processes
    if copies < MIN_COPIES:
        raise DevdbError(
            f"the template ({_mb(size)}) is too big for the {_mb(space.size)} in memory"
            + (f" shared by {processes} test processes" if processes > 1 else ""),
            'per-test databases are made on disk; set per_test_databases = "disk" to say so',
        )
    return copies


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

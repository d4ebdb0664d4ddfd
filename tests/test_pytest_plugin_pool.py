"""The clone pool behind `devdb_database`, on the session's embedded server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from devdb.clonepool import KEPT_COMMENT, ClonePool, clone_prefix, sweep_abandoned
from devdb.engines.base import Server
from devdb.errors import DevdbError
from devdb.snapshots import drop


def admin(server: Server) -> psycopg.Connection:
    return psycopg.connect(server.conninfo(), autocommit=True)


def clones(server: Server, database: str) -> list[str]:
    with admin(server) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY 1",
            (clone_prefix(database),),
        )
        return [row[0] for row in rows]


@pytest.fixture
def template(pg_server: Server) -> Iterator[tuple[str, str]]:
    """(working database name, template name): a template holding one seeded row."""
    database = f"pool_{uuid.uuid4().hex[:8]}"
    name = f"{database}__tpl_test"
    with admin(pg_server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(pg_server.conninfo(name), autocommit=True) as conn:
        conn.execute("CREATE TABLE items (label text)")
        conn.execute("INSERT INTO items VALUES ('seeded')")
    with admin(pg_server) as conn:
        conn.execute(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false')
    try:
        yield database, name
    finally:
        for leftover in clones(pg_server, database):
            drop(pg_server, leftover)
        drop(pg_server, name)


@pytest.mark.parametrize("ahead", [0, 2])
def test_each_clone_starts_from_the_template_and_all_are_dropped(
    pg_server: Server, template: tuple[str, str], ahead: int
) -> None:
    database, name = template
    pool = ClonePool(pg_server, name, database, worker="gw3", run="abc123", ahead=ahead)
    taken = []
    try:
        for _ in range(4):
            clone = pool.take()
            assert clone.startswith(f"{database}__t_gw3_abc123_")
            with psycopg.connect(pg_server.conninfo(clone)) as conn:
                assert conn.execute("SELECT label FROM items").fetchall() == [("seeded",)]
                conn.execute("INSERT INTO items VALUES ('mine')")
            taken.append(clone)
            pool.give_back(clone)
    finally:
        assert pool.close() == []
    assert len(set(taken)) == 4
    assert clones(pg_server, database) == []
    assert pool.stats.created == pool.stats.dropped >= 4


def test_kept_clones_survive_close_and_sweeps(pg_server: Server, template: tuple[str, str]) -> None:
    database, name = template
    pool = ClonePool(pg_server, name, database, worker="main", run="aaaaaa")
    kept = pool.take()
    pool.keep(kept)
    pool.close()
    assert clones(pg_server, database) == [kept]
    with admin(pg_server) as conn:
        assert sweep_abandoned(conn, database, "bbbbbb") == []
        comment = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (kept,),
        ).fetchone()
    assert comment == (KEPT_COMMENT,)


def test_sweep_drops_clones_of_dead_runs_only(pg_server: Server, template: tuple[str, str]) -> None:
    database, name = template
    dead = f"{clone_prefix(database)}gw0_dead00_1"
    alive = f"{clone_prefix(database)}gw1_a11ve0_1"
    with admin(pg_server) as conn, admin(pg_server) as live_run:
        for clone in (dead, alive):
            conn.execute(f'CREATE DATABASE "{clone}" TEMPLATE "{name}"')
        live_run.execute("SELECT pg_advisory_lock_shared(hashtext('devdb-test-run:a11ve0'))")
        assert sweep_abandoned(conn, database, "c0ffee") == [dead]
    assert clones(pg_server, database) == [alive]


def test_a_missing_template_is_a_one_line_error(pg_server: Server) -> None:
    pool = ClonePool(pg_server, "no_such_template", "nothing", worker="main", run="000000")
    try:
        with pytest.raises(DevdbError) as raised:
            pool.take(timeout=30)
    finally:
        pool.close()
    assert "could not clone the template" in raised.value.message
    assert "no_such_template" in raised.value.message
    assert "\n" not in str(raised.value)

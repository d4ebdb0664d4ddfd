"""The clone pool behind `devdb_database`, on the session's embedded server."""

from __future__ import annotations

import dataclasses
import shutil
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from devdb.copies.clonepool import (
    KEPT_COMMENT,
    ClonePool,
    clone_prefix,
    pool_shape,
    sweep_abandoned,
)
from devdb.copies.scratch import ROOM_SHARE, ensure_scratch_tablespace
from devdb.copies.snapshots import drop
from devdb.errors import DevdbError
from devdb.server.engines.base import ScratchSpace, Server
from devdb.server.engines.embedded import EmbeddedEngine


def admin(server: Server) -> psycopg.Connection:
    return psycopg.connect(server.conninfo(), autocommit=True)


def clones(server: Server, database: str) -> list[str]:
    with admin(server) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY 1",
            (clone_prefix(database),),
        )
        return [row[0] for row in rows]


def tablespace_of(server: Server, database: str) -> str:
    with admin(server) as conn:
        row = conn.execute(
            "SELECT spcname FROM pg_database JOIN pg_tablespace ON pg_tablespace.oid = dattablespace "
            "WHERE datname = %s",
            (database,),
        ).fetchone()
    assert row is not None, database
    return str(row[0])


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


@pytest.fixture
def scratch_space(pg_engine: EmbeddedEngine) -> ScratchSpace:
    space = pg_engine.scratch_space()
    assert space is not None  # Linux: /dev/shm
    return space


@pytest.fixture
def scratch(pg_server: Server, scratch_space: ScratchSpace, template: tuple[str, str]) -> str:
    """The scratch tablespace on the session's server (made once, reused by later tests)."""
    return ensure_scratch_tablespace(pg_server, scratch_space, template[1]).tablespace


def test_clones_live_in_the_scratch_tablespace_and_a_kept_one_moves_to_disk(
    pg_server: Server, template: tuple[str, str], scratch: str
) -> None:
    database, name = template
    pool = ClonePool(pg_server, name, database, worker="main", run="5c7a7c", scratch=scratch)
    try:
        used = pool.take()
        assert tablespace_of(pg_server, used) == scratch
        pool.give_back(used)
        kept = pool.take()
        left_open = psycopg.connect(pg_server.conninfo(kept), autocommit=True)
        left_open.execute("INSERT INTO items VALUES ('failed here')")
        pool.keep(kept)  # moving it ends the sessions on it first
        left_open.close()
    finally:
        assert pool.close() == []
    assert pool.stats.on_disk_because is None
    assert clones(pg_server, database) == [kept]
    assert tablespace_of(pg_server, kept) == "pg_default"
    with psycopg.connect(pg_server.conninfo(kept)) as conn:
        rows = conn.execute("SELECT label FROM items ORDER BY 1").fetchall()
    assert rows == [("failed here",), ("seeded",)]


def test_a_scratch_space_emptied_under_the_server_is_repaired(
    pg_server: Server, scratch_space: ScratchSpace, template: tuple[str, str], scratch: str
) -> None:
    """What a restart of the machine (or container) does to tmpfs, while the catalog still
    lists the tablespace and its databases: those are dropped, the tablespace made anew."""
    _, name = template
    stale = f"{name}_in_memory"
    with admin(pg_server) as conn:
        conn.execute(f'CREATE DATABASE "{stale}" TEMPLATE "{name}" TABLESPACE "{scratch}"')
    for entry in Path(scratch_space.path).iterdir():
        shutil.rmtree(entry)

    assert ensure_scratch_tablespace(pg_server, scratch_space, name).tablespace == scratch
    with admin(pg_server) as conn:
        assert not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (stale,)).fetchone()
    pool = ClonePool(pg_server, name, template[0], worker="main", run="4e9a12", scratch=scratch)
    try:
        clone = pool.take()
        assert tablespace_of(pg_server, clone) == scratch
        pool.give_back(clone)
    finally:
        assert pool.close() == []
    assert pool.stats.on_disk_because is None


def test_the_room_is_counted_in_copies_and_a_template_too_big_is_refused(
    pg_server: Server, scratch_space: ScratchSpace, template: tuple[str, str]
) -> None:
    with admin(pg_server) as conn:
        size = conn.execute("SELECT pg_database_size(%s)", (template[1],)).fetchone()[0]
    three = dataclasses.replace(scratch_space, size=int(size * 3 / ROOM_SHARE) + 1)
    assert ensure_scratch_tablespace(pg_server, three, template[1]).copies == 3
    with pytest.raises(DevdbError) as shared:
        ensure_scratch_tablespace(pg_server, three, template[1], processes=2)
    assert "shared by 2 test processes" in shared.value.message

    tiny = dataclasses.replace(scratch_space, size=2**20)  # less than any database
    with pytest.raises(DevdbError) as raised:
        ensure_scratch_tablespace(pg_server, tiny, template[1])
    assert "too big for the 1 MB in memory" in raised.value.message


def test_a_broken_scratch_tablespace_falls_back_to_disk(
    pg_server: Server, template: tuple[str, str]
) -> None:
    database, name = template
    pool = ClonePool(pg_server, name, database, worker="main", run="0d15c0", scratch="gone")
    try:
        clone = pool.take()
        assert tablespace_of(pg_server, clone) == "pg_default"
        pool.give_back(clone)
    finally:
        assert pool.close() == []
    assert pool.stats.on_disk_because == 'tablespace "gone" does not exist'


@pytest.mark.parametrize("scratch", [None, "pg_default"])
def test_a_missing_template_is_a_one_line_error(pg_server: Server, scratch: str | None) -> None:
    """Not taken for a broken scratch space: the create on disk would fail the same way."""
    pool = ClonePool(
        pg_server, "no_such_template", "nothing", worker="main", run="000000", scratch=scratch
    )
    try:
        with pytest.raises(DevdbError) as raised:
            pool.take(timeout=30)
    finally:
        pool.close()
    assert "could not clone the template" in raised.value.message
    assert "no_such_template" in raised.value.message
    assert "\n" not in str(raised.value)


def test_makers_in_memory_hand_each_clone_out_once_to_concurrent_tests(
    pg_server: Server, template: tuple[str, str], scratch: str
) -> None:
    """Three makers (the in-memory default) and three test threads taking at once: every clone
    is fresh, none is handed out twice, and all of them are dropped."""
    database, name = template
    pool = ClonePool(pg_server, name, database, worker="main", run="3a3a3a", scratch=scratch)
    assert len(pool._threads) == 3 and pool.ahead == 2
    taken: list[str] = []
    lock = threading.Lock()

    def one_test() -> None:
        for _ in range(4):
            clone = pool.take()
            with psycopg.connect(pg_server.conninfo(clone), autocommit=True) as conn:
                assert conn.execute("SELECT label FROM items").fetchall() == [("seeded",)]
                conn.execute("INSERT INTO items VALUES ('mine')")
            with lock:
                taken.append(clone)
            pool.give_back(clone)

    try:
        with ThreadPoolExecutor(3) as tests:
            for future in [tests.submit(one_test) for _ in range(3)]:
                future.result()
    finally:
        assert pool.close() == []
    assert len(taken) == len(set(taken)) == 12
    assert pool.stats.created == pool.stats.dropped >= 12
    assert clones(pg_server, database) == []


def test_pool_shape_shrinks_with_many_xdist_workers_and_little_room() -> None:
    """(makers, clones kept ready): fewer makers past 4 workers (12 in all), fewer clones
    ahead when few copies of the template fit in memory, one maker on disk."""
    shapes = [pool_shape(True, workers) for workers in (1, 2, 4, 6, 12, 32)]
    assert shapes == [(3, 2), (3, 2), (3, 2), (2, 2), (1, 2), (1, 2)]
    assert [pool_shape(True, 1, room) for room in (40, 5, 4, 3)] == [(3, 2), (3, 2), (2, 1), (1, 0)]
    assert pool_shape(False, 1) == (1, 1)

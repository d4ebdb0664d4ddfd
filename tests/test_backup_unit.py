"""Backups: retention, metadata, estimates (pure), and the content checksum on a real server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from devdb.backups import store as parts
from devdb.backups.store import BackupInfo, Verification
from devdb.copies import tablestats
from devdb.copies.tablestats import TableStat
from devdb.errors import DevdbError
from devdb.project.config import Config
from devdb.server import tools as servertools
from devdb.server.engines.base import EngineSpec, Server
from devdb.server.engines.external import ExternalEngine


def info(
    name: str, kind: str = "automatic", created: str = "2026-04-01T10:00:00+00:00", **kw
) -> BackupInfo:  # type: ignore[no-untyped-def]
    values = dict(
        name=name,
        kind=kind,
        created_at=created,
        database="app",
        engine="embedded",
        image=None,
        server_version="18.1",
        revision=["0007"],
        seconds=1.0,
        size=1000,
        sha256="0" * 64,
        tables={"public.users": TableStat(3, "ab" * 16)},
    )
    values.update(kw)
    return BackupInfo(**values)  # type: ignore[arg-type]


def test_retention_prunes_only_the_oldest_automatic_backups() -> None:
    found = [
        info("a1", created="2026-04-01T10:00:00+00:00"),
        info("m1", kind="manual", created="2026-04-01T10:30:00+00:00"),
        info("a2", created="2026-04-01T11:00:00+00:00"),
        info("a3", created="2026-04-01T12:00:00+00:00"),
        info("m2", kind="manual", created="2026-03-01T00:00:00+00:00"),
    ]
    assert [b.name for b in parts.to_prune(found, 2)] == ["a1"]
    assert [b.name for b in parts.to_prune(found, 1)] == ["a2", "a1"]
    assert [b.name for b in parts.to_prune(found, 0)] == ["a2", "a1"]  # the newest always stays
    assert parts.to_prune(found, 5) == []


def test_metadata_round_trip_listing_and_names(tmp_path: Path) -> None:
    original = info(
        "app-1",
        directory=tmp_path,
        verified=Verification(at="2026-04-01T10:05:00+00:00", ok=True, restore_seconds=2.5),
    )
    parts.write_meta(original)
    newer = info("app-2", created="2026-04-02T10:00:00+00:00", directory=tmp_path)
    parts.write_meta(newer)
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "other.json").write_text('{"name": "not-other"}')
    listed = parts.read_backups(tmp_path)
    assert [b.name for b in listed] == ["app-2", "app-1"]
    assert listed[1] == original and listed[1].verified == original.verified
    assert (tmp_path / "app-1.json").stat().st_mode & 0o777 == 0o600

    (tmp_path / "app-20260101-000000.dump").touch()
    name = parts.new_name(tmp_path, "app")
    assert name.startswith("app-") and not (tmp_path / f"{name}.dump").exists()
    assert parts.valid_name("before-big-import_2.1")
    assert not parts.valid_name("../escape") and not parts.valid_name("-x")
    assert not parts.valid_name("x.json")


def test_expected_restore_time_and_comparison() -> None:
    measured = info("m", size=2000, verified=Verification(at="t", ok=True, restore_seconds=4.0))
    fresh = info("f", size=1000)
    assert parts.expected_restore_seconds(measured, []) == (4.0, "measured")
    assert parts.expected_restore_seconds(fresh, [fresh, measured]) == (2.0, "estimated from m")
    assert parts.expected_restore_seconds(fresh, [fresh]) == (None, "not measured yet")

    a = {"public.t": TableStat(2, "x"), "public.u": TableStat(1, "y")}
    b = {"public.t": TableStat(3, "x"), "public.v": TableStat(1, "z")}
    assert tablestats.compare_stats(a, a) == []
    assert tablestats.compare_stats(a, b) == [
        "public.t: 3 rows, expected 2",
        "public.u: missing after restore",
        "public.v: not in the backup's metadata",
    ]
    assert tablestats.compare_stats(a, {**a, "public.u": TableStat(1, "other")}) == [
        "public.u: same row count, different content (checksum)"
    ]
    assert parts.human_size(999) == "999 B" and parts.human_size(1_500_000) == "1.5 MB"


TRICKY = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE pair AS (a int, b text);
CREATE DOMAIN emb AS vector(3);
CREATE TABLE tricky (
    id int PRIMARY KEY, v vector(3), vs vector[], e mood, c pair, d emb, f float8,
    r real[], j jsonb, n numeric, k regclass, b bytea, t text, ts timestamptz
);
INSERT INTO tricky VALUES
  (1, '[1,2,3]', ARRAY['[1,0,0]'::vector, '[0,1,0]'], 'happy', ROW(1, 'x'), '[0.5,-0.0,3]',
   'NaN', '{1.5,NULL}', '{"a": [1, 2]}', 1.10, 'tricky', '\\x00ff', repeat('long ', 200000),
   '2026-04-01 10:00+02'),
  (2, NULL, NULL, NULL, NULL, NULL, 'inf'::float8 - 'inf'::float8, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL),
  (3, '[1,2,3]', '{}', 'ok', ROW(NULL, NULL), NULL, -0.0, '{}', 'null', 'NaN', NULL, '', '', NULL),
  (4, '[1,2,3]', '{}', 'ok', ROW(NULL, NULL), NULL, -0.0, '{}', 'null', 'NaN', NULL, '', '', NULL);
CREATE TABLE empty_one (x int);
CREATE TABLE no_columns ();
INSERT INTO no_columns DEFAULT VALUES;
SELECT lo_from_bytea(0, 'a large object');
"""


@pytest.fixture
def two_databases(pg_server: Server) -> Iterator[tuple[str, str]]:
    names = (f"ck_{uuid.uuid4().hex[:8]}", f"ck_{uuid.uuid4().hex[:8]}")
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{names[0]}"')
    try:
        yield names
    finally:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_checksums_survive_dump_and_restore_and_see_every_change(
    pg_server: Server, two_databases: tuple[str, str], tmp_path: Path
) -> None:
    source, copy = two_databases
    with psycopg.connect(pg_server.conninfo(source), autocommit=True) as conn:
        conn.execute(TRICKY)
    config = Config(project_root=tmp_path, project_name="t", url=pg_server.url(source))
    engine = ExternalEngine(config, EngineSpec("unused", "unused"))
    dump = tmp_path / "t.dump"
    outcome = parts.dump_database(engine, pg_server, source, dump)
    assert outcome.tables["public.tricky"].rows == 4
    assert outcome.tables["public.no_columns"].rows == 1
    assert outcome.tables["public.empty_one"] == TableStat(0, "0" * 32)
    assert outcome.tables[tablestats.LARGE_OBJECTS].rows == 1
    assert parts.file_sha256(dump) == outcome.sha256

    restored = parts.restore_archive(engine, pg_server, dump, copy)
    assert restored.code == 0, restored.errors
    assert restored.sha256 == outcome.sha256
    assert tablestats.stats_of(pg_server, copy) == outcome.tables  # row order does not matter

    with psycopg.connect(pg_server.conninfo(copy), autocommit=True) as conn:
        for change in (
            "UPDATE tricky SET v = '[1,2,3.0001]' WHERE id = 1",
            "UPDATE tricky SET t = t || '!' WHERE id = 1",
            "UPDATE tricky SET vs[2] = '[0,1,1]' WHERE id = 1",
            "UPDATE tricky SET (n, j) = (1.1, '{\"a\": [1, 2]}') WHERE id = 1",  # 1.10 vs 1.1
            "DELETE FROM tricky WHERE id = 4",  # a duplicate of row 3: counted, not a set
        ):
            before = tablestats.stats_of(pg_server, copy)["public.tricky"]
            conn.execute(change)
            after = tablestats.stats_of(pg_server, copy)["public.tricky"]
            assert after != before, change


def test_external_needs_a_pg_dump_of_the_servers_major() -> None:
    with pytest.raises(DevdbError) as caught:
        servertools.external_tool("pg_dump", 99)
    assert "backups need pg_dump 99" in caught.value.message
    assert "postgresql-client-99" in caught.value.hint
    assert servertools.external_tool("pg_dump", 18).endswith("pg_dump")  # the wheel's, at least


MIGRATION = '''
"""{doc}"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "{down}"


def upgrade() -> None:
    {body}


def downgrade() -> None:
    pass  # not run here
'''


def test_gate_classifies_pending_migrations_with_lint(tmp_path: Path) -> None:
    from devdb.backups.gate import destructive_changes, pending_revisions
    from devdb.project.config import load_config

    from e2e_util import make_demo_project

    root = make_demo_project(tmp_path, engine="embedded")
    versions = root / "backend" / "py" / "migrations" / "versions"
    for rev, down, body in (
        ("0008", "0007", 'op.add_column("documents", sa.Column("summary", sa.Text()))'),
        ("0009", "0008", 'op.drop_column("documents", "body")'),
        (
            "0010",
            "0009",
            'op.drop_column("users", "display_name")  # devdb: ignore[DD102] unused since v2',
        ),
    ):
        (versions / f"{rev}_x.py").write_text(
            MIGRATION.format(doc=f"step {rev}", rev=rev, down=down, body=body)
        )
    config = load_config(root)
    assert list(pending_revisions(config, ["0009"])) == ["0010"]
    assert list(pending_revisions(config, ["0007"], "0008")) == ["0008"]
    assert destructive_changes(config, pending_revisions(config, ["0007"], "0008")) == []
    reasons = destructive_changes(config, pending_revisions(config, ["0007"]))
    assert reasons == [
        "0009 drops column documents.body",
        "0010 drop column (lint DD102 ignored in the file)",
    ]


def test_a_backup_whose_metadata_cannot_be_read_is_shown_not_hidden(tmp_path: Path) -> None:
    from e2e_util import devdb, make_demo_project

    root = make_demo_project(tmp_path)
    folder = root / ".devdb" / "backups"
    folder.mkdir(parents=True)
    parts.write_meta(info("app-good", directory=folder))
    (folder / "app-good.dump").write_bytes(b"PGDMP")
    (folder / "app-broken.json").write_bytes(b"\xff{not json")
    (folder / "app-broken.dump").write_bytes(b"PGDMP")
    (folder / "app-renamed.json").write_text((folder / "app-good.json").read_text())

    assert [m.name for m, _ in parts.unreadable_backups(folder)] == [
        "app-broken.json",
        "app-renamed.json",
    ]
    listed = devdb(root, "backups")
    assert listed.returncode == 0, listed.stderr
    assert "app-good" in listed.stdout
    assert ".devdb/backups/app-broken.json cannot be read" in listed.stderr
    assert ".devdb/backups/app-broken.dump is kept" in listed.stderr
    assert "app-renamed.json cannot be read (it names another backup (app-good))" in listed.stderr
    assert (folder / "app-broken.dump").read_bytes() == b"PGDMP"  # nothing removed

"""Fixture loading (sql, csv, py in one transaction) and devdb's meta table, on real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import pq

from devdb.copies.fixtures import (
    META_KEY,
    apply_fixtures,
    fixture_files,
    fixtures_hash,
    table_for_csv,
)
from devdb.errors import DevdbError
from devdb.server import bookkeeping as dbmeta

SCHEMA = """
CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE NOT NULL, note text);
CREATE TABLE tags (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);
CREATE TABLE posts (
    id bigserial PRIMARY KEY,
    user_id int NOT NULL REFERENCES users (id),
    title text NOT NULL
);
CREATE TABLE seed_runs (n int);
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def query(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def db(scratch_db: str) -> str:
    with psycopg.connect(scratch_db) as conn:
        conn.execute(SCHEMA)
    return scratch_db


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    folder = tmp_path / "fixtures"
    write(folder, "01_users.csv", 'id,email,note\n1,a@x.org,hello\n2,b@x.org,\n3,c@x.org,"a, b"\n')
    write(folder, "02_tags.csv", "id,name\n10,ten\n11,eleven\n")
    write(folder, "03_posts.sql", "INSERT INTO posts (user_id, title) VALUES (1, '100% real');\n")
    write(
        folder,
        "04_seed.py",
        "def seed(conn):\n"
        "    conn.execute(\"INSERT INTO users (email) VALUES ('py@x.org')\")\n"
        "    conn.execute('INSERT INTO seed_runs VALUES (1)')\n",
    )
    write(folder, "README.md", "not a fixture\n")
    return folder


def test_applied_once_in_name_order(db: str, fixtures: Path) -> None:
    seen: list[str] = []
    result = apply_fixtures(db, fixtures, progress=seen.append)
    assert not result.skipped
    assert result.files == ["01_users.csv", "02_tags.csv", "03_posts.sql", "04_seed.py"]
    assert result.rows == {"01_users.csv": 3, "02_tags.csv": 2}
    assert seen[0] == "Loading fixture 01_users.csv"
    assert query(db, "SELECT id, email, note FROM users ORDER BY id") == [
        (1, "a@x.org", "hello"),
        (2, "b@x.org", None),  # empty CSV cell -> NULL
        (3, "c@x.org", "a, b"),
        (4, "py@x.org", None),  # serial bumped after the CSV: no collision with id 1
    ]
    assert query(db, "SELECT title FROM posts") == [("100% real",)]
    with psycopg.connect(db) as conn:
        assert dbmeta.get_meta(conn, META_KEY) == result.fixtures_hash

    again = apply_fixtures(db, fixtures)
    assert again.skipped and again.files == []
    assert query(db, "SELECT count(*) FROM seed_runs") == [(1,)]  # seed() did not run again


def test_sequences_are_past_seeded_ids(db: str, fixtures: Path) -> None:
    write(
        fixtures, "05_more_posts.sql", "INSERT INTO posts (id, user_id, title) VALUES (50, 1, 'x');"
    )
    apply_fixtures(db, fixtures)
    with psycopg.connect(db) as conn:
        assert conn.execute("INSERT INTO tags (name) VALUES ('n') RETURNING id").fetchone() == (12,)
        assert conn.execute(
            "INSERT INTO users (email) VALUES ('n@x.org') RETURNING id"
        ).fetchone() == (5,)
        # explicit ids from a .sql fixture are covered by the final pass
        assert conn.execute(
            "INSERT INTO posts (user_id, title) VALUES (1, 'n') RETURNING id"
        ).fetchone() == (51,)


def test_csv_rows_already_present_are_skipped(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "fx"
    write(folder, "01_users.csv", "id,email\n1,a@x.org\n2,b@x.org\n")
    first = apply_fixtures(db, folder)
    assert first.rows == {"01_users.csv": 2}
    write(folder, "01_users.csv", "id,email\n1,a@x.org\n2,b@x.org\n3,c@x.org\n")
    second = apply_fixtures(db, folder)  # changed set: runs again, idempotently
    assert second.rows == {"01_users.csv": 1}
    forced = apply_fixtures(db, folder, force=True)
    assert forced.rows == {"01_users.csv": 0}
    assert query(db, "SELECT count(*) FROM users") == [(3,)]


def test_failing_sql_rolls_back_everything_and_names_file_and_line(db: str, fixtures: Path) -> None:
    write(
        fixtures,
        "03_posts.sql",
        "-- posts\nINSERT INTO posts (user_id, title)\nVALUES (1, 'a', 'extra');\n",
    )
    with pytest.raises(DevdbError) as info:
        apply_fixtures(db, fixtures)
    err = info.value
    assert err.message == (
        "Fixture 03_posts.sql line 3 failed: INSERT has more expressions than target columns"
    )
    assert "nothing was committed" in err.hint
    assert query(db, "SELECT count(*) FROM users") == [(0,)]  # 01_users.csv rolled back too
    assert query(db, "SELECT count(*) FROM tags") == [(0,)]
    with psycopg.connect(db) as conn:
        assert dbmeta.get_meta(conn, META_KEY) is None


def test_failing_csv_names_the_line(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "fx"
    write(folder, "01_users.csv", "id,email\n1,a@x.org\nnot-a-number,b@x.org\n")
    with pytest.raises(DevdbError) as info:
        apply_fixtures(db, folder)
    assert info.value.message == (
        'Fixture 01_users.csv line 3 failed: invalid input syntax for type integer: "not-a-number"'
    )


def test_failing_csv_foreign_key_gives_the_detail(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "fx"
    write(folder, "01_posts.csv", "user_id,title\n99,orphan\n")
    with pytest.raises(DevdbError) as info:
        apply_fixtures(db, folder)
    message = info.value.message
    assert message.startswith("Fixture 01_posts.csv failed: insert or update on table")
    assert "Key (user_id)=(99) is not present" in message


def test_unknown_table_or_column(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "fx"
    write(folder, "01_nope.csv", "id\n1\n")
    with pytest.raises(DevdbError, match=r'^Fixture 01_nope.csv failed: relation "nope"'):
        apply_fixtures(db, folder)
    (folder / "01_nope.csv").unlink()
    write(folder, "01_users.csv", "id,mail\n1,a\n")
    with pytest.raises(DevdbError, match=r'column "mail" does not exist'):
        apply_fixtures(db, folder)


def test_failing_python_fixture_names_file_and_line(db: str, fixtures: Path) -> None:
    write(fixtures, "04_seed.py", "def seed(conn):\n    x = 1\n    raise ValueError('bad seed')\n")
    with pytest.raises(DevdbError) as info:
        apply_fixtures(db, fixtures)
    assert info.value.message == "Fixture 04_seed.py line 3 failed: ValueError: bad seed"
    assert query(db, "SELECT count(*) FROM users") == [(0,)]
    write(fixtures, "04_seed.py", "x = 1\n")
    with pytest.raises(DevdbError, match="has no seed"):
        apply_fixtures(db, fixtures)


def test_commit_inside_a_sql_fixture_is_refused_before_anything_runs(
    db: str, fixtures: Path
) -> None:
    write(
        fixtures,
        "00_tx.sql",
        "DO $$ BEGIN PERFORM 1; END $$;\nINSERT INTO tags (name) VALUES ('t');\nCOMMIT;\n",
    )
    with pytest.raises(DevdbError, match=r"^Fixture 00_tx.sql line 3: COMMIT is not allowed"):
        apply_fixtures(db, fixtures)
    assert query(db, "SELECT count(*) FROM tags") == [(0,)]


def test_callers_transaction_is_respected(db: str, fixtures: Path) -> None:
    with psycopg.connect(db) as conn:
        conn.execute("SELECT 1")  # the caller has a transaction open
        apply_fixtures(conn, fixtures)
        assert conn.info.transaction_status == pq.TransactionStatus.INTRANS
        conn.rollback()  # the caller decides
    assert query(db, "SELECT count(*) FROM users") == [(0,)]


def test_hash_and_file_selection(tmp_path: Path) -> None:
    folder = tmp_path / "fx"
    assert fixture_files(folder) == []
    empty = fixtures_hash(folder)
    write(folder, "b.sql", "select 1;")
    write(folder, "a.csv", "id\n")
    write(folder, "notes.txt", "x")
    (folder / "sub").mkdir()
    write(folder / "sub", "c.sql", "select 2;")
    assert [p.name for p in fixture_files(folder)] == ["a.csv", "b.sql"]
    h1 = fixtures_hash(folder)
    assert h1 != empty and fixtures_hash(folder) == h1
    write(folder, "notes.txt", "changed")
    assert fixtures_hash(folder) == h1  # not a fixture
    write(folder, "b.sql", "select 3;")
    assert fixtures_hash(folder) != h1


def test_table_names_from_csv_files() -> None:
    assert table_for_csv(Path("10_items.csv")) == ("items",)
    assert table_for_csv(Path("03_public.users.csv")) == ("public", "users")
    assert table_for_csv(Path("users.csv")) == ("users",)
    assert table_for_csv(Path("2024_events.csv")) == ("events",)


# -- dbmeta -------------------------------------------------------------------------------------
def test_meta_roundtrip_in_its_own_schema(scratch_db: str) -> None:
    with psycopg.connect(scratch_db) as conn:
        assert dbmeta.get_meta(conn, "x") is None
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE
        assert _meta_tables(conn) == []  # reads never create it
        conn.rollback()
        dbmeta.set_meta(conn, "created_by", "devdb")
        dbmeta.set_meta(conn, "applied_migration_hashes", {"0001": "abc"})
        dbmeta.set_meta(conn, "applied_migration_hashes", {"0001": "def"})
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE  # committed
        dbmeta.ensure_meta(conn)
    with psycopg.connect(scratch_db) as conn:
        assert dbmeta.get_meta(conn, "applied_migration_hashes") == {"0001": "def"}
        assert dbmeta.get_meta(conn, "created_by") == "devdb"
        assert _meta_tables(conn) == [(dbmeta.SCHEMA,)]


def _meta_tables(conn: psycopg.Connection) -> list[tuple[str]]:
    return conn.execute(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchall()

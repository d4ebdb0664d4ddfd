"""The demo backend (backend/py) on a real PostgreSQL: migrations, fixtures, the app.

App code (settings, models, env.py, main.py) runs in child processes with the working
directory at backend/py, as `alembic` and `python main.py` would: its top-level module names
(settings, models, ...) must not leak into the pytest process.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlsplit

import psycopg
import pytest
from psycopg import sql

APP = Path(__file__).resolve().parent.parent / "backend" / "py"
FIXTURES = APP / "fixtures"
TABLES = ("users", "documents", "document_permissions", "notifications", "action_points")
RAW_SQL_INDEXES = {"ix_documents_embedding_hnsw", "ix_documents_title_trgm"}
TIMEOUT = 60


def load_file(path: Path) -> ModuleType:
    """Import one backend file under a unique name (never as a top-level `settings`, ...)."""
    name = f"demo_backend_{path.stem}_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def with_database(dsn: str, name: str) -> str:
    return urlsplit(dsn)._replace(path=f"/{name}").geturl()


def sqlalchemy_url(dsn: str) -> str:
    scheme, rest = dsn.split("://", 1)
    return f"{scheme.split('+', 1)[0]}+psycopg://{rest}"


def app_env(db_dsn: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DB_URL", "APP_PORT", "LOG_LEVEL")}
    if db_dsn is not None:
        env["DB_URL"] = sqlalchemy_url(db_dsn)
    return {**env, "LOG_LEVEL": "warning", **extra}


def run_in_app(code: str, db_dsn: str | None) -> subprocess.CompletedProcess[str]:
    """Run Python code (or, with "-m ...", a module) in backend/py with DB_URL set."""
    argv = code.split() if code.startswith("-m ") else ["-c", code]
    result = subprocess.run(
        [sys.executable, *argv],
        cwd=APP,
        env=app_env(db_dsn),
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"child failed:\n{result.stdout}\n{result.stderr}"
    return result


def last_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def new_database(pg_dsn: str) -> Iterator[Any]:
    """A factory of uniquely named databases on the session server, all dropped at the end."""
    created: list[str] = []

    def make() -> str:
        name = f"demo_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return with_database(pg_dsn, name)

    yield make
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for name in created:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(Config(str(APP / "alembic.ini"))).get_current_head()
    assert head is not None
    return head


def load_fixtures(dsn: str) -> None:
    """Apply fixtures/ in name order, in one transaction, the way the runbook layout means."""
    with psycopg.connect(dsn) as conn:
        for path in sorted(FIXTURES.iterdir()):
            if path.suffix == ".csv":
                table = path.stem.split("_", 1)[1]  # 01_users.csv -> users
                with path.open(newline="") as fh:
                    columns = next(csv.reader(fh))
                cols = sql.SQL(", ").join(map(sql.Identifier, columns))
                stage = sql.Identifier(f"stage_{table}")
                # Staging + ON CONFLICT DO NOTHING makes a CSV idempotent (users.email is unique).
                conn.execute(
                    sql.SQL(
                        "CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA"
                    ).format(stage, cols, sql.Identifier(table))
                )
                copy = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER true)")
                with conn.cursor().copy(copy.format(stage, cols)) as cp:
                    cp.write(path.read_bytes())
                conn.execute(
                    sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ON CONFLICT DO NOTHING").format(
                        sql.Identifier(table), cols, cols, stage
                    )
                )
            elif path.suffix == ".sql":
                conn.execute(path.read_text().encode())
            elif path.suffix == ".py":
                load_file(path).seed(conn)


def scalar(conn: psycopg.Connection[Any], query: Any, params: Any = None) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def row_counts(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        count = sql.SQL("SELECT count(*) FROM {}")
        return {t: scalar(conn, count.format(sql.Identifier(t))) for t in TABLES}


# --- migrations ------------------------------------------------------------------------

STAIRWAY = r"""
import json
import psycopg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
import settings

SNAPSHOT = '''
SELECT 'rel ' || c.relname || ' ' || c.relkind::text
FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
UNION ALL
SELECT 'con ' || conname || ' ' || conrelid::regclass || ' ' || pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL
SELECT 'idx ' || pg_get_indexdef(indexrelid) FROM pg_index
WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
UNION ALL
SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' || udt_name || ' '
       || is_nullable || ' ' || coalesce(column_default, '') || ' ' || is_identity
FROM information_schema.columns WHERE table_schema = 'public'
'''

def snapshot():
    # Short autocommit connection: an open transaction would block CREATE INDEX CONCURRENTLY.
    with psycopg.connect(settings.load().libpq_url, autocommit=True) as conn:
        rows = {r[0] for r in conn.execute(SNAPSHOT) if 'alembic_version' not in r[0]}
    return rows

cfg = Config("alembic.ini")
revisions = list(reversed(list(ScriptDirectory.from_config(cfg).walk_revisions())))
problems = []

def stairway(rev):
    down = rev.down_revision or "base"
    before = snapshot()
    command.upgrade(cfg, rev.revision)
    after_up = snapshot()
    if after_up == before:
        problems.append(f"{rev.revision}: upgrade changed nothing")
    command.downgrade(cfg, down)
    after_down = snapshot()
    if after_down != before:
        problems.append(f"{rev.revision}: downgrade left {sorted(after_down ^ before)}")
    command.upgrade(cfg, rev.revision)
    if snapshot() != after_up:
        problems.append(f"{rev.revision}: second upgrade differs from the first")

for rev in revisions:
    try:
        stairway(rev)
    except Exception as err:
        problems.append(f"{rev.revision}: {type(err).__name__}: {err}")
        break
print(json.dumps({"revisions": [r.revision for r in revisions], "problems": problems}))
"""


def test_migrations_stairway_each_step_up_down_up(new_database: Any) -> None:
    result = last_json(run_in_app(STAIRWAY, new_database()))
    assert len(result["revisions"]) >= 5
    assert result["revisions"][-1] == head_revision()
    assert result["problems"] == []


AUTOGENERATE = r"""
import json
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.util.exc import AutogenerateDiffsDetected
from sqlalchemy import create_engine
import models, settings

cfg = Config("alembic.ini")
command.upgrade(cfg, "head")
try:
    command.check(cfg)  # through env.py: include_object, compare_type, compare_server_default
    check = "clean"
except AutogenerateDiffsDetected as err:
    check = str(err)
engine = create_engine(settings.load().db_url)
with engine.connect() as conn:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
    raw = [[d[0], d[1].name] for d in compare_metadata(ctx, models.Base.metadata)]
engine.dispose()
print(json.dumps({"check": check, "raw": raw, "ignored": sorted(models.RAW_SQL_INDEXES)}))
"""


def test_models_match_migrated_schema_apart_from_raw_sql_indexes(new_database: Any) -> None:
    result = last_json(run_in_app(AUTOGENERATE, new_database()))
    assert result["check"] == "clean"
    # Without env.py's include_object, only the two raw-SQL indexes differ.
    assert sorted(result["raw"]) == [["remove_index", name] for name in sorted(RAW_SQL_INDEXES)]
    assert set(result["ignored"]) == RAW_SQL_INDEXES


def test_offline_sql_needs_no_database() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head", "--sql"],
        cwd=APP,
        env={**app_env(None), "DB_URL": ""},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "CREATE EXTENSION IF NOT EXISTS vector" in out
    assert "CREATE INDEX CONCURRENTLY ix_documents_embedding_hnsw" in out
    assert "USING hnsw (embedding vector_cosine_ops)" in out
    assert "CREATE INDEX CONCURRENTLY ix_documents_title_trgm" in out
    assert "VECTOR(384)" in out
    assert out.count("COMMIT;") >= 7  # transaction_per_migration


# --- fixtures and the app -------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(new_database: Any) -> str:
    """A database migrated to head with the fixtures applied twice (they are idempotent)."""
    dsn = new_database()
    run_in_app("-m alembic upgrade head", dsn)  # the runbook's command
    load_fixtures(dsn)
    first = row_counts(dsn)
    load_fixtures(dsn)
    assert row_counts(dsn) == first
    return dsn


def test_fixtures_fill_every_table(seeded: str) -> None:
    assert all(n > 0 for n in row_counts(seeded).values()), row_counts(seeded)


def test_sql_embeddings_match_the_python_embedding(seeded: str) -> None:
    embedding = load_file(APP / "embedding.py")
    with psycopg.connect(seeded, autocommit=True) as conn:
        rows = conn.execute("SELECT title, body, embedding::text FROM documents").fetchall()
    assert rows
    for title, body, stored in rows:
        from_sql = [float(x) for x in stored.strip("[]").split(",")]
        from_python = embedding.embed(f"{title} {body}")
        assert len(from_sql) == embedding.DIM
        assert max(abs(a - b) for a, b in zip(from_sql, from_python, strict=True)) < 1e-6


def test_fixture_sequences_are_past_explicit_ids(seeded: str) -> None:
    with psycopg.connect(seeded) as conn:
        owner = scalar(conn, "SELECT min(id) FROM users")
        new_id = scalar(
            conn, "INSERT INTO documents (owner_id, title) VALUES (%s, 'x') RETURNING id", [owner]
        )
        fixture_max = scalar(conn, "SELECT max(id) FROM documents WHERE id <> %s", [new_id])
        conn.rollback()
    assert new_id > fixture_max


class App:
    """`python main.py` in a child process; lines of its stdout arrive on a queue."""

    def __init__(self, dsn: str, **env: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "main.py"],
            cwd=APP,
            env=app_env(dsn, APP_PORT="0", **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        self.stderr.extend(self.proc.stderr)

    def next_line(self) -> str:
        try:
            line = self.lines.get(timeout=TIMEOUT)
        except queue.Empty:
            raise AssertionError("main.py printed nothing in time") from None
        if line is None:
            code = self.proc.wait(timeout=TIMEOUT)
            raise AssertionError(f"main.py exited {code}: {''.join(self.stderr)}")
        return line

    def wait_listening(self) -> str:
        line = self.next_line()
        assert line.startswith("listening on http://127.0.0.1:"), line
        return line.removeprefix("listening on ")

    def stop(self, sig: signal.Signals) -> int:
        self.proc.send_signal(sig)
        assert self.next_line() == "shutting down"
        return self.proc.wait(timeout=TIMEOUT)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def get_json(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture(scope="module")
def users(seeded: str) -> dict[str, int]:
    with psycopg.connect(seeded, autocommit=True) as conn:
        return {e.split("@")[0]: i for i, e in conn.execute("SELECT id, email FROM users")}


def search(base: str, user_id: int, q: str) -> list[dict[str, Any]]:
    status, body = get_json(f"{base}/documents/search?user_id={user_id}&q={quote(q)}")
    assert status == 200, body
    return body["results"]


def test_app_health_search_sharing_and_sigint(seeded: str, users: dict[str, int]) -> None:
    app = App(seeded)
    try:
        base = app.wait_listening()

        assert get_json(f"{base}/health") == (
            200,
            {"status": "ok", "db": True, "revision": head_revision()},
        )

        # Alice: her own documents plus those shared with her, nearest first.
        results = search(base, users["alice"], "vector search cosine distance")
        titles = [r["title"] for r in results]
        assert titles[0] == "Vector search design notes"
        assert "Search relevance experiments" in titles  # dave's, shared with alice
        assert "Private salary bands" not in titles  # carol's, shared with nobody
        distances = [r["distance"] for r in results]
        assert distances == sorted(distances)
        access = {r["title"]: r["access"] for r in results}
        assert access["Vector search design notes"] == "owner"
        assert access["Search relevance experiments"] == "viewer"

        # The owner finds the private document; nobody else does, whatever they ask.
        assert search(base, users["carol"], "salary bands")[0]["title"] == "Private salary bands"
        for name in ("alice", "bob", "dave", "erin", "frank"):
            assert "Private salary bands" not in [
                r["title"] for r in search(base, users[name], "salary bands")
            ]
        # Frank owns nothing and has nothing shared with him.
        assert search(base, users["frank"], "roadmap") == []

        assert get_json(f"{base}/documents/search?user_id=abc")[0] == 400
        assert get_json(f"{base}/nope")[0] == 404

        assert app.stop(signal.SIGINT) == 0
    finally:
        app.kill()


def test_app_exits_cleanly_on_sigterm(seeded: str) -> None:
    app = App(seeded)
    try:
        app.wait_listening()
        assert app.stop(signal.SIGTERM) == 0
    finally:
        app.kill()


def test_app_health_reports_unmigrated_database(new_database: Any) -> None:
    app = App(new_database())
    try:
        base = app.wait_listening()
        assert get_json(f"{base}/health") == (
            503,
            {"status": "unmigrated", "db": True, "revision": None},
        )
        assert app.stop(signal.SIGINT) == 0
    finally:
        app.kill()


# --- settings -------------------------------------------------------------------------


def test_settings_environment_wins_over_env_file(tmp_path: Path) -> None:
    settings = load_file(APP / "settings.py")
    env_file = tmp_path / ".env"
    env_file.write_text("DB_URL=postgresql+psycopg://u:p@h:5432/fromfile\nAPP_PORT=9000\n")
    conf = settings.load({}, env_file)
    assert conf.db_url.endswith("/fromfile") and conf.app_port == 9000
    assert conf.libpq_url == "postgresql://u:p@h:5432/fromfile"
    conf = settings.load({"DB_URL": "postgresql+psycopg://u:p@h:5432/fromenv"}, env_file)
    assert conf.db_url.endswith("/fromenv") and conf.app_port == 9000


def test_settings_without_db_url_say_what_to_do(tmp_path: Path) -> None:
    settings = load_file(APP / "settings.py")
    with pytest.raises(settings.SettingsError, match=r"DB_URL is not set.*env\.example"):
        settings.load({}, tmp_path / "missing.env")

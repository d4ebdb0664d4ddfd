"""devdb's own bookkeeping inside a managed database: a key/jsonb table in schema `_devdb`.

The schema is not `public` so Alembic autogenerate never sees it (and the runner drops any
diff naming it), and not `devdb`: PostgreSQL's default search_path starts with "$user", so
a schema named like the app's role would capture the app's unqualified CREATE TABLEs.

Records e.g. {"created_by": "devdb", "fixtures_hash": "...",
"applied_migration_hashes": {"<rev>": "<sha256>"}}. Each call leaves the connection as it
found it: inside the caller's open transaction it just runs there (the caller commits);
on an idle connection it runs in its own transaction, committed before returning.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SCHEMA = "_devdb"
TABLE = "meta"
_QUALIFIED = f"{SCHEMA}.{TABLE}"


@contextmanager
def _tx(conn: Any) -> Iterator[None]:
    from psycopg import pq

    if conn.info.transaction_status == pq.TransactionStatus.IDLE:
        with conn.transaction():
            yield
    else:
        yield


def _exists(conn: Any) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (_QUALIFIED,)).fetchone()
    return bool(row and row[0])


def ensure_meta(conn: Any) -> None:
    """Create the schema and table if missing (idempotent; one catalog query when present)."""
    with _tx(conn):
        if _exists(conn):
            return
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {_QUALIFIED} ("
            " key text PRIMARY KEY,"
            " value jsonb NOT NULL,"
            " updated_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute(f"COMMENT ON SCHEMA {SCHEMA} IS 'devdb bookkeeping, not app data'")


def get_meta(conn: Any, key: str) -> Any | None:
    """The stored value, or None (also when the table does not exist: reads never create)."""
    with _tx(conn):
        if not _exists(conn):
            return None
        row = conn.execute(f"SELECT value FROM {_QUALIFIED} WHERE key = %s", (key,)).fetchone()
    return None if row is None else row[0]


def set_meta(conn: Any, key: str, value: Any) -> None:
    """Upsert one key (value must be JSON-serialisable)."""
    from psycopg.types.json import Jsonb

    with _tx(conn):
        ensure_meta(conn)
        conn.execute(
            f"INSERT INTO {_QUALIFIED} (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
            (key, Jsonb(value)),
        )

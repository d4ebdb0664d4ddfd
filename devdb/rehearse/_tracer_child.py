"""The Alembic worker (devdb/migrations/_child.py) plus one op, `trace_upgrade`: run with the
APP's interpreter by path, like the worker, so stdlib + alembic + sqlalchemy only (3.8+).

The tracer listens on the migration connection itself (SQLAlchemy cursor events). Before a
statement: relfilenodes of the user relations and the WAL insert position; after it: the
same, plus the relation locks its own backend holds. Holds close at the connection's
commit/rollback events, so transaction_per_migration and autocommit_block are read, not
assumed. Probes run on the raw DBAPI connection, so they are not traced themselves.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _HERE:
    del sys.path[0]

_spec = importlib.util.spec_from_file_location(
    "_devdb_alembic_child", os.path.join(os.path.dirname(_HERE), "migrations", "_child.py")
)
assert _spec is not None and _spec.loader is not None
child: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(child)

_USER = (
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', '_devdb') "
    "AND n.nspname NOT LIKE 'pg_temp%%' AND n.nspname NOT LIKE 'pg_toast_temp%%'"
)
_FILES = (
    "SELECT 'f', c.oid::regclass::text, c.relfilenode::text, c.relkind::text FROM pg_class c "
    + _USER
    + " AND c.relkind IN ('r', 'i', 'm') AND c.relname <> 'alembic_version'"
)
_WAL = "SELECT 'w', pg_current_wal_insert_lsn()::text, '', ''"
_LOCKS = (
    "SELECT 'l', c.oid::regclass::text, l.mode, c.relkind::text FROM pg_locks l "
    "JOIN pg_class c ON c.oid = l.relation "
    + _USER
    + " AND l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted"
    " AND c.relname <> 'alembic_version'"
)
_BEFORE = _FILES + " UNION ALL " + _WAL
_AFTER = _FILES + " UNION ALL " + _WAL + " UNION ALL " + _LOCKS


def _lsn(text: str) -> int:
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


class Tracer:
    def __init__(self) -> None:
        self.statements: list[dict[str, Any]] = []
        self.holds: list[dict[str, Any]] = []
        self.open: dict[tuple[str, str], dict[str, Any]] = {}
        self.pending: tuple[float, dict[str, str], int] | None = None
        self.probe_seconds = 0.0
        self.transactions = 0
        self.in_transaction: list[dict[str, Any]] = []  # statements since the last commit

    def probe(
        self, conn: Any, query: str
    ) -> tuple[dict[str, str], int, list[tuple[str, str, str]]]:
        began = time.perf_counter()
        raw = conn.connection.dbapi_connection
        cursor = raw.cursor()
        try:
            cursor.execute(query)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        files: dict[str, str] = {}
        wal = 0
        locks: list[tuple[str, str, str]] = []
        for kind, name, value, relkind in rows:
            if kind == "f":
                files[name] = value
            elif kind == "w":
                wal = _lsn(name)
            else:
                locks.append((name, value, relkind))
        self.probe_seconds += time.perf_counter() - began
        return files, wal, locks

    def before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        files, wal, _ = self.probe(conn, _BEFORE)
        self.pending = (time.perf_counter(), files, wal)

    def after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.pending is None:
            return
        ended = time.perf_counter()
        started, before_files, before_wal = self.pending
        self.pending = None
        files, wal, locks = self.probe(conn, _AFTER)
        active = child._STATE.active
        revision = active[0] if active else None
        for name, mode, relkind in locks:
            key = (name, mode)
            if key not in self.open:
                self.open[key] = {
                    "relation": name,
                    "mode": mode,
                    "relkind": relkind,
                    "start": started,
                    "revision": revision,
                }
        rewritten = sorted(
            n for n, node in files.items() if n in before_files and before_files[n] != node
        )
        created = sorted(n for n in files if n not in before_files)
        rowcount = getattr(cursor, "rowcount", -1)
        self.statements.append(
            {
                "revision": revision,
                "sql": " ".join(statement.split())[:2000],
                "seconds": ended - started,
                "rows": rowcount if isinstance(rowcount, int) and rowcount >= 0 else None,
                "wal_bytes": max(0, wal - before_wal),
                "locks": [{"relation": n, "mode": m, "relkind": k} for n, m, k in locks],
                "rewritten": rewritten,
                "created": created,
                "in_transaction": bool(locks),
                "started": started,
                "held_seconds": ended - started,  # until commit, when inside a transaction
            }
        )
        if locks:
            self.in_transaction.append(self.statements[-1])

    def end_transaction(self, *args: Any) -> None:
        now = time.perf_counter()
        self.transactions += 1
        for hold in self.open.values():
            self.holds.append({**hold, "seconds": now - hold.pop("start")})
        self.open = {}
        for statement in self.in_transaction:
            statement["held_seconds"] = now - statement["started"]
        self.in_transaction = []


def op_trace_upgrade(params: dict[str, Any]) -> dict[str, Any]:
    """`upgrade` (or `downgrade` with params['downgrade']) with the tracer on when params['trace']."""
    from alembic.runtime import migration as mig
    from sqlalchemy import event

    tracer = Tracer()
    original = mig.MigrationContext.run_migrations
    trace = bool(params.get("trace", True))

    def run_migrations(self: Any, **kw: Any) -> None:
        connection = self.connection
        if not trace or connection is None:
            original(self, **kw)
            return
        hooks = [
            ("before_cursor_execute", tracer.before),
            ("after_cursor_execute", tracer.after),
            ("commit", tracer.end_transaction),
            ("rollback", tracer.end_transaction),
        ]
        for name, fn in hooks:
            event.listen(connection, name, fn)
        try:
            original(self, **kw)
        finally:
            for name, fn in hooks:
                event.remove(connection, name, fn)

    setattr(mig.MigrationContext, "run_migrations", run_migrations)  # noqa: B010 (mypy: method-assign)
    try:
        data = child.op_upgrade(params, downgrade=bool(params.get("downgrade")))
    finally:
        setattr(mig.MigrationContext, "run_migrations", original)  # noqa: B010
    tracer.end_transaction()  # whatever env.py committed after the run
    first = tracer.statements[0]["started"] if tracer.statements else 0.0
    for statement in tracer.statements:
        statement["started"] = statement["started"] - first
    for hold in tracer.holds:
        hold["start_offset"] = 0.0
    data.update(
        statements=tracer.statements,
        holds=tracer.holds,
        probe_seconds=tracer.probe_seconds,
        transactions=tracer.transactions,
    )
    return data


child.OPS["trace_upgrade"] = op_trace_upgrade

if __name__ == "__main__":
    sys.exit(child.main(sys.argv))

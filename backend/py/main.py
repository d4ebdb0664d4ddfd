"""Demo document service: health and permission-aware vector search over HTTP.

Run from backend/py after `alembic upgrade head`: `python main.py`. Binds 127.0.0.1:APP_PORT
(APP_PORT=0 picks a free port), prints "listening on http://127.0.0.1:PORT" once it accepts
connections, and exits 0 printing "shutting down" on SIGINT or SIGTERM.

    GET /health                               {"status": "ok", "db": true, "revision": "0007"}
    GET /documents/search?user_id=1&q=text    documents user 1 owns or has been shared,
                                              nearest to embed(q) first (cosine distance)
"""

from __future__ import annotations

import json
import logging
import math
import signal
import sys
import threading
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg

import settings
from embedding import DIM, embed, to_pgvector

log = logging.getLogger("demo")

MAX_LIMIT = 100

SEARCH_SQL = """
SELECT d.id, d.title, d.owner_id, d.created_at,
       CASE WHEN d.owner_id = %(user_id)s THEN 'owner' ELSE p.role END AS access,
       d.embedding <=> %(q)s::vector AS distance
FROM documents AS d
LEFT JOIN document_permissions AS p ON p.document_id = d.id AND p.user_id = %(user_id)s
WHERE d.owner_id = %(user_id)s OR p.user_id IS NOT NULL
ORDER BY distance NULLS LAST, d.created_at DESC, d.id
LIMIT %(limit)s
"""

# No usable query text: newest visible documents first, no distance.
RECENT_SQL = """
SELECT d.id, d.title, d.owner_id, d.created_at,
       CASE WHEN d.owner_id = %(user_id)s THEN 'owner' ELSE p.role END AS access,
       NULL::float8 AS distance
FROM documents AS d
LEFT JOIN document_permissions AS p ON p.document_id = d.id AND p.user_id = %(user_id)s
WHERE d.owner_id = %(user_id)s OR p.user_id IS NOT NULL
ORDER BY d.created_at DESC, d.id
LIMIT %(limit)s
"""


class BadRequest(Exception):
    """A client error, answered with 400 and this message."""


class App:
    def __init__(self, conf: settings.Settings) -> None:
        self.conninfo = conf.libpq_url

    def connect(self) -> psycopg.Connection[Any]:
        # One short connection per request keeps the demo dependency-free (no pool).
        return psycopg.connect(self.conninfo, connect_timeout=5, autocommit=True)

    def health(self) -> tuple[HTTPStatus, dict[str, Any]]:
        try:
            with self.connect() as conn:
                has_table = conn.execute("SELECT to_regclass('alembic_version')").fetchone()
                row = None
                if has_table and has_table[0] is not None:
                    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except psycopg.Error as err:
            log.warning("health: database unreachable: %s", err.__class__.__name__)
            return HTTPStatus.SERVICE_UNAVAILABLE, {
                "status": "error",
                "db": False,
                "revision": None,
            }
        if row is None:
            return HTTPStatus.SERVICE_UNAVAILABLE, {
                "status": "unmigrated",
                "db": True,
                "revision": None,
            }
        return HTTPStatus.OK, {"status": "ok", "db": True, "revision": row[0]}

    def search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        user_id = _int_param(query, "user_id", required=True)
        limit = min(max(_int_param(query, "limit", default=10), 1), MAX_LIMIT)
        q = query.get("q", [""])[0]
        vec = embed(q)
        params: dict[str, Any] = {"user_id": user_id, "limit": limit}
        with self.connect() as conn, conn.transaction():
            if any(vec):
                # pgvector >= 0.8: keep scanning the HNSW index until LIMIT rows pass the
                # permission filter (older versions drop the unknown setting with a warning).
                conn.execute("SET LOCAL hnsw.iterative_scan = strict_order")
                params["q"] = to_pgvector(vec)
                rows = conn.execute(SEARCH_SQL, params).fetchall()
            else:
                rows = conn.execute(RECENT_SQL, params).fetchall()
        return {
            "user_id": user_id,
            "q": q,
            "results": [
                {
                    "id": r[0],
                    "title": r[1],
                    "owner_id": r[2],
                    "created_at": r[3].isoformat() if isinstance(r[3], datetime) else r[3],
                    "access": r[4],
                    "distance": _distance(r[5]),
                }
                for r in rows
            ],
        }


def _distance(value: Any) -> float | None:
    # NULL (not embedded yet) and NaN (all-zero embedding) are not JSON numbers.
    if value is None or math.isnan(value):
        return None
    return round(float(value), 6)


def _int_param(
    query: dict[str, list[str]], name: str, *, required: bool = False, default: int = 0
) -> int:
    values = query.get(name)
    if not values or values[0] == "":
        if required:
            raise BadRequest(f"missing query parameter {name}")
        return default
    try:
        return int(values[0])
    except ValueError:
        raise BadRequest(f"{name} must be an integer") from None


def make_handler(app: App) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "devdb-demo/1"

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            try:
                if url.path == "/health":
                    status, body = app.health()
                elif url.path == "/documents/search":
                    status, body = HTTPStatus.OK, app.search(parse_qs(url.query))
                else:
                    status, body = HTTPStatus.NOT_FOUND, {"error": "not found"}
            except BadRequest as err:
                status, body = HTTPStatus.BAD_REQUEST, {"error": str(err)}
            except psycopg.Error as err:
                log.error("database error on %s: %s", url.path, err)
                status, body = HTTPStatus.SERVICE_UNAVAILABLE, {"error": "database error"}
            self._send_json(status, body)

        def _send_json(self, status: HTTPStatus, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            log.info("%s %s", self.address_string(), format % args)

    return Handler


def main() -> int:
    try:
        conf = settings.load()
    except settings.SettingsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    level = conf.log_level.upper()
    logging.basicConfig(
        level=level if level in logging.getLevelNamesMapping() else "INFO",
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if conf.embedding_dim != DIM:
        print(
            f"error: EMBEDDING_DIM={conf.embedding_dim} but documents.embedding is "
            f"vector({DIM}); change the setting or migrate the column",
            file=sys.stderr,
        )
        return 2

    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    try:
        server = ThreadingHTTPServer(("127.0.0.1", conf.app_port), make_handler(App(conf)))
    except OSError as err:
        print(f"error: cannot listen on 127.0.0.1:{conf.app_port}: {err.strerror}", file=sys.stderr)
        return 1
    port = server.server_address[1]
    worker = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    worker.start()
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    try:
        stop.wait()
    finally:
        print("shutting down", flush=True)
        server.shutdown()
        server.server_close()
        worker.join(timeout=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())

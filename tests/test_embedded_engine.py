import psycopg

from devdb.server.engines.base import Server


def test_server_answers_with_password_and_has_pgvector(pg_server: Server) -> None:
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        version = conn.execute(
            "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'"
        ).fetchone()
        assert version is not None
        assert conn.execute("SHOW server_version").fetchone()[0].startswith("18")


def test_wrong_password_is_rejected(pg_server: Server) -> None:
    import pytest

    bad = Server(pg_server.host, pg_server.port, pg_server.user, "wrong")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(bad.conninfo(), connect_timeout=3)

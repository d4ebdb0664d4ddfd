"""Drift: the database and the migration files disagree in a way `upgrade` cannot fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devdb.config import Config, require_alembic
from devdb.engines.base import Server
from devdb.errors import DevdbError
from devdb.migrations.scripts import ancestors


@dataclass(frozen=True)
class Drift:
    kind: str  # unknown_revision | edited_migration
    message: str


def script_graph(config: Config) -> dict[str, tuple[tuple[str, ...], Path]]:
    from devdb.migrations.scripts import migration_files, parse_revision_ids

    return parse_revision_ids(migration_files(require_alembic(config)))


def check_single_head(config: Config) -> list[str]:
    from devdb.migrations.scripts import find_heads

    heads = find_heads(script_graph(config))
    if len(heads) > 1:
        raise DevdbError(
            f"the migration scripts have {len(heads)} heads ({', '.join(heads)})",
            "merge them: alembic merge -m 'merge heads' heads (then devdb up)",
        )
    return heads


def detect_drift(config: Config, server: Server, database: str) -> list[Drift]:
    """Read-only: what is wrong between the database and the code, in plain words."""
    import psycopg

    from devdb.dbmeta import get_meta
    from devdb.migrations.scripts import db_revisions, revision_hashes

    graph = script_graph(config)
    try:
        with psycopg.connect(server.conninfo(database), connect_timeout=5) as conn:
            revisions = db_revisions(conn)
            recorded = get_meta(conn, "migration_hashes") or {}
    except psycopg.OperationalError:
        return []
    found: list[Drift] = []
    unknown = [rev for rev in revisions if rev not in graph]
    if unknown:
        found.append(
            Drift(
                "unknown_revision",
                f"the database is at revision {', '.join(unknown)}, which these migration files do "
                "not know (switched git branches?)",
            )
        )
    current = revision_hashes(require_alembic(config))
    edited = sorted(
        rev
        for rev in ancestors(graph, revisions)
        if rev in recorded and rev in current and recorded[rev] != current[rev]
    )
    if edited:
        found.append(
            Drift(
                "edited_migration",
                f"migration {', '.join(edited)} was edited after it was applied to this database",
            )
        )
    return found

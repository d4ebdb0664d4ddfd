"""Drift: the database and the migration files disagree in a way `upgrade` cannot fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devdb.errors import DevdbError
from devdb.migrations.scripts import ancestors
from devdb.project.config import Config, require_alembic
from devdb.server.engines.base import Server


@dataclass(frozen=True)
class Drift:
    kind: str  # unknown_revision | edited_migration
    message: str


def alembic_ini(config: Config) -> Path:
    """The project's alembic.ini, without require_alembic's interpreter check: reading the
    migration files needs no interpreter."""
    if config.alembic_ini is not None and config.alembic_ini.is_file():
        return config.alembic_ini
    return require_alembic(config)  # raises: there is none


def script_graph(config: Config) -> dict[str, tuple[tuple[str, ...], Path]]:
    from devdb.migrations.scripts import migration_files, parse_revision_ids

    return parse_revision_ids(migration_files(alembic_ini(config)))


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

    from devdb.migrations.scripts import db_revisions
    from devdb.server.bookkeeping import get_meta

    graph = script_graph(config)
    try:
        with psycopg.connect(server.conninfo(database), connect_timeout=5) as conn:
            revisions = db_revisions(conn)
            recorded = get_meta(conn, "migration_hashes") or {}
    except psycopg.OperationalError:
        return []
    return drift_between(config, graph, revisions, recorded)


def drift_between(
    config: Config,
    graph: dict[str, tuple[tuple[str, ...], Path]],
    revisions: list[str],
    recorded: dict[str, str],
) -> list[Drift]:
    """Drift of a database at `revisions`, whose applied files had the `recorded` hashes."""
    from devdb.migrations.scripts import revision_hashes

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
    current = revision_hashes(alembic_ini(config))
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


def pending_revisions(
    graph: dict[str, tuple[tuple[str, ...], Path]], current: list[str]
) -> list[str]:
    """Revisions between the database's revision(s) and every head, in the order `upgrade
    heads` applies them (each after its parents)."""
    from devdb.migrations.scripts import find_heads

    applied = ancestors(graph, current)
    pending: list[str] = []
    seen: set[str] = set()
    for head in find_heads(graph):
        stack: list[tuple[str, bool]] = [(head, False)]
        while stack:  # iterative post-order: a long history must not hit the recursion limit
            rev, parents_done = stack.pop()
            if parents_done:
                pending.append(rev)
                continue
            if rev in seen or rev in applied or rev not in graph:
                continue
            seen.add(rev)
            stack.append((rev, True))
            stack.extend((parent, False) for parent in reversed(graph[rev][0]))
    return pending

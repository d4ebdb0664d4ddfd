"""The backup gate: before devdb destroys data, a backup (or a young enough one), said aloud.

When it applies:
- `migrate` / `up` about to apply a migration that lint classes as destructive (drops,
  rewrites, type changes, unbounded UPDATE/DELETE, or a file lint could not read to the
  end), and any downgrade;
- `destroy` / `restore` about to replace a database holding data the fixtures did not
  put there: its row counts and content checksums differ from the template's, recorded
  when the template was built. (`reset` keeps the replaced database as `__prev_*`, which
  `devdb reset --undo` brings back: that copy is its backup.)

A failed backup raises, so the destructive step never starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devdb.backups import store as parts
from devdb.backups.store import BackupInfo
from devdb.copies import tablestats
from devdb.copies.tablestats import TableStat
from devdb.copies.templates import BOOKKEEPING as BOOKKEEPING
from devdb.copies.templates import record_template_stats as record_template_stats
from devdb.errors import DevdbError, first_line
from devdb.migrations.scripts import ancestors
from devdb.progress import Progress, silent
from devdb.project.config import Config, require_alembic
from devdb.server.checkout import Project
from devdb.server.engines.base import Server

# Lint codes meaning "this migration can lose or rewrite data".
DESTRUCTIVE = {
    "DD101",  # drop table
    "DD102",  # drop column
    "DD104",  # type change that can fail or lose data
    "DD111",  # unbounded UPDATE/DELETE
    "DD115",  # drop + add that looks like a rename
    "DD202",  # volatile default: rewrites the table
    "DD208",  # ALTER COLUMN TYPE rewrites the table
    "DD302",  # vector dimension change
}
# Lint could not see all of the SQL: assume the worst.
UNCHECKED = {"DD004", "DD005", "DD105"}
AUTO_VERIFY_MAX_BYTES = 32 * 1024 * 1024  # gate backups up to this size are restore-tested


@dataclass
class GateResult:
    action: str  # backed-up | reused | skipped
    message: str
    backup: BackupInfo | None = None
    expected_restore: float | None = None
    pruned: list[str] = field(default_factory=list)


# -- migrations ---------------------------------------------------------------------------
def pending_revisions(config: Config, current: list[str], target: str = "head") -> dict[str, Path]:
    """Revisions an upgrade from `current` to `target` would run: {revision: file}."""
    from devdb.migrations.drift import script_graph
    from devdb.migrations.scripts import find_heads

    graph = script_graph(config)
    # a relative or symbolic target (+2, branch@head): every pending revision, to be safe
    targets = [target] if target in graph else find_heads(graph)
    pending = ancestors(graph, targets) - ancestors(graph, current)
    return {rev: graph[rev][1] for rev in sorted(pending)}


def destructive_changes(config: Config, pending: dict[str, Path]) -> list[str]:
    """Why these migrations can lose data, in plain words ([] when lint finds nothing).
    Suppressed findings still count: `ignore[DD102]` says the deploy is safe, not that
    the dropped column's data survives."""
    from devdb.lint import RULES, LintConfig, lint_files
    from devdb.lint.pysource import read_source
    from devdb.migrations.scripts import migration_files

    if not pending:
        return []
    ini = require_alembic(config)
    revision_of = {str(path): rev for rev, path in pending.items()}
    reasons: list[str] = []
    try:
        report = lint_files(
            list(pending.values()),
            LintConfig(
                embedding_dim=config.embedding_dim, import_paths=[ini.parent, config.project_root]
            ),
            all_revision_files=migration_files(ini),
        )
    except Exception as exc:  # the linter failing must not let a drop through unguarded
        return [f"the migrations could not be linted ({type(exc).__name__}): assuming the worst"]
    for finding in report.findings:
        rev = revision_of.get(finding.path, Path(finding.path).name)
        if finding.code in DESTRUCTIVE:
            reasons.append(f"{rev} {finding.message}")
        elif finding.code in UNCHECKED:
            reasons.append(f"{rev} could not be fully checked ({finding.code})")
    for rev, path in pending.items():
        for item in read_source(path).suppressions:
            for code in sorted(set(item.codes) & DESTRUCTIVE):
                reasons.append(f"{rev} {RULES[code].title} (lint {code} ignored in the file)")
    return list(dict.fromkeys(reasons))


def guard_migrations(
    project: Project,
    server: Server,
    revision: str = "head",
    *,
    no_backup: bool = False,
    progress: Progress = silent,
) -> GateResult | None:
    """Before an upgrade to `revision` (or any downgrade): a backup if it can lose data."""
    import psycopg

    from devdb.migrations.scripts import db_revisions

    database = project.database
    if revision.startswith("-") or revision == "base":
        reasons = [f"downgrade to {revision} undoes schema changes and the data in them"]
    else:
        with psycopg.connect(server.conninfo(database)) as conn:
            current = db_revisions(conn)
        pending = pending_revisions(project.config, current, revision)
        if not pending:
            return None
        progress(f"checking {len(pending)} pending migration(s) for destructive changes")
        reasons = destructive_changes(project.config, pending)
        if not reasons:
            return None
    return ensure_backup(
        project,
        server,
        action="migrate",
        reason=_summary(reasons),
        no_backup=no_backup,
        progress=progress,
    )


def _summary(reasons: list[str], limit: int = 3) -> str:
    more = f" and {len(reasons) - limit} more" if len(reasons) > limit else ""
    return "; ".join(reasons[:limit]) + more


def holds_user_data(project: Project, server: Server) -> str | None:
    """Why the working database holds data worth a backup, or None (absent, empty, or the
    same rows as a template devdb built)."""
    import psycopg

    from devdb.copies.databases import database_exists

    database = project.database
    if not database_exists(server, database):
        return None
    try:
        stats = tablestats.stats_of(server, database, BOOKKEEPING)
    except psycopg.Error as exc:
        return f"its contents could not be read ({type(exc).__name__}): assuming they matter"
    if all(s.rows == 0 for s in stats.values()):
        return None
    known: dict[str, Any] = project.state.extra.get("template_stats", {})
    closest: list[str] | None = None
    for recorded in reversed(list(known.values())):
        expected = {table: TableStat(int(r), str(c)) for table, (r, c) in recorded.items()}
        differ = [t for t in sorted(set(expected) | set(stats)) if expected.get(t) != stats.get(t)]
        if not differ:
            return None
        closest = differ if closest is None or len(differ) < len(closest) else closest
    if closest is None:
        rows = sum(s.rows for s in stats.values())
        return (
            f"{database} holds {rows} rows and devdb has no record of what the fixtures put there"
        )
    names = ", ".join(t.split(".", 1)[-1] for t in closest[:4]) + ("…" if len(closest) > 4 else "")
    return f"{database} holds data the fixtures did not put there ({names})"


def guard_overwrite(
    project: Project,
    server: Server,
    *,
    action: str,
    detail: str = "",
    no_backup: bool = False,
    progress: Progress = silent,
) -> GateResult | None:
    """Before `destroy`/`restore` replace the working database: a backup if it holds data
    the fixtures did not put there."""
    if no_backup:
        return GateResult("skipped", f"--no-backup: no backup taken before {detail or action}")
    progress(f"checking whether {project.database} holds data of its own")
    reason = holds_user_data(project, server)
    if reason is None:
        return None
    return ensure_backup(project, server, action=action, reason=reason, progress=progress)


# -- taking (or reusing) the backup ------------------------------------------------------
def ensure_backup(
    project: Project,
    server: Server,
    *,
    action: str,
    reason: str,
    no_backup: bool = False,
    progress: Progress = silent,
) -> GateResult:
    import psycopg

    from devdb.backups.take import list_backups, take_backup, verify_backup

    database = project.database
    if no_backup:
        return GateResult("skipped", f"--no-backup: no backup taken before {action} ({reason})")
    reused = reusable_backup(project, server)
    if reused is not None:
        seconds, basis = parts.expected_restore_seconds(reused, list_backups(project.config))
        minutes = int(reused.age_seconds() // 60)
        return GateResult(
            "reused",
            f"before {action} ({reason}): using backup {reused.name} taken {minutes} min ago "
            f"(younger than backup_max_age = {project.config.backup_max_age:g} min, same "
            f"revision and row counts); {_restore_phrase(seconds, basis, reused.name)}",
            reused,
            seconds,
        )
    progress(f"backing up {database} before {action}")
    try:
        info, pruned = take_backup(
            project,
            server,
            kind="automatic",
            reason=f"before {action}: {reason}",
            suffix=f"before-{action}",
            progress=progress,
        )
        if info.size <= AUTO_VERIFY_MAX_BYTES:
            verification = verify_backup(project, server, info, progress)
            if not verification.ok:
                raise DevdbError(
                    f"the backup did not verify ({_summary(verification.mismatches, 2)})",
                    "run `devdb restore --latest --verify` to see more",
                )
    except DevdbError as exc:
        raise DevdbError(
            f"backup before {action} failed, so nothing was changed: {exc.message}",
            f"{exc.hint + '; or ' if exc.hint else ''}pass --no-backup to {action} without one",
        ) from exc
    except (OSError, psycopg.Error) as exc:
        first = first_line(exc)
        raise DevdbError(
            f"backup before {action} failed, so nothing was changed: {first}",
            f"pass --no-backup to {action} without one",
        ) from exc
    seconds, basis = parts.expected_restore_seconds(info, list_backups(project.config))
    pruned_note = f" (removed {len(pruned)} older automatic backup(s))" if pruned else ""
    return GateResult(
        "backed-up",
        f"backed up {database} before {action} ({reason}) → {info.name} "
        f"({parts.human_size(info.size)}, {info.seconds:.1f}s); "
        f"{_restore_phrase(seconds, basis, info.name)}{pruned_note}",
        info,
        seconds,
        pruned,
    )


def reusable_backup(project: Project, server: Server) -> BackupInfo | None:
    """A backup of this database younger than backup_max_age, at the same revision and
    with the same row counts as now, whose file is intact."""
    import psycopg

    from devdb.backups.take import list_backups
    from devdb.migrations.scripts import db_revisions

    config = project.config
    max_age = config.backup_max_age * 60
    if max_age <= 0:
        return None
    candidates = [
        b
        for b in list_backups(config)
        if b.age_seconds() <= max_age
        and b.database == project.database
        and b.engine == project.engine_name
        and not (b.verified and not b.verified.ok)
    ]
    if not candidates:
        return None
    with psycopg.connect(server.conninfo(project.database)) as conn:
        revision = db_revisions(conn)
    counts = tablestats.row_counts(server, project.database)
    for info in candidates:
        recorded = {t: s.rows for t, s in info.tables.items() if t != tablestats.LARGE_OBJECTS}
        if sorted(info.revision) != revision or recorded != counts:
            continue
        intact = info.path.is_file() and info.path.stat().st_size == info.size
        if intact and parts.file_sha256(info.path) == info.sha256:
            return info
    return None


def _restore_phrase(seconds: float | None, basis: str, name: str) -> str:
    if seconds is None:
        return f"restore time not measured yet (`devdb restore {name} --verify` measures it)"
    if basis == "measured":
        return f"restore takes {seconds:.1f}s (measured): `devdb restore {name}`"
    return f"restore should take ~{seconds:.1f}s ({basis}): `devdb restore {name}`"

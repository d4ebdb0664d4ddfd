"""Taking, listing and verifying backups: what `devdb backup` and the gate both do."""

from __future__ import annotations

import secrets

from devdb.backups import store as parts
from devdb.backups.store import BackupInfo, Verification
from devdb.copies import tablestats
from devdb.errors import DevdbError
from devdb.faults import fault_point
from devdb.progress import Progress, silent
from devdb.project.config import Config
from devdb.server.checkout import Project
from devdb.server.engines.base import Server

VERIFY = "__verify_"

RESTORE = "__restore_"


def list_backups(config: Config) -> list[BackupInfo]:
    """This project's backups, newest first."""
    return parts.read_backups(config.backups_path)


def get_backup(config: Config, name: str | None) -> BackupInfo:
    """A backup by name, or the newest one (name None)."""
    found = list_backups(config)
    where = config.rel(config.backups_path)
    if name is None:
        if not found:
            raise DevdbError(f"there are no backups in {where}", "take one: devdb backup")
        return found[0]
    for info in found:
        if info.name == name:
            return info
    raise DevdbError(f"no backup named {name} in {where}", "`devdb backups` lists them")


def take_backup(
    project: Project,
    server: Server,
    *,
    kind: str,
    name: str | None = None,
    reason: str | None = None,
    suffix: str = "",
    progress: Progress = silent,
) -> tuple[BackupInfo, list[str]]:
    """pg_dump the working database into the backups folder, write its metadata, and (for
    automatic backups) prune the oldest automatic ones. Returns (info, pruned names).
    The caller holds the project lock."""
    from devdb.copies.databases import database_exists

    config = project.config
    database = project.database
    directory = config.backups_path
    parts.ensure_dir(directory)
    if not database_exists(server, database):
        raise DevdbError(f"database {database} does not exist yet", "run `devdb up` first")
    for stale in directory.glob(".*.partial"):  # left by an interrupted backup
        stale.unlink(missing_ok=True)
    for dump in directory.glob("*.dump"):  # killed between its dump and its metadata
        if not dump.with_suffix(".json").exists():
            progress(f"removing {dump.name}: an interrupted backup (it has no metadata)")
            dump.unlink(missing_ok=True)
    if name is None:
        name = parts.new_name(directory, database, suffix)
    elif (directory / f"{name}.json").exists() or (directory / f"{name}.dump").exists():
        raise DevdbError(f"a backup named {name} already exists", "choose another --name")
    dest = directory / f"{name}.dump"
    progress(f"dumping {database} with the server's pg_dump ({project.engine_name})")
    outcome = parts.dump_database(project.engine, server, database, dest, progress)
    image = project.engine.runs_from()
    info = BackupInfo(
        name=name,
        kind=kind,
        created_at=parts.now_iso(),
        database=database,
        engine=project.engine_name,
        image=image,
        server_version=outcome.server_version,
        revision=outcome.revision,
        seconds=round(outcome.seconds, 3),
        size=outcome.size,
        sha256=outcome.sha256,
        tables=outcome.tables,
        reason=reason,
        directory=directory,
    )
    try:
        fault_point("backup_dumped")
        parts.write_meta(info)
    except BaseException:  # a Ctrl-C too: no dump without its metadata
        dest.unlink(missing_ok=True)
        raise
    pruned: list[str] = []
    if kind == "automatic":
        for old in parts.to_prune(list_backups(config), config.backups_keep):
            parts.remove_backup(old)
            pruned.append(old.name)
    return info, pruned


def _check_file(info: BackupInfo) -> None:
    if not info.path.is_file():
        raise DevdbError(
            f"backup {info.name} has no dump file ({info.path.name} is missing)",
            "`devdb backups` lists the others",
        )
    if info.path.stat().st_size != info.size:
        raise DevdbError(
            f"backup {info.name} is corrupted (size differs from its metadata)",
            "use another backup (`devdb backups`)",
        )


def _corrupted(info: BackupInfo) -> DevdbError:
    return DevdbError(
        f"backup {info.name} is corrupted (sha256 mismatch)",
        "its file changed after it was taken; use another backup (`devdb backups`)",
    )


def _scratch_name(database: str, kind: str) -> str:
    return f"{database[:40]}{kind}{secrets.token_hex(3)}"


def _drop_leftovers(server: Server, database: str) -> None:
    """Scratch databases of an interrupted verify/restore."""
    from devdb.copies import snapshots

    for kind in (VERIFY, RESTORE):
        for stale in snapshots.database_names(server, f"{database[:40]}{kind}"):
            snapshots.drop(server, stale)


def _restore_checked(
    project: Project, server: Server, info: BackupInfo, target: str, progress: Progress
) -> Verification:
    """Restore `info` into a new database `target` and compare it with the metadata.
    Raises on a corrupted file or a failed pg_restore; records the outcome either way."""
    _check_file(info)
    progress(f"restoring {info.name} into {target} with the server's pg_restore")
    outcome = parts.restore_archive(project.engine, server, info.path, target, progress)
    verification = Verification(
        at=parts.now_iso(), ok=False, restore_seconds=round(outcome.seconds, 3)
    )
    error: DevdbError | None = None
    if outcome.sha256 != info.sha256:
        verification.error = "sha256 mismatch"
        error = _corrupted(info)
    elif outcome.code != 0:
        verification.error = f"pg_restore failed: {outcome.errors}"
        error = DevdbError(
            f"pg_restore of {info.name} failed (exit {outcome.code}): {outcome.errors or 'no message'}",
            "the backup may come from a newer PostgreSQL than this server",
        )
    else:
        progress(f"comparing row counts and checksums of {len(info.tables)} table(s)")
        actual = tablestats.stats_of(server, target)
        verification.mismatches = tablestats.compare_stats(info.tables, actual)
        verification.ok = not verification.mismatches
    info.verified = verification
    parts.write_meta(info)
    if error is not None:
        raise error
    return verification


def verify_backup(
    project: Project, server: Server, info: BackupInfo, progress: Progress = silent
) -> Verification:
    """Restore into a scratch database, compare, drop it; the result is recorded."""
    from devdb.copies import snapshots

    scratch = _scratch_name(project.database, VERIFY)
    try:
        return _restore_checked(project, server, info, scratch, progress)
    finally:
        snapshots.drop(server, scratch)
